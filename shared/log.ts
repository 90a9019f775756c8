/**
 * The one logger format of the services: pino (the logger fastify brings), configured here once so
 * the broker and the worker write the same fields on every line:
 *
 *   {"level":"info","time":"2025-01-01T00:00:00.000Z","service":"mshare-worker","pid":7,"hostname":"h","msg":"..."}
 *
 * Each service's HTTP app (shared/http.ts) owns its logger; the service logs through `app.log`.
 * MSHARE_LOG_LEVEL picks the level in every service (default info); scrapes and probes of the
 * HTTP side are logged at debug.
 */
import { hostname } from 'node:os';
import type { FastifyServerOptions } from 'fastify';
import { envReader, parseOneOf, type Env } from './config.js';

/** pino's options, as fastify takes them. */
export type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_LEVEL_VARIABLE = 'MSHARE_LOG_LEVEL';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** MSHARE_LOG_LEVEL of `env` (blank or unset: info); a bad value throws ConfigError naming it. */
export function logLevelFromEnv(env: Env): LogLevel {
  const get = envReader(env, { [LOG_LEVEL_VARIABLE]: DEFAULT_LOG_LEVEL } as Record<typeof LOG_LEVEL_VARIABLE, string>);
  return parseOneOf(LOG_LEVEL_VARIABLE, get(LOG_LEVEL_VARIABLE), LOG_LEVELS);
}

/** pino options of `service` at `level`: level as its name, ISO time, service, pid, hostname. */
export function loggerOptions(service: string, level: LogLevel): LoggerOptions {
  return {
    level,
    base: { service, pid: process.pid, hostname: hostname() },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}
