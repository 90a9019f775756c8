/**
 * Builds the broker without binding anything: the gRPC server (Broker, health, reflection) and
 * the fastify app around one Kernel. main.ts binds the ports and handles signals; tests build a
 * broker and bind it to 127.0.0.1:0.
 *
 * Every unary handler goes through one adapter (`unary`), every bidi stream through another
 * (`bidi`): the handler decodes and validates the request (shared/grpc/wire.ts) and calls the
 * kernel; the adapter maps a failure to its status (shared/grpc/status.ts), records the RPC and
 * syscall series, and always returns right after calling back.
 *
 * Identity (auth.ts): the adapters name each call's principal (bearer token, client certificate,
 * or the anonymous principal without TLS); a pid belongs to the principal that spawned it
 * (`owners`), and another principal's pid is ESRCH unless the caller is an admin. Requests whose
 * raw bytes hold invalid UTF-8 in a string field are EINVAL (shared/grpc/utf8.ts). Touch is the
 * one asynchronous handler: it works in pieces (chunked.ts).
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Kernel } from '../../shared/kernel/kernel.js';
import { KernelError, LimitError, type ErrnoName } from '../../shared/kernel/errors.js';
import { seedBaseline } from '../../shared/kernel/accounting.js';
import type { SeedBaseline } from '../../shared/kernel/types.js';
import { BROKER_PROTO, BROKER_SERVICE_NAME, LOADER_OPTIONS, loadBrokerProto, PROTO_ROOT } from '../../shared/grpc/proto.js';
import type { RpcName } from '../../shared/grpc/errnos.js';
import { AuthError, statusFromError } from '../../shared/grpc/status.js';
import {
  decodeBatch, decodeBits, decodeKind, decodePid, decodeStride, decodeU64, encodeAccessResult, encodeAccounting,
  encodeGeometry, encodeOomEvent, encodeProcStatus, encodeRegion, encodeRegionPage, encodeTouchResult, encodeU64,
  oomKillReason,
} from '../../shared/grpc/wire.js';
import { checkingUtf8, invalidUtf8Field } from '../../shared/grpc/utf8.js';
import { batchReplyWriter, withBatchCodec } from '../../shared/grpc/batch-codec.js';
import type { BrokerHandlers } from '../../shared/generated/mshare/v1/Broker.js';
import type { SessionResponse } from '../../shared/generated/mshare/v1/SessionResponse.js';
import { MAX_SESSION_NAME_BYTES, kernelOptions, type Config } from './config.js';
import { authenticate, readTls, type Policy, type Principal } from './auth.js';
import { createMetrics, type BrokerMetrics } from './metrics.js';
import { Sessions } from './sessions.js';
import { chunkedTouch } from './chunked.js';
import { buildHttp } from './http.js';
import type { BrokerState } from './state.js';

export interface BrokerDeps {
  config: Config;
  /** Default: a new Kernel with the config's geometry and sharing. */
  kernel?: Kernel;
  /** true: pino at config.logLevel; false: silent; or a logger instance (pino-compatible). */
  logger?: boolean | FastifyBaseLogger;
  /** Node process metrics on /metrics (default true). */
  defaultMetrics?: boolean;
  /**
   * Told of every failed call: the RPC and the errno it answered (undefined: UNKNOWN). The tests
   * check it against RPC_ERRNOS (shared/grpc/errnos.ts).
   */
  onFailure?: (rpc: RpcName, errno: ErrnoName | undefined) => void;
  /** The principals (config.policyFile, read by auth.ts loadPolicy); none: anonymous only. */
  policy?: Policy;
  /** The state a restart restored (state.ts): its kernel, owners and sessions. */
  restored?: BrokerState;
}

