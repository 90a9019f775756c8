/**
 * Typed client of the mshare.v1.Broker service, for the other services (workers, load tests).
 *
 * - The syscalls are async methods with the core's argument order; addresses and lengths are
 *   bigint at this boundary (5-level addresses do not fit a JS number).
 * - A failed syscall rejects with the core's KernelError: the same errno names (`err.errno`) and
 *   explanations the simulated kernel gave. Transport failures (UNAVAILABLE, DEADLINE_EXCEEDED ...)
 *   and UNKNOWN reject with grpc-js's ServiceError unchanged.
 * - Batched accesses go over one AccessStream (`accessStream()`, access-stream.ts).
 * - `openSession()` ties processes to this client's lifetime (session.ts): when the session
 *   closes, or this process dies, the broker exits them after its grace period.
 *
 * ```ts
 * const broker = new BrokerClient('127.0.0.1:50051');
 * const pid = await broker.spawn({ uid: 1000, gid: 1000, comm: 'oracle' });
 * await broker.mmap(pid, 2n << 40n, 512n << 30n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
 * await broker.mshare(pid, 'sga', 2n << 40n, 512n << 30n, O_CREAT | O_RDWR | O_EXCL, 0o600);
 * broker.close();
 * ```
 */
import * as grpc from '@grpc/grpc-js';
import type { AccessCounts } from '../kernel/counts.js';
import type { AccessKind } from '../kernel/uapi.js';
import type { AccessResult, ProcStatus, RegionInfo, SpawnOptions } from '../kernel/types.js';
import { BROKER_SERVICE_NAME, loadBrokerProto } from '../grpc/proto.js';
import { decodeAccessStreamResponse, encodeAccessStreamRequest } from '../grpc/batch-codec.js';
import type { RpcName } from '../grpc/errnos.js';
import { errorFromStatus } from '../grpc/status.js';
import {
  decodeAccessResult, decodeAccounting, decodeGeometry, decodeProcStatus, decodeRegion, decodeTouchResult,
  encodeKind, encodeU64Arg, type BrokerAccounting, type GeometryInfo,
} from '../grpc/wire.js';
import type { BrokerClient as RawBrokerClient } from '../generated/mshare/v1/Broker.js';
import { AccessStream } from './access-stream.js';
import { openSession, type BrokerSession } from './session.js';

export { AccessStream, type BatchResult } from './access-stream.js';
export { BrokerSession } from './session.js';
export type { BrokerAccounting, GeometryInfo };

export interface BrokerClientOptions {
  credentials?: grpc.ChannelCredentials;
  /** grpc-js channel options, merged over the defaults (keepalive, see below). */
  channelOptions?: grpc.ChannelOptions;
  /** Deadline of each unary call, ms (default 30 s). Streams have none. */
  deadlineMs?: number;
  /**
   * A bearer token (the broker's policy file holds its SHA-256): sent as `authorization: Bearer`
   * metadata on every call, TLS or not (plaintext only reaches a loopback broker).
   */
  token?: string;
}

/** Adds `authorization: Bearer <token>` to every call's metadata. */
function bearer(token: string): grpc.Interceptor {
  return (options, next) => new grpc.InterceptingCall(next(options), {
    start(metadata, listener, start) {
      metadata.set('authorization', `Bearer ${token}`);
      start(metadata, listener);
    },
  });
}

const ACCESS_STREAM_PATH = `/${BROKER_SERVICE_NAME}/AccessStream`;

/** Client keepalive: a broker behind a dead network is noticed, and failed calls surface. */
export const DEFAULT_CHANNEL_OPTIONS: Readonly<grpc.ChannelOptions> = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  // Nothing reads channelz in a client; tracking it costs every call (docs/grpc-transport.md).
  'grpc.enable_channelz': 0,
};

export class BrokerClient {
  /** The generated grpc-js client, for what this class does not wrap (call options, metadata). */
  readonly raw: RawBrokerClient;
  private readonly deadlineMs: number;

  constructor(address: string, options: BrokerClientOptions = {}) {
    const { proto } = loadBrokerProto();
    this.raw = new proto.mshare.v1.Broker(
      address,
      options.credentials ?? grpc.credentials.createInsecure(),
      {
        ...DEFAULT_CHANNEL_OPTIONS, ...options.channelOptions,
        ...(options.token !== undefined ? { interceptors: [bearer(options.token)] } : {}),
      },
    );
    this.deadlineMs = options.deadlineMs ?? 30_000;
  }

  close(): void {
    this.raw.close();
  }

