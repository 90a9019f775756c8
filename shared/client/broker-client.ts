/**
 * Typed client of the mshare.v1.Broker service, for the other services (workers, load tests).
 *
 * - The syscalls are async methods with the core's argument order; addresses and lengths are
 *   bigint at this boundary (5-level addresses do not fit a JS number).
 * - A failed syscall rejects with the core's KernelError: the same errno names (`err.errno`) and
 *   explanations the simulated kernel gave. Transport failures (UNAVAILABLE, DEADLINE_EXCEEDED ...)
 *   and UNKNOWN reject with grpc-js's ServiceError unchanged.
 * - Batched accesses go over one AccessStream (`accessStream()`), addresses as a BigUint64Array or
 *   raw little-endian bytes, outcomes back as one byte per address (uapi Outcome codes).
 * - `openSession()` ties processes to this client's lifetime: when the session closes, or this
 *   process dies, the broker exits them after its grace period.
 *
 * ```ts
 * const broker = new BrokerClient('127.0.0.1:50051');
 * const pid = await broker.spawn({ uid: 1000, gid: 1000, comm: 'oracle' });
 * await broker.mmap(pid, 2n << 40n, 512n << 30n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
 * await broker.mshare(pid, 'sga', 2n << 40n, 512n << 30n, O_CREAT | O_RDWR | O_EXCL, 0o600);
 * broker.close();
 * ```
 */
import { endianness } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { KernelError } from '../kernel/errors.js';
import type { GeometryName } from '../kernel/geometry.js';
import { OUTCOME_NAMES, type AccessKind, type OutcomeName } from '../kernel/uapi.js';
import type { AccessCounts } from '../kernel/counts.js';
import type {
  AccessResult, ProcStatus, RegionInfo, SeedBaseline, SpawnOptions, SystemAccounting, TableCounts,
} from '../kernel/types.js';
import { loadBrokerProto } from '../grpc/proto.js';
import { errorFromStatus } from '../grpc/status.js';
import type { BrokerClient as RawBrokerClient } from '../generated/mshare/v1/Broker.js';
import type { AccessKind as WireAccessKind } from '../generated/mshare/v1/AccessKind.js';
import type { AccessBatchRequest } from '../generated/mshare/v1/AccessBatchRequest.js';
import type { AccessBatchResponse__Output } from '../generated/mshare/v1/AccessBatchResponse.js';
import type { OutcomeCounts__Output } from '../generated/mshare/v1/OutcomeCounts.js';
import type { Region__Output } from '../generated/mshare/v1/Region.js';
import type { SessionRequest } from '../generated/mshare/v1/SessionRequest.js';
import type { SessionResponse__Output } from '../generated/mshare/v1/SessionResponse.js';
import type { TableCounts__Output } from '../generated/mshare/v1/TableCounts.js';

export interface GeometryInfo {
  name: GeometryName;
  levels: number;
  pageSize: number;
  /** addr and length of mshare() must be multiples of this. */
  mshareAlignment: bigint;
  userAddressLimit: bigint;
  levelNames: string[];
  sharing: boolean;
}

export interface BrokerAccounting extends SystemAccounting {
  baseline: SeedBaseline;
}

/** One reply of the batch path: counts and one outcome code per address (uapi Outcome). */
export interface BatchResult extends AccessCounts {
  outcomes: Uint8Array;
}

export interface BrokerClientOptions {
  credentials?: grpc.ChannelCredentials;
  /** grpc-js channel options, merged over the defaults (keepalive, see below). */
  channelOptions?: grpc.ChannelOptions;
  /** Deadline of each unary call, ms (default 30 s). Streams have none. */
  deadlineMs?: number;
}

/** Client keepalive: a broker behind a dead network is noticed, and failed calls surface. */
const DEFAULT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

const KIND_TO_WIRE: Readonly<Record<AccessKind, WireAccessKind>> = Object.freeze({
  read: 'ACCESS_KIND_READ', write: 'ACCESS_KIND_WRITE', exec: 'ACCESS_KIND_EXEC',
});
const OUTCOME_FROM_WIRE: Readonly<Record<string, OutcomeName>> = Object.freeze({
  ACCESS_OUTCOME_PRESENT: 'present',
  ACCESS_OUTCOME_MINOR_FAULT: 'minor_fault',
  ACCESS_OUTCOME_SIGSEGV: 'sigsegv',
  ACCESS_OUTCOME_SIGBUS: 'sigbus',
});
const U64_MAX = (1n << 64n) - 1n;
const LITTLE_ENDIAN = endianness() === 'LE';

