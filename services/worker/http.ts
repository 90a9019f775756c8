/**
 * The worker's HTTP side (fastify, shared/http.ts): Prometheus /metrics, liveness /healthz and
 * readiness /readyz. Built, not bound. The app owns the worker's logger (`app.log`), in the format
 * every service shares (shared/log.ts).
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { addHealthRoute, addMetricsRoute, addReadyRoute, createHttpApp } from '../../shared/http.js';
import { DEFAULT_LOG_LEVEL, type LogLevel } from '../../shared/log.js';
import type { WorkerMetrics } from './metrics.js';

export const WORKER_SERVICE = 'mshare-worker';

export interface WorkerHttpDeps {
  metrics: WorkerMetrics;
  /** What /healthz and /readyz report beside their status: the worker's phase and progress. */
  status?: () => Record<string, unknown>;
  /**
   * Readiness: true once the worker has started (a donor: its region exists; a client: its
   * processes are attached) and until it stops. Default: always ready.
   */
  ready?: () => boolean;
  /** Default false (silent); true: pino at logLevel; or a logger instance. */
  logger?: boolean | FastifyBaseLogger;
  logLevel?: LogLevel;
}

export function buildWorkerHttp(deps: WorkerHttpDeps): FastifyInstance {
  const app = createHttpApp({ service: WORKER_SERVICE, logger: deps.logger ?? false, level: deps.logLevel ?? DEFAULT_LOG_LEVEL });
  const status = deps.status ?? (() => ({}));
  addMetricsRoute(app, deps.metrics);
  addHealthRoute(app, status);
  addReadyRoute(app, deps.ready ?? (() => true), () => 'not ready', status);
  return app;
}
