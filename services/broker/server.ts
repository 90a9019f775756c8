/**
 * Builds the broker without binding anything: the gRPC server (Broker, health, reflection) and
 * the fastify app around one Kernel. main.ts binds the ports and handles signals; tests build a
 * broker and bind it to 127.0.0.1:0.
 *
 * Every unary handler goes through one adapter (`unary`), every bidi stream through another
 * (`bidi`): the handler decodes and validates the request (shared/grpc/wire.ts) and calls the
 * kernel; the adapter maps a failure to its status (shared/grpc/status.ts), records the RPC and
 * syscall series, and always returns right after calling back.
 */
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Kernel } from '../../shared/kernel/kernel.js';
import { KernelError, type ErrnoName } from '../../shared/kernel/errors.js';
import { seedBaseline } from '../../shared/kernel/accounting.js';
import type { SeedBaseline } from '../../shared/kernel/types.js';
import { BROKER_SERVICE_NAME, loadBrokerProto } from '../../shared/grpc/proto.js';
import type { RpcName } from '../../shared/grpc/errnos.js';
import { statusFromError } from '../../shared/grpc/status.js';
import {
  decodeBatch, decodeBits, decodeKind, decodePid, decodeStride, decodeU64, encodeAccessResult, encodeAccounting,
  encodeBatchResult, encodeGeometry, encodeProcStatus, encodeRegion, encodeTouchResult, encodeU64,
} from '../../shared/grpc/wire.js';
import type { BrokerHandlers } from '../../shared/generated/mshare/v1/Broker.js';
import type { Config } from './config.js';
import { createMetrics, type BrokerMetrics } from './metrics.js';
import { Sessions } from './sessions.js';
import { buildHttp } from './http.js';

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
  /** gRPC health of '' and mshare.v1.Broker, and /readyz. */
  setServing(serving: boolean): void;
}

/** Server-side keepalive: a client that vanished without closing its connection (a lost
 * network) is noticed within time + timeout, which ends its Session stream. */
export const GRPC_SERVER_OPTIONS: grpc.ServerOptions = Object.freeze({
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
});