export class BrokerClient {
  /** The generated grpc-js client, for what this class does not wrap (call options, metadata). */
  readonly raw: RawBrokerClient;
  private readonly deadlineMs: number;

  constructor(address: string, options: BrokerClientOptions = {}) {
    const { proto } = loadBrokerProto();
    this.raw = new proto.mshare.v1.Broker(
      address,
      options.credentials ?? grpc.credentials.createInsecure(),
      { ...DEFAULT_CHANNEL_OPTIONS, ...options.channelOptions },
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
    const r = await this.unary('GetGeometry', {});
    return {
      name: r.name as GeometryName,
      levels: r.levels,
      pageSize: r.page_size,
      mshareAlignment: BigInt(r.mshare_alignment),
      userAddressLimit: BigInt(r.user_address_limit),
      levelNames: r.level_names,
      sharing: r.sharing,
    };
  }

  /** A new process; with sessionId, it exits when that session ends (see openSession). */
  async spawn(opts: SpawnOptions & { sessionId?: string }): Promise<number> {
    const r = await this.unary('Spawn', {
      uid: opts.uid, gid: opts.gid, comm: opts.comm ?? '',
      ...(opts.sessionId !== undefined ? { session_id: opts.sessionId } : {}),
    });
    return r.pid;
  }

  async exit(pid: number): Promise<void> {
    await this.unary('Exit', { pid });
  }

  /** Returns the mapped address. */
  async mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number, file = ''): Promise<bigint> {
    const r = await this.unary('Mmap', { pid, addr: u64(addr, 'addr'), length: u64(length, 'length'), prot, flags, file });
    return BigInt(r.addr);
  }

  async munmap(pid: number, addr: bigint, length: bigint): Promise<void> {
    await this.unary('Munmap', { pid, addr: u64(addr, 'addr'), length: u64(length, 'length') });
  }

  async mprotect(pid: number, addr: bigint, length: bigint, prot: number): Promise<void> {
    await this.unary('Mprotect', { pid, addr: u64(addr, 'addr'), length: u64(length, 'length'), prot });
  }

  async mshare(pid: number, name: string, addr: bigint, length: bigint, oflags: number, mode: number): Promise<void> {
    await this.unary('Mshare', { pid, name, addr: u64(addr, 'addr'), length: u64(length, 'length'), oflags, mode });
  }

  async mshareUnlink(pid: number, name: string): Promise<void> {
    await this.unary('MshareUnlink', { pid, name });
  }

  async readRegion(name: string): Promise<RegionInfo> {
    return regionFromWire(await this.unary('ReadRegion', { name }));
  }

  async listRegions(): Promise<RegionInfo[]> {
    return (await this.unary('ListRegions', {})).regions.map(regionFromWire);
  }

  async access(pid: number, addr: bigint, kind: AccessKind): Promise<AccessResult> {
    const r = await this.unary('Access', { pid, addr: u64(addr, 'addr'), kind: KIND_TO_WIRE[kind] });
    const outcome = OUTCOME_FROM_WIRE[r.outcome];
    if (!outcome) throw new Error(`broker answered an unknown outcome ${r.outcome}`);
    return { outcome, synced: r.synced };
  }

  async touch(pid: number, addr: bigint, length: bigint, kind: AccessKind, stridePages = 1): Promise<AccessCounts> {
    const r = await this.unary('Touch', {
      pid, addr: u64(addr, 'addr'), length: u64(length, 'length'), kind: KIND_TO_WIRE[kind], stride_pages: stridePages,
    });
    return { ...countsFromWire(r.counts), synced: Number(r.synced) };
  }

