/**
 * The HTTP side every service shares (fastify): the app with the one logger format
 * (shared/log.ts), request lines at info except scrapes and probes (debug), and the routes both
 * services serve the same way: /metrics and /healthz. Built, not bound (shared/listen.ts binds).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyReply } from 'fastify';
import { loggerOptions, type LogLevel } from './log.js';
import type { MetricsSource } from './metrics.js';

/** Routes polled by Prometheus and by probes: their request lines go to debug, not info. */
export const QUIET_ROUTES: ReadonlySet<string> = new Set(['/metrics', '/healthz', '/readyz']);

export interface HttpAppOptions {
  /** mshare-broker, mshare-worker: the `service` field of every line. */
  service: string;
  /** true: pino at `level`; false: silent; or a logger instance (pino-compatible). */
  logger: boolean | FastifyBaseLogger;
  level: LogLevel;
  /** Longest path parameter, characters (fastify's default 100). */
  maxParamLength?: number;
  /** Serve HTTPS with these (node:tls) options. */
  https?: { key: Buffer; cert: Buffer; ca?: Buffer; requestCert?: boolean; rejectUnauthorized?: boolean };
}

const isQuiet = (req: FastifyRequest): boolean => QUIET_ROUTES.has(req.routeOptions.url ?? '');

/** fastify's request lines, with scrapes and probes at debug. */
class ServiceLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (isQuiet(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const logging = typeof options.logger === 'boolean'
    ? { logger: options.logger ? loggerOptions(options.service, options.level) : false }
    : { loggerInstance: options.logger };
  return Fastify({
    ...logging,
    logController: new ServiceLogController(),
    ...(options.https ? { https: options.https } : {}),
    ...(options.maxParamLength !== undefined ? { routerOptions: { maxParamLength: options.maxParamLength } } : {}),
  }) as unknown as FastifyInstance;
}

/** GET /metrics: the source's exposition text with its content type. */
export function addMetricsRoute(app: FastifyInstance, source: MetricsSource): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await source.scrape();
    return reply.type(source.registry.contentType).send(text);
  });
}

/** GET /healthz (liveness: the process answers) with the fields `status` adds. */
export function addHealthRoute(app: FastifyInstance, status: () => Record<string, unknown> = () => ({})): void {
  app.get('/healthz', async () => ({ status: 'ok', ...status() }));
}

/**
 * GET /readyz (readiness): 200 {status: 'ready'} while `ready()` holds, else 503 with `why()`'s
 * status ('starting', 'shutting down' ...), both with the fields `status` adds.
 */
export function addReadyRoute(
  app: FastifyInstance, ready: () => boolean, why: () => string, status: () => Record<string, unknown> = () => ({}),
): void {
  app.get('/readyz', async (_req, reply) =>
    ready() ? { status: 'ready', ...status() } : reply.code(503).send({ status: why(), ...status() }));
}