  /** Resolves once the channel is connected (or rejects after timeoutMs). */
  waitForReady(timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) =>
      this.raw.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())));
  }

  async geometry(): Promise<GeometryInfo> {
    return decodeGeometry(await this.unary('GetGeometry', {}));
  }

  /** A new process; with sessionId, it exits when that session ends (see openSession). */
  async spawn(opts: SpawnOptions & { sessionId?: string }): Promise<number> {
    const r = await this.unary('Spawn', {
      uid: opts.uid, gid: opts.gid, comm: opts.comm ?? '',
      ...(opts.sessionId !== undefined ? { session_id: opts.sessionId } : {}),
      ...(opts.oomScoreAdj !== undefined ? { oom_score_adj: opts.oomScoreAdj } : {}),
    });
    return r.pid;
  }

  /** Every OOM kill since the broker started, oldest first. */
  async oomEvents(): Promise<{ pid: number; comm: string; allocatingPid: number; residentBytes: number; pagetableBytes: number }[]> {
    const r = await this.unary('ListOomEvents', {});
    return r.events.map((e) => ({
      pid: e.pid, comm: e.comm, allocatingPid: e.allocating_pid, residentBytes: Number(e.resident_bytes), pagetableBytes: Number(e.pagetable_bytes),
    }));
  }

  async exit(pid: number): Promise<void> {
    await this.unary('Exit', { pid });
  }

  /** Returns the mapped address. */
  async mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number, file = '', offset = 0n): Promise<bigint> {
    const r = await this.unary('Mmap', { pid, ...range(addr, length), prot, flags, file, offset: offset.toString() });
    return BigInt(r.addr);
  }

  async munmap(pid: number, addr: bigint, length: bigint): Promise<void> {
    await this.unary('Munmap', { pid, ...range(addr, length) });
  }

  async mprotect(pid: number, addr: bigint, length: bigint, prot: number): Promise<void> {
    await this.unary('Mprotect', { pid, ...range(addr, length), prot });
  }

  async mshare(pid: number, name: string, addr: bigint, length: bigint, oflags: number, mode: number): Promise<void> {
    await this.unary('Mshare', { pid, name, ...range(addr, length), oflags, mode });
  }

  async mshareUnlink(pid: number, name: string): Promise<void> {
    await this.unary('MshareUnlink', { pid, name });
  }

  async readRegion(name: string): Promise<RegionInfo> {
    return decodeRegion(await this.unary('ReadRegion', { name }));
  }

  /** Every region, page after page (ListRegions is paginated, AIP-158). */
  async listRegions(): Promise<RegionInfo[]> {
    const out: RegionInfo[] = [];
    let pageToken = '';
    do {
      const page = await this.unary('ListRegions', { page_size: 1000, page_token: pageToken });
      out.push(...page.regions.map(decodeRegion));
      pageToken = page.next_page_token;
    } while (pageToken !== '');
    return out;
  }

  async access(pid: number, addr: bigint, kind: AccessKind): Promise<AccessResult> {
    return decodeAccessResult(await this.unary('Access', { pid, addr: encodeU64Arg(addr, 'addr'), kind: encodeKind(kind) }));
  }

  async touch(pid: number, addr: bigint, length: bigint, kind: AccessKind, stridePages = 1): Promise<AccessCounts> {
    const r = await this.unary('Touch', { pid, ...range(addr, length), kind: encodeKind(kind), stride_pages: stridePages });
    return decodeTouchResult(r);
  }

  async procStatus(pid: number): Promise<ProcStatus> {
    return decodeProcStatus(await this.unary('ProcStatus', { pid }));
  }

  async accounting(): Promise<BrokerAccounting> {
    return decodeAccounting(await this.unary('GetAccounting', {}));
  }

  /**
   * Opens an AccessStream: send batches, get one result per batch, in order. Its messages go
   * through the hand codecs of shared/grpc/batch-codec.ts (the same bytes as proto-loader's).
   */
  accessStream(): AccessStream {
    return new AccessStream(this.raw.makeBidiStreamRequest(ACCESS_STREAM_PATH, encodeAccessStreamRequest, decodeAccessStreamResponse));
  }

  /**
   * Opens a Session stream and waits for its id. Processes spawned through the returned session
   * exit when it is closed or this client dies, after the broker's grace period. With
   * `resumeSessionId`, resumes that session within its grace period (after a lost connection or a
   * broker restart that kept the state): its processes stay.
   */
  openSession(clientName = '', timeoutMs = 10_000, resumeSessionId = ''): Promise<BrokerSession> {
    return openSession(this, this.raw.Session(), clientName, timeoutMs, resumeSessionId);
  }

  private unary<M extends UnaryMethod>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
    const fn = this.raw[method] as unknown as (
      req: RequestOf<M>, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: ResponseOf<M>) => void,
    ) => grpc.ClientUnaryCall;
    return new Promise((resolve, reject) => {
      fn.call(this.raw, request, { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err) reject(errorFromStatus(err));
        else resolve(res as ResponseOf<M>);
      });
    });
  }
}

/** addr and length of a range request, refused before sending unless both are u64 bigints. */
function range(addr: bigint, length: bigint): { addr: string; length: string } {
  return { addr: encodeU64Arg(addr, 'addr'), length: encodeU64Arg(length, 'length') };
}

/** Every RPC but the two streams. */
type UnaryMethod = Exclude<RpcName, 'AccessStream' | 'Session'>;
type RequestOf<M extends UnaryMethod> = RawBrokerClient[M] extends {
  (argument: infer Req, callback: grpc.requestCallback<infer _Res>): grpc.ClientUnaryCall;
} ? Req : never;
type ResponseOf<M extends UnaryMethod> = RawBrokerClient[M] extends {
  (argument: infer _Req, callback: grpc.requestCallback<infer Res>): grpc.ClientUnaryCall;
} ? Res : never;
