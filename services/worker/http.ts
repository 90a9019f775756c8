/** The worker's HTTP side (fastify): Prometheus /metrics and liveness /healthz. Built, not bound. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { WorkerMetrics } from './metrics.js';

export interface WorkerHttpDeps {
  metrics: WorkerMetrics;
  /** What /healthz reports beside status ok: the worker's phase and progress. */
  status?: () => Record<string, unknown>;
}

export function buildWorkerHttp(deps: WorkerHttpDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.scrape();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
  app.get('/healthz', async () => ({ status: 'ok', ...deps.status?.() }));
  return app as unknown as FastifyInstance;
}
