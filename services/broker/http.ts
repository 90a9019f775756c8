/**
 * The broker's HTTP side (fastify): Prometheus /metrics, liveness /healthz, readiness /readyz,
 * and msharefs as JSON (/msharefs, /msharefs/:name). Region JSON is the proto's ReadRegionResponse message
 * (snake_case, uint64 as decimal strings), so it equals what ReadRegion returns. The app, its
 * logger and the /metrics and probe routes are the ones every service shares (shared/http.ts).
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import { KernelError, type ErrnoName } from '../../shared/kernel/errors.js';
import type { Kernel } from '../../shared/kernel/kernel.js';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { addHealthRoute, addMetricsRoute, addReadyRoute, createHttpApp, type HttpAppOptions } from '../../shared/http.js';
import type { LogLevel } from '../../shared/log.js';
import type { BrokerMetrics } from './metrics.js';
import { encodeOomEvent, encodeRegion, encodeRegionPage } from '../../shared/grpc/wire.js';

export const BROKER_SERVICE = 'mshare-broker';

export interface HttpDeps {
  kernel: Kernel;
  metrics: BrokerMetrics;
  logger: boolean | FastifyBaseLogger;
  logLevel: LogLevel;
  isReady: () => boolean;
  https?: NonNullable<HttpAppOptions['https']>;
  /** With TLS: may this caller read /metrics, /msharefs and /oom (admins only)? */
  admin?: (authorization: string | undefined, certificate: PeerCertificate | undefined) => 'ok' | 'forbidden' | 'unauthenticated';
}

/** Routes only admins may read once TLS is on. */
const ADMIN_ROUTES = /^\/(metrics|msharefs)(\/|$|\?)/;

const HTTP_STATUS: Partial<Record<ErrnoName, number>> = {
  ENOENT: 404, EINVAL: 400, ENAMETOOLONG: 400, EACCES: 403, EPERM: 403,
};

/** A kernel error as its HTTP status and `{errno, message}`; anything else is fastify's 500 (logged). */
function failure(reply: FastifyReply, err: unknown) {
  if (!(err instanceof KernelError)) throw err;
  return reply.code(HTTP_STATUS[err.errno] ?? 500).send({ errno: err.errno, message: err.detail });
}

export function buildHttp(deps: HttpDeps): FastifyInstance {
  const { kernel, metrics } = deps;
  // A region name is up to 255 bytes, up to 765 characters percent-encoded.
  const app = createHttpApp({
    service: BROKER_SERVICE, logger: deps.logger, level: deps.logLevel, maxParamLength: 1024,
    ...(deps.https ? { https: deps.https } : {}),
  });
  const admin = deps.admin;
  if (admin) {
    app.addHook('onRequest', async (req, reply) => {
      if (!ADMIN_ROUTES.test(req.url)) return;
      const socket = req.raw.socket as TLSSocket;
      const certificate = socket.authorized ? socket.getPeerCertificate() : undefined;
      const verdict = admin(req.headers.authorization, certificate);
      if (verdict === 'unauthenticated') return reply.code(401).send({ error: 'unauthenticated' });
      if (verdict === 'forbidden') return reply.code(403).send({ error: 'admins only' });
    });
  }

  addMetricsRoute(app, metrics);
  addHealthRoute(app);
  addReadyRoute(app, deps.isReady, () => 'shutting down');

  app.get('/oom', async () => ({ events: kernel.oomEvents.map(encodeOomEvent), panicked: kernel.panicked }));

  app.get<{ Querystring: { page_size?: string; page_token?: string } }>('/msharefs', async (req, reply) => {
    try {
      return encodeRegionPage(kernel.listRegions(), req.query.page_size, req.query.page_token);
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.get<{ Params: { name: string } }>('/msharefs/:name', async (req, reply) => {
    try {
      return encodeRegion(kernel.readRegion(req.params.name));
    } catch (err) {
      return failure(reply, err);
    }
  });

  return app;
}
