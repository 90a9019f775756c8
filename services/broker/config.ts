/**
 * The broker's settings, read from the environment once at start into a frozen Config. Nothing
 * else reads process.env. A bad value stops the start with a message naming the variable.
 * Names and defaults are the contract in docs/metrics-and-config.md.
 */
import { GEOMETRY_NAMES, type GeometryName } from '../../shared/kernel/geometry.js';
import {
  envReader, parseBoolean, parseInteger, parseListenAddress, parseOneOf, parseSize, type Env, type HostPort,
} from '../../shared/config.js';
import { LOG_LEVELS, type LogLevel } from '../../shared/log.js';

import { ConfigError } from '../../shared/config.js';
import { SCHEME_NAMES } from '../../shared/kernel/schemes/index.js';

export { ConfigError };
export type ListenAddress = HostPort;

export interface Config {
  readonly grpc: ListenAddress;
  readonly http: ListenAddress;
  readonly geometry: GeometryName;
  /** false: every process populates private tables for mshare'd ranges (the world without mshare). */
  readonly sharing: boolean;
  /** The sharing scheme (MSHARE_SCHEME; MSHARE_SHARING is its alias: false = none, true = mshare). */
  readonly scheme: string;
  /** Page-table isolation: 8 KiB PGDs. */
  readonly pti: boolean;
  /** hugetlb pool sizes in pages; undefined = unlimited. */
  readonly hugepages2m: number | undefined;
  readonly hugepages1g: number | undefined;
  /** How long after a session's stream ends its processes exit. */
  readonly sessionGraceMs: number;
  /** How long tryShutdown may take before forceShutdown. */
  readonly shutdownGraceMs: number;
  /** Parameters of the seed baseline series. */
  readonly baselineClients: number;
  readonly baselineSgaBytes: number;
  readonly logLevel: LogLevel;
}

export type { LogLevel };

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

/** MSHARE_SCHEME, or its alias MSHARE_SHARING; both set and contradicting each other: a ConfigError. */
function parseScheme(env: Env, sharing: boolean): string {
  const raw = env.MSHARE_SCHEME;
  if (raw === undefined || raw === '') return sharing ? 'mshare' : 'none';
  const scheme = parseOneOf('MSHARE_SCHEME', raw, SCHEME_NAMES);
  const alias = env.MSHARE_SHARING;
  if (alias !== undefined && alias !== '' && (scheme !== 'none') !== sharing) {
    throw new ConfigError('MSHARE_SCHEME', `${scheme} contradicts MSHARE_SHARING=${alias} (false means none, true mshare)`);
  }
  return scheme;
}

const optionalCount = (name: string, raw: string | undefined) =>
  raw === undefined || raw === '' ? undefined : parseInteger(name, raw, 0, 1 << 30);

export function loadConfig(env: Env): Config {
  const get = envReader(env, DEFAULTS);
  const sharing = parseBoolean('MSHARE_SHARING', get('MSHARE_SHARING'));
  const scheme = parseScheme(env, sharing);
  return Object.freeze({
    scheme,
    pti: parseBoolean('MSHARE_PTI', env.MSHARE_PTI === undefined || env.MSHARE_PTI === '' ? 'false' : env.MSHARE_PTI),
    hugepages2m: optionalCount('MSHARE_HUGEPAGES_2M', env.MSHARE_HUGEPAGES_2M),
    hugepages1g: optionalCount('MSHARE_HUGEPAGES_1G', env.MSHARE_HUGEPAGES_1G),
    grpc: parseListenAddress('MSHARE_GRPC_ADDR', get('MSHARE_GRPC_ADDR')),
    http: parseListenAddress('MSHARE_HTTP_ADDR', get('MSHARE_HTTP_ADDR')),
    geometry: parseOneOf('MSHARE_GEOMETRY', get('MSHARE_GEOMETRY'), GEOMETRY_NAMES),
    sharing: scheme !== 'none',
    sessionGraceMs: parseInteger('MSHARE_SESSION_GRACE_MS', get('MSHARE_SESSION_GRACE_MS'), 0, 24 * 3600_000),
    shutdownGraceMs: parseInteger('MSHARE_SHUTDOWN_GRACE_MS', get('MSHARE_SHUTDOWN_GRACE_MS'), 0, 3600_000),
    baselineClients: parseInteger('MSHARE_BASELINE_CLIENTS', get('MSHARE_BASELINE_CLIENTS'), 1, 1_000_000),
    baselineSgaBytes: parseSize('MSHARE_BASELINE_SGA', get('MSHARE_BASELINE_SGA')),
    logLevel: parseOneOf('MSHARE_LOG_LEVEL', get('MSHARE_LOG_LEVEL'), LOG_LEVELS),
  });
}