export interface Broker {
  readonly config: Config;
  readonly kernel: Kernel;
  readonly baseline: SeedBaseline;
  readonly grpcServer: grpc.Server;
  readonly http: FastifyInstance;
  readonly health: HealthImplementation;
  readonly sessions: Sessions;
  readonly metrics: BrokerMetrics;
  readonly log: FastifyBaseLogger;
  readonly serving: boolean;
  /** The principal that spawned each live pid. */
  readonly owners: ReadonlyMap<number, string>;
  /** TLS (and mutual TLS with a client CA) when the config sets it, else plaintext. */
  readonly grpcCredentials: grpc.ServerCredentials;
  /** gRPC health of '' and mshare.v1.Broker, and /readyz. */
  setServing(serving: boolean): void;
}

/** Server-side keepalive: a client that vanished without closing its connection (a lost
 * network) is noticed within time + timeout, which ends its Session stream. */
export const GRPC_SERVER_OPTIONS: grpc.ServerOptions = Object.freeze({
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  // Nothing serves channelz here; tracking it costs every call (docs/grpc-transport.md).
  'grpc.enable_channelz': 0,
});

/** grpc.health.v1's proto as grpc-health-check ships it: its name under its root. */
const HEALTH_PROTO = 'health/v1/health.proto';

/**
 * What server reflection describes: the broker's proto and grpc.health.v1 (the health service the
 * broker also serves), so grpcurl lists, describes and calls both.
 */
export function loadReflectedProtos(): protoLoader.PackageDefinition {
  const healthRoot = path.resolve(path.dirname(healthProtoPath), '..', '..');
  return protoLoader.loadSync([BROKER_PROTO, HEALTH_PROTO], { ...LOADER_OPTIONS, includeDirs: [PROTO_ROOT, healthRoot] });
}

/** Room for a request's other fields beside a batch's addresses (receive limit above the batch limit). */
const MESSAGE_SLACK_BYTES = 64 * 1024;

/**
 * The gRPC server's options but its interceptors (the benchmark's echo server runs with the same).
 * The receive limit is above the batch limit, so that the limit's EINVAL answers before the
 * transport's RESOURCE_EXHAUSTED (and never below grpc's default of 4 MiB).
 */
export function brokerServerOptions(maxBatchAddresses: number): grpc.ServerOptions {
  return { ...GRPC_SERVER_OPTIONS, 'grpc.max_receive_message_length': Math.max(4 << 20, maxBatchAddresses * 8 + MESSAGE_SLACK_BYTES) };
}

/** EINVAL for a request whose raw bytes held invalid UTF-8 in a string field (shared/grpc/utf8.ts). */
function checkUtf8(request: unknown): void {
  const field = invalidUtf8Field(request);
  if (field !== undefined) throw new KernelError('EINVAL', `${field} is not valid UTF-8`);
}

/** The errno of a pid another principal owns: as for a pid in another pid namespace. */
const noSuchProcess = (pid: number) => new KernelError('ESRCH', `no process with pid ${pid}`);

