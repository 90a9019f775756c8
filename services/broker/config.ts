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

export { ConfigError } from '../../shared/config.js';
export type ListenAddress = HostPort;

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
  /** The simulated machine's memory (MSHARE_MACHINE_MEMORY); Infinity when unset (unlimited). */
  readonly machineMemoryBytes: number;
  /** Charged per process at Spawn (MSHARE_PROCESS_BASE_BYTES), default 0. */
  readonly processBaseBytes: number;
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
  /** Unset (''): unlimited. */
  MSHARE_MACHINE_MEMORY: '',
  MSHARE_PROCESS_BASE_BYTES: '0',
});

export function loadConfig(env: Env): Config {
  const get = envReader(env, DEFAULTS);
  return Object.freeze({
    grpc: parseListenAddress('MSHARE_GRPC_ADDR', get('MSHARE_GRPC_ADDR')),
    http: parseListenAddress('MSHARE_HTTP_ADDR', get('MSHARE_HTTP_ADDR')),
    geometry: parseOneOf('MSHARE_GEOMETRY', get('MSHARE_GEOMETRY'), GEOMETRY_NAMES),
    sharing: parseBoolean('MSHARE_SHARING', get('MSHARE_SHARING')),
    sessionGraceMs: parseInteger('MSHARE_SESSION_GRACE_MS', get('MSHARE_SESSION_GRACE_MS'), 0, 24 * 3600_000),
    shutdownGraceMs: parseInteger('MSHARE_SHUTDOWN_GRACE_MS', get('MSHARE_SHUTDOWN_GRACE_MS'), 0, 3600_000),
    baselineClients: parseInteger('MSHARE_BASELINE_CLIENTS', get('MSHARE_BASELINE_CLIENTS'), 1, 1_000_000),
    baselineSgaBytes: parseSize('MSHARE_BASELINE_SGA', get('MSHARE_BASELINE_SGA')),
    machineMemoryBytes: get('MSHARE_MACHINE_MEMORY') === '' ? Infinity : parseSize('MSHARE_MACHINE_MEMORY', get('MSHARE_MACHINE_MEMORY')),
    processBaseBytes: get('MSHARE_PROCESS_BASE_BYTES') === '0' ? 0 : parseSize('MSHARE_PROCESS_BASE_BYTES', get('MSHARE_PROCESS_BASE_BYTES')),
    logLevel: parseOneOf('MSHARE_LOG_LEVEL', get('MSHARE_LOG_LEVEL'), LOG_LEVELS),
  });
}