  async procStatus(pid: number): Promise<ProcStatus> {
    const r = await this.unary('ProcStatus', { pid });
    return {
      pid: r.pid, uid: r.uid, gid: r.gid, comm: r.comm,
      vmpteBytes: Number(r.vmpte_bytes),
      unsharedVmpteBytes: Number(r.unshared_vmpte_bytes),
      pgdBytes: Number(r.pgd_bytes),
      unsharedPgdBytes: Number(r.unshared_pgd_bytes),
      tables: tablesFromWire(r.tables),
      minorFaults: Number(r.minor_faults),
      unsharedMinorFaults: Number(r.unshared_minor_faults),
      syncs: Number(r.syncs),
      regions: r.regions,
      vmas: r.vmas.map((v) => ({
        start: BigInt(v.start), end: BigInt(v.end), prot: v.prot, flags: v.flags, file: v.file, region: v.region,
      })),
    };
  }

  async accounting(): Promise<BrokerAccounting> {
    const r = await this.unary('GetAccounting', {});
    const b = r.baseline;
    return {
      geometry: r.geometry as GeometryName,
      sharing: r.sharing,
      processes: r.processes,
      regions: r.regions,
      hostMms: r.host_mms,
      pagetableBytes: Number(r.pagetable_bytes),
      unsharedPagetableBytes: Number(r.unshared_pagetable_bytes),
      savedBytes: Number(r.saved_bytes),
      savedRatio: r.saved_ratio,
      privateTableBytes: Number(r.private_table_bytes),
      hostTableBytes: Number(r.host_table_bytes),
      pgdBytes: Number(r.pgd_bytes),
      minorFaults: Number(r.minor_faults),
      unsharedMinorFaults: Number(r.unshared_minor_faults),
      accesses: countsFromWire(r.accesses),
      syncs: Number(r.syncs),
      baseline: {
        clients: b?.clients ?? 0,
        sgaBytes: Number(b?.sga_bytes ?? 0),
        pteBytes: Number(b?.pte_bytes ?? 0),
        pteWithUpperBytes: Number(b?.pte_with_upper_bytes ?? 0),
      },
    };
  }

  /** Opens an AccessStream: send batches, get one result per batch, in order. */
  accessStream(): AccessStream {
    return new AccessStream(this.raw.AccessStream());
  }

  /**
   * Opens a Session stream and waits for its id. Processes spawned through the returned session
   * exit when it is closed or this client dies, after the broker's grace period.
   */
  async openSession(clientName = '', timeoutMs = 10_000): Promise<BrokerSession> {
    const call = this.raw.Session();
    const opened = await new Promise<{ sessionId: string; graceMs: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        // cancel() ends the call with an 'error' (CANCELLED): without a listener it would be thrown.
        call.on('error', () => {});
        call.cancel();
        reject(new Error('Session: no reply to open'));
      }, timeoutMs);
      const onData = (m: SessionResponse__Output) => {
        if (m.msg !== 'opened' || !m.opened) return;
        cleanup();
        resolve({ sessionId: m.opened.session_id, graceMs: m.opened.grace_ms });
      };
      const onError = (err: grpc.ServiceError) => { cleanup(); reject(errorFromStatus(err)); };
      const cleanup = () => { clearTimeout(timer); call.off('data', onData); call.off('error', onError); };
      call.on('data', onData);
      call.on('error', onError);
      call.write({ open: { client_name: clientName } } satisfies SessionRequest);
    });
    return new BrokerSession(this, call, opened.sessionId, opened.graceMs);
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

/**
 * Batches over one AccessStream. Batches are answered in order; several may be in flight.
 * A broker error (ESRCH, EINVAL for a malformed batch ...) ends the stream: every pending and
 * later batch rejects with it.
 */