export function buildBroker(deps: BrokerDeps): Broker {
  const { config } = deps;
  const { limits } = config;
  const kernel = deps.restored?.kernel ?? deps.kernel ?? new Kernel(kernelOptions(config));
  const tlsFiles = config.tls && readTls(config.tls);
  const tls = tlsFiles !== undefined;
  const grpcCredentials = tlsFiles
    ? grpc.ServerCredentials.createSsl(tlsFiles.clientCa ?? null, [{ private_key: tlsFiles.key, cert_chain: tlsFiles.cert }], tlsFiles.clientCa !== undefined)
    : grpc.ServerCredentials.createInsecure();
  /** pid -> the principal that spawned it. */
  const owners = new Map<number, string>(deps.restored?.owners);

  /** The principal of a call: its bearer token, its client certificate, or anonymous (auth.ts). */
  function principalOf(call: { metadata: grpc.Metadata; getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null }): Principal {
    const authorization = call.metadata.get('authorization')[0];
    return authenticate(deps.policy, tls, {
      authorization: authorization === undefined ? undefined : String(authorization),
      certificate: call.getAuthContext()?.sslPeerCertificate,
    });
  }

  /** `pid`, when the principal may act on it: ESRCH for another principal's pid (admins: all). */
  function own(principal: Principal, pid: number): number {
    if (!principal.admin && owners.get(pid) !== principal.name) throw noSuchProcess(pid);
    return pid;
  }
  const ownPid = (principal: Principal, value: number) => own(principal, decodePid(value));
  const baseline = seedBaseline(config.baselineClients, config.baselineSgaBytes);
  const { packageDefinition, proto } = loadBrokerProto();

  let serving = true;
  const health = new HealthImplementation({ '': 'SERVING', [BROKER_SERVICE_NAME]: 'SERVING' });

  // The HTTP app owns the logger so both sides log alike; sessions and metrics need it first.
  const logRef: { current?: FastifyBaseLogger } = {};
  const logger = () => logRef.current!;

  const sessions = new Sessions({
    graceMs: config.sessionGraceMs,
    expire(pids, session) {
      let exited = 0;
      for (const pid of pids) {
        if (!kernel.hasProcess(pid)) continue;
        try {
          kernel.exit(pid);
          owners.delete(pid);
          metrics.syscall('exit', 'OK');
          exited++;
        } catch (err) {
          logger().error({ err, pid, session: session.id }, 'session expiry: exit failed');
        }
      }
      logger().info({ session: session.id, client: session.clientName, exited }, 'session expired');
    },
  });
  if (deps.restored) sessions.restore(deps.restored.sessions, (pid) => kernel.hasProcess(pid));
  // The OOM killer's kills, told to the session of the victim (SessionResponse.killed).
  const sessionStreams = new Map<string, (res: SessionResponse) => void>();
  /** Each OOM event's victim's principal (owners forgets a pid when it goes). */
  const oomEventOwners = new WeakMap<object, string>();
  kernel.onOomKill((event) => {
    oomEventOwners.set(event, owners.get(event.pid) ?? '');
    owners.delete(event.pid);
    const id = sessions.sessionOf(event.pid);
    sessions.forgetProcess(event.pid);
    if (id !== undefined) sessionStreams.get(id)?.({ killed: { pid: event.pid, reason: oomKillReason(event) } });
    logger().warn({ pid: event.pid, comm: event.comm, allocatingPid: event.allocatingPid }, 'out of memory: process killed');
  });
  const metrics = createMetrics({
    kernel, baseline, sessions: () => sessions.counts(), defaultMetrics: deps.defaultMetrics,
    limits: {
      max_map_count: limits.maxMapCount, processes_per_uid: limits.maxProcessesPerUid, regions: limits.maxRegions,
      sessions_per_principal: limits.maxSessionsPerPrincipal, batch_addresses: limits.maxBatchAddresses, pid_max: limits.pidMax,
    },
  });

  const http = buildHttp({
    kernel, metrics, logger: deps.logger ?? false, logLevel: config.logLevel, isReady: () => serving,
    ...(tlsFiles ? {
      https: {
        key: tlsFiles.key, cert: tlsFiles.cert,
        ...(tlsFiles.clientCa ? { ca: tlsFiles.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
      },
      // Once TLS is on, /metrics and /msharefs are for admins (a token or a verified certificate).
      admin(authorization: string | undefined, certificate: PeerCertificate | undefined) {
        try {
          return authenticate(deps.policy, true, { authorization, certificate }).admin ? 'ok' : 'forbidden';
        } catch {
          metrics.authFailure();
          return 'unauthenticated';
        }
      },
    } : {}),
  });
  logRef.current = http.log;

  /** The one adapter for unary calls. `syscall` names the mshare_syscalls_total series. */
  function unary<Req, Res>(
    method: RpcName, syscall: string | null,
    handle: (req: Req, principal: Principal, call: grpc.ServerUnaryCall<Req, Res>) => Res | Promise<Res>,
  ): grpc.handleUnaryCall<Req, Res> {
    // No closures per call on the synchronous path: tsx (keepNames) names each arrow function a
    // call creates with Object.defineProperty, a few us per call (docs/grpc-transport.md).
    function fail(end: (code: grpc.status) => void, callback: grpc.sendUnaryData<Res>, err: unknown): void {
      const status = failed(method, syscall, err);
      end(status.code);
      callback(status);
    }
    function succeed(end: (code: grpc.status) => void, callback: grpc.sendUnaryData<Res>, response: Res): void {
      if (syscall) metrics.syscall(syscall, 'OK');
      end(grpc.status.OK);
      callback(null, response);
    }
    return (call, callback) => {
      const end = metrics.startRpc('unary', method);
      let response: Res | Promise<Res>;
      try {
        checkUtf8(call.request);
        response = handle(call.request, principalOf(call), call);
      } catch (err) {
        fail(end, callback, err);
        return;
      }
      // A long call (Touch) works in chunks and answers later.
      if (response instanceof Promise) response.then((r) => succeed(end, callback, r), (err) => fail(end, callback, err));
      else succeed(end, callback, response);
    };
  }

  /**
   * The one adapter for bidi streams: `open()` makes the state of one call, whose `reply` answers
   * each request and whose `ended` (optional) runs once when the call ends, however it ends. A
   * failed request ends the stream with its status; replies are written with backpressure.
   */
  function bidi<Req, Res>(
    method: RpcName, syscall: string | null,
    open: (principal: Principal, push: (res: Res) => void) => { reply(req: Req): Res; ended?(): void },
  ): grpc.handleBidiStreamingCall<Req, Res> {
    return (call) => {
      const end = metrics.startRpc('bidi_stream', method);
      let principal: Principal;
      try {
        principal = principalOf(call);
      } catch (err) {
        const status = failed(method, syscall, err);
        end(status.code);
        call.emit('error', status);
        return;
      }
      // A reply the stream sends unasked (Session's `killed`).
      const stream = open(principal, (res) => { if (!finished) call.write(res); });
      let finished = false;
      const finish = (code: grpc.status) => {
        if (finished) return;
        finished = true;
        end(code);
        stream.ended?.();
      };
      call.on('data', (req: Req) => {
        if (finished) return;
        let reply: Res;
        try {
          checkUtf8(req);
          reply = stream.reply(req);
        } catch (err) {
          const status = failed(method, syscall, err);
          finish(status.code);
          call.emit('error', status);
          return;
        }
        if (syscall) metrics.syscall(syscall, 'OK');
        // Backpressure: stop reading requests while the replies are not being drained.
        if (!call.write(reply)) {
          call.pause();
          call.once('drain', () => call.resume());
        }
      });
      call.on('end', () => { finish(grpc.status.OK); call.end(); });
      call.on('cancelled', () => finish(grpc.status.CANCELLED));
      call.on('close', () => finish(grpc.status.CANCELLED));
    };
  }

  /**
   * Maps a failure to its status, counts it, logs it when it is not a kernel error, and reports
   * (rpc, errno) to the observer.
   */
  function failed(method: RpcName, syscall: string | null, err: unknown) {
    const status = statusFromError(err);
    const errno = err instanceof KernelError ? err.errno : undefined;
    if (syscall) metrics.syscall(syscall, errno ?? 'UNKNOWN');
    if (err instanceof LimitError) metrics.limitReached(err.limit);
    if (err instanceof AuthError) metrics.authFailure();
    else if (!errno) logger().error({ err, method }, 'unexpected error in handler');
    deps.onFailure?.(method, errno);
    return status;
  }

  const handlers: BrokerHandlers = {
    GetGeometry: unary('GetGeometry', null, () => {
      const g = kernel.geometry;
      return encodeGeometry({
        name: g.name,
        levels: g.levels,
        pageSize: g.pageSize,
        mshareAlignment: kernel.mshareAlignmentBytes,
        userAddressLimit: g.userLimitBytes,
        levelNames: g.levelNames.slice(1),
        sharing: kernel.scheme.name !== 'none',
        scheme: kernel.scheme.name,
        pti: kernel.pti,
        pgdBytes: kernel.pgdBytes,
      });
    }),

    Spawn: unary('Spawn', 'spawn', (req, principal) => {
      const sessionId = req.session_id;
      if (sessionId !== undefined) {
        if (sessionId === '') throw new KernelError('EINVAL', 'session_id is empty');
        sessions.checkOpen(sessionId, principal.name);
      }
      const { uid, gid } = req;
      if (uid === undefined || gid === undefined) throw new KernelError('EINVAL', 'uid and gid are required (no default uid)');
      if (!principal.mayUseUid(uid)) throw new KernelError('EPERM', `principal '${principal.name}' may not spawn as uid ${uid}`);
      if (!principal.mayUseGid(gid)) throw new KernelError('EPERM', `principal '${principal.name}' may not spawn as gid ${gid}`);
      const pid = kernel.spawn({ uid, gid, comm: req.comm, oomScoreAdj: req.oom_score_adj ?? 0 });
      owners.set(pid, principal.name);
      if (sessionId !== undefined) sessions.addProcess(sessionId, pid);
      return { pid };
    }),

    Exit: unary('Exit', 'exit', (req, principal) => {
      const pid = ownPid(principal, req.pid);
      kernel.exit(pid);
      owners.delete(pid);
      sessions.forgetProcess(pid);
      return {};
    }),

    Mmap: unary('Mmap', 'mmap', (req, principal) => {
      const pid = ownPid(principal, req.pid);
      const addr = decodeU64(req.addr, 'addr');
      const length = decodeU64(req.length, 'length');
      const prot = decodeBits(req.prot, 'prot');
      const flags = decodeBits(req.flags, 'flags');
      const offset = decodeU64(req.offset, 'offset');
      return { addr: encodeU64(kernel.mmap(pid, addr, length, prot, flags, req.file, offset)) };
    }),

    Munmap: unary('Munmap', 'munmap', (req, principal) => {
      kernel.munmap(ownPid(principal, req.pid), decodeU64(req.addr, 'addr'), decodeU64(req.length, 'length'));
      return {};
    }),

    Mprotect: unary('Mprotect', 'mprotect', (req, principal) => {
      const pid = ownPid(principal, req.pid);
      kernel.mprotect(pid, decodeU64(req.addr, 'addr'), decodeU64(req.length, 'length'), decodeBits(req.prot, 'prot'));
      return {};
    }),

    Mshare: unary('Mshare', 'mshare', (req, principal) => {
      const pid = ownPid(principal, req.pid);
      const addr = decodeU64(req.addr, 'addr');
      const length = decodeU64(req.length, 'length');
      kernel.mshare(pid, req.name, addr, length, decodeBits(req.oflags, 'oflags'), decodeBits(req.mode, 'mode'));
      return {};
    }),

    MshareUnlink: unary('MshareUnlink', 'mshare_unlink', (req, principal) => {
      kernel.mshareUnlink(ownPid(principal, req.pid), req.name);
      return {};
    }),

    ReadRegion: unary('ReadRegion', null, (req) => encodeRegion(kernel.readRegion(req.name))),

    ListRegions: unary('ListRegions', null, (req) => encodeRegionPage(kernel.listRegions(), req.page_size, req.page_token)),

    Access: unary('Access', 'access', (req, principal) => {
      const pid = ownPid(principal, req.pid);
      const addr = decodeU64(req.addr, 'addr');
      return encodeAccessResult(kernel.access(pid, addr, decodeKind(req.kind)));
    }),

    Touch: unary('Touch', 'touch', async (req, principal, call) => {
      const pid = ownPid(principal, req.pid);
      const addr = decodeU64(req.addr, 'addr');
      const length = decodeU64(req.length, 'length');
      const kind = decodeKind(req.kind);
      const stride = decodeStride(req.stride_pages);
      return encodeTouchResult(await chunkedTouch(kernel, pid, addr, length, kind, stride, () => call.cancelled));
    }),

    ProcStatus: unary('ProcStatus', null, (req, principal) => {
      const pid = ownPid(principal, req.pid);
      return encodeProcStatus(kernel.procStatus(pid), kernel.exactCounters(pid));
    }),

    GetAccounting: unary('GetAccounting', null, () => encodeAccounting({ ...kernel.accounting(), baseline }, kernel.exactCounters())),

    // Other principals' victims are visible to admins only, as their pids are.
    ListOomEvents: unary('ListOomEvents', null, (_req, principal) => ({
      events: kernel.oomEvents.filter((e) => principal.admin || oomEventOwners.get(e) === principal.name).map(encodeOomEvent),
    })),

    AccessStream: bidi('AccessStream', 'access_batch', (principal) => ({
      reply(req) {
        const { pid, kind, addrs } = decodeBatch(req, limits.maxBatchAddresses);
        own(principal, pid);
        // The kernel writes each outcome code straight into the reply's bytes (batch-codec.ts).
        const reply = batchReplyWriter(addrs.length >>> 3);
        return reply.finish(kernel.accessBatch(pid, kind, addrs, reply.outcomes));
      },
    })),

    Session: bidi('Session', null, (principal, push) => {
      let sessionId: string | undefined;
      return {
        reply(req) {
          if (req.msg === 'open' && sessionId === undefined) {
            const name = req.open?.client_name ?? '';
            if (Buffer.byteLength(name) > MAX_SESSION_NAME_BYTES) {
              throw new KernelError('EINVAL', `client_name is over ${MAX_SESSION_NAME_BYTES} bytes`);
            }
            const resume = req.open?.resume_session_id ?? '';
            const session = resume === ''
              ? sessions.open(name, principal.name, limits.maxSessionsPerPrincipal)
              : sessions.resume(resume, principal.name, limits.maxSessionsPerPrincipal);
            sessionId = session.id;
            sessionStreams.set(session.id, push);
            logger().info({ session: session.id, client: session.clientName, pids: session.pids.length }, resume === '' ? 'session opened' : 'session resumed');
            return { opened: { session_id: session.id, grace_ms: sessions.graceMs } };
          }
          if (req.msg === 'ping' && sessionId !== undefined) return { pong: { nonce: req.ping?.nonce ?? '0' } };
          throw new KernelError('EINVAL', sessionId === undefined ? 'the first Session request must be open' : 'a session is opened once');
        },
        ended() {
          if (sessionId) {
            sessionStreams.delete(sessionId);
            sessions.end(sessionId);
          }
        },
      };
    }),
  };

  const grpcServer = new grpc.Server({ ...brokerServerOptions(limits.maxBatchAddresses), interceptors: [metrics.interceptor] });
  // AccessStream's messages go through the hand codecs (batch-codec.ts): same bytes, no protobufjs
  // objects, Longs or decimal strings per batch. They have no string field to check for UTF-8.
  grpcServer.addService(withBatchCodec(checkingUtf8(proto.mshare.v1.Broker.service, packageDefinition, 'mshare.v1')), handlers);
  health.addToServer(grpcServer);
  // Reflection describes every service served here: the broker's and grpc.health.v1.
  new ReflectionService(loadReflectedProtos()).addToServer(grpcServer);

  return {
    config, kernel, baseline, grpcServer, grpcCredentials, http, health, sessions, metrics, owners,
    get log() { return logger(); },
    get serving() { return serving; },
    setServing(value: boolean) {
      serving = value;
      const status = value ? 'SERVING' : 'NOT_SERVING';
      health.setStatus('', status);
      health.setStatus(BROKER_SERVICE_NAME, status);
    },
  };
}
