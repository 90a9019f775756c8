/**
 * The broker's settings, read from the environment once at start into a frozen Config. Nothing
 * else reads process.env. A bad value stops the start with a message naming the variable.
 * Names and defaults are the contract in docs/metrics-and-config.md.
 */
import { GEOMETRY_NAMES, type GeometryName } from '../../shared/kernel/geometry.js';
import { parseSize as parseSizeValue, SizeError } from '../../shared/units.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  /** host:port as given (IPv6 hosts in brackets), the form grpc-js binds. */
  readonly address: string;
}

export interface Config {
  readonly grpc: ListenAddress;
  readonly http: ListenAddress;
  readonly geometry: GeometryName;
  /** false: every process populates private tables for mshare'd ranges (the world without mshare). */
  readonly sharing: boolean;
  /** How long after a session's stream ends its processes exit. */
  readonly sessionGraceMs: number;
  /** How long tryShutdown may take before forceShutdown. */
  readonly shutdownGraceMs: number;
  /** Parameters of the seed baseline series. */
  readonly baselineClients: number;
  readonly baselineSgaBytes: number;
  readonly logLevel: LogLevel;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = Object.freeze({
  MSHARE_GRPC_ADDR: '127.0.0.1:50051',
  MSHARE_HTTP_ADDR: '127.0.0.1:9464',
  MSHARE_GEOMETRY: 'x86_64-4level',
  MSHARE_SHARING: 'true',
  MSHARE_SESSION_GRACE_MS: '3000',
  MSHARE_SHUTDOWN_GRACE_MS: '5000',
  MSHARE_BASELINE_CLIENTS: '1500',
  MSHARE_BASELINE_SGA: '300GiB',
  MSHARE_LOG_LEVEL: 'info',
});
type Variable = keyof typeof DEFAULTS;

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const get = (name: Variable): string => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? DEFAULTS[name] : raw.trim();
  };
  return Object.freeze({
    grpc: parseListenAddress('MSHARE_GRPC_ADDR', get('MSHARE_GRPC_ADDR')),
    http: parseListenAddress('MSHARE_HTTP_ADDR', get('MSHARE_HTTP_ADDR')),
    geometry: parseOneOf('MSHARE_GEOMETRY', get('MSHARE_GEOMETRY'), GEOMETRY_NAMES),
    sharing: parseBoolean('MSHARE_SHARING', get('MSHARE_SHARING')),
    sessionGraceMs: parseInteger('MSHARE_SESSION_GRACE_MS', get('MSHARE_SESSION_GRACE_MS'), 0, 24 * 3600_000),
    shutdownGraceMs: parseInteger('MSHARE_SHUTDOWN_GRACE_MS', get('MSHARE_SHUTDOWN_GRACE_MS'), 0, 3600_000),
    baselineClients: parseInteger('MSHARE_BASELINE_CLIENTS', get('MSHARE_BASELINE_CLIENTS'), 1, 1_000_000),
    baselineSgaBytes: parseSize('MSHARE_BASELINE_SGA', get('MSHARE_BASELINE_SGA')),
    logLevel: parseOneOf('MSHARE_LOG_LEVEL', get('MSHARE_LOG_LEVEL'), LOG_LEVELS),
  });
}

/** host:port or [v6]:port; port 0 asks the OS for a free port (tests). */
export function parseListenAddress(variable: string, value: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  if (!m) throw new ConfigError(variable, `'${value}' is not host:port (for IPv6: [addr]:port)`);
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(variable, `port ${port} is above 65535`);
  const host = m[1] ?? m[2];
  return Object.freeze({ host, port, address: value });
}

function parseOneOf<T extends string>(variable: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(variable, `'${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function parseBoolean(variable: string, value: string): boolean {
  switch (value.toLowerCase()) {
    case 'true': case '1': case 'yes': return true;
    case 'false': case '0': case 'no': return false;
    default: throw new ConfigError(variable, `'${value}' is not a boolean (true or false)`);
  }
}

function parseInteger(variable: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(variable, `'${value}' is not a non-negative integer`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(variable, `${n} is outside ${min}..${max}`);
  return n;
}

/** A size in the one notation every service shares (shared/units.ts), naming the variable. */
export function parseSize(variable: string, value: string): number {
  try {
    return parseSizeValue(value);
  } catch (err) {
    if (err instanceof SizeError) throw new ConfigError(variable, err.message);
    throw err;
  }
}