export function buildBroker(deps: BrokerDeps): Broker {
  const { config } = deps;
  const kernel = deps.kernel ?? new Kernel({
    geometry: config.geometry, scheme: config.scheme, pti: config.pti,
    hugepages2m: config.hugepages2m, hugepages1g: config.hugepages1g,
  });
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
          metrics.syscall('exit', 'OK');
          exited++;
        } catch (err) {
          logger().error({ err, pid, session: session.id }, 'session expiry: exit failed');
        }
      }
      logger().info({ session: session.id, client: session.clientName, exited }, 'session expired');
    },
  });
  const metrics = createMetrics({
    kernel, baseline, sessions: () => sessions.counts(), defaultMetrics: deps.defaultMetrics,
  });

  const http = buildHttp({
    kernel, metrics, logger: deps.logger ?? false, logLevel: config.logLevel, isReady: () => serving,
  });
  logRef.current = http.log;

  /** The one adapter for unary calls. `syscall` names the mshare_syscalls_total series. */
  function unary<Req, Res>(
    method: RpcName, syscall: string | null, handle: (req: Req) => Res,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const end = metrics.startRpc('unary', method);
      let response: Res;
      try {
        response = handle(call.request);
      } catch (err) {
        const status = failed(method, syscall, err);
        end(status.code);
        callback(status);
        return;
      }
      if (syscall) metrics.syscall(syscall, 'OK');
      end(grpc.status.OK);
      callback(null, response);
    };
  }

  /**
   * The one adapter for bidi streams: `open()` makes the state of one call, whose `reply` answers
   * each request and whose `ended` (optional) runs once when the call ends, however it ends. A
   * failed request ends the stream with its status; replies are written with backpressure.
   */
  function bidi<Req, Res>(
    method: RpcName, syscall: string | null, open: () => { reply(req: Req): Res; ended?(): void },
  ): grpc.handleBidiStreamingCall<Req, Res> {
    return (call) => {
      const end = metrics.startRpc('bidi_stream', method);
      const stream = open();
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
    if (!errno) logger().error({ err, method }, 'unexpected error in handler');
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

    Spawn: unary('Spawn', 'spawn', (req) => {
      const sessionId = req.session_id;
      if (sessionId !== undefined) {
        if (sessionId === '') throw new KernelError('EINVAL', 'session_id is empty');
        sessions.checkOpen(sessionId);
      }
      const pid = kernel.spawn({ uid: req.uid, gid: req.gid, comm: req.comm });
      if (sessionId !== undefined) sessions.addProcess(sessionId, pid);
      return { pid };
    }),

    Exit: unary('Exit', 'exit', (req) => {
      const pid = decodePid(req.pid);
      kernel.exit(pid);
      sessions.forgetProcess(pid);
      return {};
    }),

    Mmap: unary('Mmap', 'mmap', (req) => {
      const pid = decodePid(req.pid);
      const addr = decodeU64(req.addr, 'addr');
      const length = decodeU64(req.length, 'length');
      const prot = decodeBits(req.prot, 'prot');
      const flags = decodeBits(req.flags, 'flags');
      const offset = decodeU64(req.offset, 'offset');
      return { addr: encodeU64(kernel.mmap(pid, addr, length, prot, flags, req.file, offset)) };
    }),

    Munmap: unary('Munmap', 'munmap', (req) => {
      kernel.munmap(decodePid(req.pid), decodeU64(req.addr, 'addr'), decodeU64(req.length, 'length'));
      return {};
    }),

    Mprotect: unary('Mprotect', 'mprotect', (req) => {
      const pid = decodePid(req.pid);
      kernel.mprotect(pid, decodeU64(req.addr, 'addr'), decodeU64(req.length, 'length'), decodeBits(req.prot, 'prot'));
      return {};
    }),

    Mshare: unary('Mshare', 'mshare', (req) => {
      const pid = decodePid(req.pid);
      const addr = decodeU64(req.addr, 'addr');
      const length = decodeU64(req.length, 'length');
      kernel.mshare(pid, req.name, addr, length, decodeBits(req.oflags, 'oflags'), decodeBits(req.mode, 'mode'));
      return {};
    }),

    MshareUnlink: unary('MshareUnlink', 'mshare_unlink', (req) => {
      kernel.mshareUnlink(decodePid(req.pid), req.name);
      return {};
    }),

    ReadRegion: unary('ReadRegion', null, (req) => encodeRegion(kernel.readRegion(req.name))),

    ListRegions: unary('ListRegions', null, () => ({ regions: kernel.listRegions().map(encodeRegion) })),

    Access: unary('Access', 'access', (req) => {
      const pid = decodePid(req.pid);
      const addr = decodeU64(req.addr, 'addr');
      return encodeAccessResult(kernel.access(pid, addr, decodeKind(req.kind)));
    }),

    Touch: unary('Touch', 'touch', (req) => {
      const pid = decodePid(req.pid);
      const addr = decodeU64(req.addr, 'addr');
      const length = decodeU64(req.length, 'length');
      const kind = decodeKind(req.kind);
      return encodeTouchResult(kernel.touch(pid, addr, length, kind, decodeStride(req.stride_pages)));
    }),

    ProcStatus: unary('ProcStatus', null, (req) => encodeProcStatus(kernel.procStatus(decodePid(req.pid)))),

    GetAccounting: unary('GetAccounting', null, () => encodeAccounting({ ...kernel.accounting(), baseline })),

    AccessStream: bidi('AccessStream', 'access_batch', () => ({
      reply(req) {
        const { pid, kind, addrs } = decodeBatch(req);
        const outcomes = Buffer.allocUnsafe(addrs.length >>> 3);
        return encodeBatchResult(kernel.accessBatch(pid, kind, addrs, outcomes), outcomes);
      },
    })),

    Session: bidi('Session', null, () => {
      let sessionId: string | undefined;
      return {
        reply(req) {
          if (req.msg === 'open' && sessionId === undefined) {
            const session = sessions.open(req.open?.client_name ?? '');
            sessionId = session.id;
            logger().info({ session: session.id, client: session.clientName }, 'session opened');
            return { opened: { session_id: session.id, grace_ms: sessions.graceMs } };
          }
          if (req.msg === 'ping' && sessionId !== undefined) return { pong: { nonce: req.ping?.nonce ?? '0' } };
          throw new KernelError('EINVAL', sessionId === undefined ? 'the first Session request must be open' : 'a session is opened once');
        },
        ended() {
          if (sessionId) sessions.end(sessionId);
        },
      };
    }),
  };

  const grpcServer = new grpc.Server({ ...GRPC_SERVER_OPTIONS, interceptors: [metrics.interceptor] });
  grpcServer.addService(proto.mshare.v1.Broker.service, handlers);
  health.addToServer(grpcServer);
  new ReflectionService(packageDefinition).addToServer(grpcServer);

  return {
    config, kernel, baseline, grpcServer, http, health, sessions, metrics,
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