export class AccessStream {
  private readonly pending: { resolve: (r: BatchResult) => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown;

  constructor(private readonly call: grpc.ClientDuplexStream<AccessBatchRequest, AccessBatchResponse__Output>) {
    call.on('data', (m: AccessBatchResponse__Output) => {
      const c = countsFromWire(m.counts);
      this.pending.shift()?.resolve({ ...c, synced: Number(m.synced), outcomes: m.outcomes });
    });
    call.on('error', (err: grpc.ServiceError) => this.fail(errorFromStatus(err)));
    call.on('end', () => this.fail(new Error('AccessStream ended')));
  }

  /**
   * Accesses every address of `addrs` (a BigUint64Array, or little-endian u64 bytes) by `pid`.
   * Resolves with the counts and the outcome code of each address (uapi Outcome).
   */
  batch(pid: number, kind: AccessKind, addrs: BigUint64Array | Uint8Array): Promise<BatchResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    let bytes: Uint8Array;
    if (addrs instanceof BigUint64Array) {
      if (!LITTLE_ENDIAN) throw new Error('BigUint64Array batches need a little-endian host; pass bytes');
      bytes = new Uint8Array(addrs.buffer, addrs.byteOffset, addrs.byteLength);
    } else {
      bytes = addrs;
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.call.write({ pid, kind: KIND_TO_WIRE[kind], addrs: bytes } satisfies AccessBatchRequest);
    });
  }

  /** Half-closes the stream; resolves when the broker has answered every batch sent. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure !== undefined) return resolve();
      this.call.once('end', () => resolve());
      this.call.once('error', () => resolve());
      this.call.end();
    });
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }
}

/** An open Session: spawn processes tied to it, then close it (or let the process die). */
export class BrokerSession {
  constructor(
    private readonly client: BrokerClient,
    private readonly call: grpc.ClientDuplexStream<SessionRequest, SessionResponse__Output>,
    readonly id: string,
    /** How long after the session ends the broker exits its processes. */
    readonly graceMs: number,
  ) {
    // Errors after the open (the broker shut down) end the session; nothing to reject.
    call.on('error', () => {});
    this.ended = new Promise((resolve) => {
      call.once('end', () => resolve());
      call.once('error', () => resolve());
      call.once('close', () => resolve());
    });
  }

  /**
   * Settles when the session's stream has ended, whether this side closed it or the broker went
   * away (shut down, restarted, network lost): the broker exits the session's processes then.
   */
  readonly ended: Promise<void>;

  spawn(opts: SpawnOptions): Promise<number> {
    return this.client.spawn({ ...opts, sessionId: this.id });
  }

  /** Ends the stream: the broker exits this session's processes after graceMs. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.call.destroyed) return resolve();
      this.call.once('close', () => resolve());
      this.call.once('error', () => resolve());
      this.call.on('data', () => {}); // drain, so 'end' and 'close' arrive
      this.call.end();
    });
  }
}

type UnaryMethod =
  | 'GetGeometry' | 'Spawn' | 'Exit' | 'Mmap' | 'Munmap' | 'Mprotect' | 'Mshare' | 'MshareUnlink'
  | 'ReadRegion' | 'ListRegions' | 'Access' | 'Touch' | 'ProcStatus' | 'GetAccounting';
type RequestOf<M extends UnaryMethod> = RawBrokerClient[M] extends {
  (argument: infer Req, callback: grpc.requestCallback<infer _Res>): grpc.ClientUnaryCall;
} ? Req : never;
type ResponseOf<M extends UnaryMethod> = RawBrokerClient[M] extends {
  (argument: infer _Req, callback: grpc.requestCallback<infer Res>): grpc.ClientUnaryCall;
} ? Res : never;

/** Addresses cross the wire as decimal strings; anything else is refused before sending. */
function u64(value: bigint, field: string): string {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new KernelError('EINVAL', `${field} ${String(value)} is not a u64 bigint`);
  }
  return value.toString();
}

function countsFromWire(c: OutcomeCounts__Output | null | undefined): Omit<AccessCounts, 'synced'> {
  return {
    present: Number(c?.present ?? 0),
    minorFault: Number(c?.minor_fault ?? 0),
    sigsegv: Number(c?.sigsegv ?? 0),
    sigbus: Number(c?.sigbus ?? 0),
  };
}

function tablesFromWire(t: TableCounts__Output | null | undefined): TableCounts {
  return {
    pte: Number(t?.pte ?? 0), pmd: Number(t?.pmd ?? 0), pud: Number(t?.pud ?? 0),
    p4d: Number(t?.p4d ?? 0), pgd: Number(t?.pgd ?? 0),
  };
}

export function regionFromWire(r: Region__Output): RegionInfo {
  return {
    name: r.name,
    start: BigInt(r.start),
    size: BigInt(r.size),
    uid: r.uid,
    gid: r.gid,
    mode: r.mode,
    accessMode: r.access_mode,
    refcount: r.refcount,
    mappedProcesses: r.mapped_processes,
    pagetableBytes: Number(r.pagetable_bytes),
    tables: tablesFromWire(r.tables),
    vmaCount: r.vma_count,
  };
}

/** The outcome name of a packed code (BatchResult.outcomes[i]). */
export const outcomeName = (code: number): OutcomeName => OUTCOME_NAMES[code];
