/**
 * The broker's HTTP side (fastify): Prometheus /metrics, liveness /healthz, readiness /readyz,
 * and msharefs as JSON (/msharefs, /msharefs/:name). Region JSON is the proto's Region message
 * (snake_case, uint64 as decimal strings), so it equals what ReadRegion returns. The app, its
 * logger and the /metrics and probe routes are the ones every service shares (shared/http.ts).
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { KernelError, type ErrnoName } from '../../shared/kernel/errors.js';
import type { Kernel } from '../../shared/kernel/kernel.js';
import { addHealthRoute, addMetricsRoute, addReadyRoute, createHttpApp } from '../../shared/http.js';
import type { LogLevel } from '../../shared/log.js';
import type { BrokerMetrics } from './metrics.js';
import { encodeOomEvent, encodeRegion } from '../../shared/grpc/wire.js';

export const BROKER_SERVICE = 'mshare-broker';

export interface HttpDeps {
  kernel: Kernel;
  metrics: BrokerMetrics;
  logger: boolean | FastifyBaseLogger;
  logLevel: LogLevel;
  isReady: () => boolean;
}

const HTTP_STATUS: Partial<Record<ErrnoName, number>> = {
  ENOENT: 404, EINVAL: 400, ENAMETOOLONG: 400, EACCES: 403, EPERM: 403,
};

export function buildHttp(deps: HttpDeps): FastifyInstance {
  const { kernel, metrics } = deps;
  // A region name is up to 255 bytes, up to 765 characters percent-encoded.
  const app = createHttpApp({ service: BROKER_SERVICE, logger: deps.logger, level: deps.logLevel, maxParamLength: 1024 });

  addMetricsRoute(app, metrics);
  addHealthRoute(app);
  addReadyRoute(app, deps.isReady, () => 'shutting down');

  app.get('/oom', async () => ({ events: kernel.oomEvents.map(encodeOomEvent), panicked: kernel.panicked }));

  app.get('/msharefs', async () => ({ regions: kernel.listRegions().map(encodeRegion) }));

  app.get<{ Params: { name: string } }>('/msharefs/:name', async (req, reply) => {
    try {
      return encodeRegion(kernel.readRegion(req.params.name));
    } catch (err) {
      if (!(err instanceof KernelError)) throw err; // fastify answers 500 and logs it
      return reply.code(HTTP_STATUS[err.errno] ?? 500).send({ errno: err.errno, message: err.detail });
    }
  });

  return app;
}
