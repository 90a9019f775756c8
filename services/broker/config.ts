/**
 * The broker's settings, read from the environment once at start into a frozen Config. Nothing
 * else reads process.env. A bad value stops the start with a message naming the variable.
 * Names and defaults are the contract in docs/metrics-and-config.md.
 */
import { GEOMETRY_NAMES, type GeometryName } from '../../shared/kernel/geometry.js';
import type { KernelOptions } from '../../shared/kernel/types.js';
import {
  ConfigError, envReader, parseBoolean, parseInteger, parseListenAddress, parseOneOf, parseSize, type Env, type HostPort,
} from '../../shared/config.js';
import { SCHEME_NAMES } from '../../shared/kernel/schemes/index.js';
import { LOG_LEVELS, type LogLevel } from '../../shared/log.js';

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
  /** The simulated machine's memory (MSHARE_MACHINE_MEMORY); Infinity when unset (unlimited). */
  readonly machineMemoryBytes: number;
  /** Charged per process at Spawn (MSHARE_PROCESS_BASE_BYTES), default 0. */
  readonly processBaseBytes: number;
  readonly logLevel: LogLevel;
  /** PEM files: both set, or neither (no TLS: loopback only unless `insecure`). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly clientCa?: string };
  /** The principals (auth.ts); unset: only the anonymous principal, without TLS. */
  readonly policyFile?: string;
  /** MSHARE_INSECURE: serve plaintext on non-loopback addresses. */
  readonly insecure: boolean;
  readonly limits: Limits;
  /**
   * MSHARE_STATE_DIR: where the broker saves its state on SIGTERM and restores it from at start
   * (state.ts); unset: no snapshot, no restore.
   */
  readonly stateDir?: string;
  /** MSHARE_STATE_INTERVAL_MS: also save every so often (a checkpoint a crash restarts from); 0: only on SIGTERM. */
  readonly stateIntervalMs: number;
}

/** The broker's limits (README, "Limits"): each answers a Linux errno and has a metric. */
export interface Limits {
  /** vm.max_map_count: VMAs per mm (ENOMEM). */
  readonly maxMapCount: number;
  /** RLIMIT_NPROC: processes per uid, uid 0 exempt (EAGAIN). */
  readonly maxProcessesPerUid: number;
  /** msharefs regions (ENOSPC). */
  readonly maxRegions: number;
  /** Open sessions per principal (EAGAIN). */
  readonly maxSessionsPerPrincipal: number;
  /** Addresses per AccessStream batch (EINVAL). */
  readonly maxBatchAddresses: number;
  /** pid_max: pids wrap to 300 after it (EAGAIN when none is free). */
  readonly pidMax: number;
}

/** Session client_name: longer names are EINVAL. */
export const MAX_SESSION_NAME_BYTES = 128;

/** A host that is a loopback address: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === 'localhost';
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
  MSHARE_TLS_CERT: '',
  MSHARE_TLS_KEY: '',
  MSHARE_TLS_CLIENT_CA: '',
  MSHARE_POLICY_FILE: '',
  MSHARE_INSECURE: 'false',
  MSHARE_MAX_MAP_COUNT: '65530',
  MSHARE_MAX_PROCESSES_PER_UID: '65536',
  MSHARE_MAX_REGIONS: '4096',
  MSHARE_MAX_SESSIONS_PER_PRINCIPAL: '1024',
  MSHARE_MAX_BATCH_ADDRESSES: '65536',
  MSHARE_PID_MAX: '4194304',
  /** Unset (''): unlimited. */
  MSHARE_MACHINE_MEMORY: '',
  MSHARE_PROCESS_BASE_BYTES: '0',
  /** Unset (''): no snapshot, no restore. */
  MSHARE_STATE_DIR: '',
  MSHARE_STATE_INTERVAL_MS: '0',
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
  const cert = get('MSHARE_TLS_CERT');
  const key = get('MSHARE_TLS_KEY');
  const clientCa = get('MSHARE_TLS_CLIENT_CA');
  if ((cert === '') !== (key === '')) {
    throw new ConfigError(cert === '' ? 'MSHARE_TLS_KEY' : 'MSHARE_TLS_CERT', 'MSHARE_TLS_CERT and MSHARE_TLS_KEY are set together');
  }
  if (clientCa !== '' && cert === '') throw new ConfigError('MSHARE_TLS_CLIENT_CA', 'mutual TLS needs MSHARE_TLS_CERT and MSHARE_TLS_KEY');
  const tls = cert === '' ? undefined : Object.freeze({ cert, key, ...(clientCa ? { clientCa } : {}) });
  const insecure = parseBoolean('MSHARE_INSECURE', get('MSHARE_INSECURE'));
  const grpc = parseListenAddress('MSHARE_GRPC_ADDR', get('MSHARE_GRPC_ADDR'));
  const http = parseListenAddress('MSHARE_HTTP_ADDR', get('MSHARE_HTTP_ADDR'));
  if (!tls && !insecure) {
    for (const [variable, addr] of [['MSHARE_GRPC_ADDR', grpc], ['MSHARE_HTTP_ADDR', http]] as const) {
      if (!isLoopback(addr.host)) {
        throw new ConfigError(variable, `${addr.address} is not a loopback address and TLS is off (MSHARE_TLS_CERT, ` +
          'MSHARE_TLS_KEY): anyone who reaches it would be the anonymous principal; set TLS, or MSHARE_INSECURE=true ' +
          'on a trusted network');
      }
    }
  }
  const policyFile = get('MSHARE_POLICY_FILE');
  if (tls && policyFile === '') {
    throw new ConfigError('MSHARE_POLICY_FILE', 'TLS is on and no policy names a principal: every call would be UNAUTHENTICATED');
  }
  const limits: Limits = Object.freeze({
    maxMapCount: parseInteger('MSHARE_MAX_MAP_COUNT', get('MSHARE_MAX_MAP_COUNT'), 1, 2 ** 31 - 1),
    maxProcessesPerUid: parseInteger('MSHARE_MAX_PROCESSES_PER_UID', get('MSHARE_MAX_PROCESSES_PER_UID'), 1, 4_194_304),
    maxRegions: parseInteger('MSHARE_MAX_REGIONS', get('MSHARE_MAX_REGIONS'), 1, 1_000_000),
    maxSessionsPerPrincipal: parseInteger('MSHARE_MAX_SESSIONS_PER_PRINCIPAL', get('MSHARE_MAX_SESSIONS_PER_PRINCIPAL'), 1, 1_000_000),
    maxBatchAddresses: parseInteger('MSHARE_MAX_BATCH_ADDRESSES', get('MSHARE_MAX_BATCH_ADDRESSES'), 8, 1 << 20),
    pidMax: parseInteger('MSHARE_PID_MAX', get('MSHARE_PID_MAX'), 301, 4_194_304),
  });
  const stateDir = get('MSHARE_STATE_DIR');
  const stateIntervalMs = parseInteger('MSHARE_STATE_INTERVAL_MS', get('MSHARE_STATE_INTERVAL_MS'), 0, 24 * 3600_000);
  if (stateIntervalMs > 0 && stateDir === '') throw new ConfigError('MSHARE_STATE_INTERVAL_MS', 'checkpoints need MSHARE_STATE_DIR');
  const sharing = parseBoolean('MSHARE_SHARING', get('MSHARE_SHARING'));
  const scheme = parseScheme(env, sharing);
  return Object.freeze({
    tls, insecure, limits,
    ...(policyFile ? { policyFile } : {}),
    ...(stateDir ? { stateDir } : {}),
    stateIntervalMs,
    grpc,
    http,
    scheme,
    pti: parseBoolean('MSHARE_PTI', env.MSHARE_PTI === undefined || env.MSHARE_PTI === '' ? 'false' : env.MSHARE_PTI),
    hugepages2m: optionalCount('MSHARE_HUGEPAGES_2M', env.MSHARE_HUGEPAGES_2M),
    hugepages1g: optionalCount('MSHARE_HUGEPAGES_1G', env.MSHARE_HUGEPAGES_1G),
    geometry: parseOneOf('MSHARE_GEOMETRY', get('MSHARE_GEOMETRY'), GEOMETRY_NAMES),
    sharing: scheme !== 'none',
    sessionGraceMs: parseInteger('MSHARE_SESSION_GRACE_MS', get('MSHARE_SESSION_GRACE_MS'), 0, 24 * 3600_000),
    shutdownGraceMs: parseInteger('MSHARE_SHUTDOWN_GRACE_MS', get('MSHARE_SHUTDOWN_GRACE_MS'), 0, 3600_000),
    baselineClients: parseInteger('MSHARE_BASELINE_CLIENTS', get('MSHARE_BASELINE_CLIENTS'), 1, 1_000_000),
    baselineSgaBytes: parseSize('MSHARE_BASELINE_SGA', get('MSHARE_BASELINE_SGA')),
    machineMemoryBytes: get('MSHARE_MACHINE_MEMORY') === '' ? Infinity : parseSize('MSHARE_MACHINE_MEMORY', get('MSHARE_MACHINE_MEMORY')),
    processBaseBytes: get('MSHARE_PROCESS_BASE_BYTES') === '0' ? 0 : parseSize('MSHARE_PROCESS_BASE_BYTES', get('MSHARE_PROCESS_BASE_BYTES')),
    logLevel: parseOneOf('MSHARE_LOG_LEVEL', get('MSHARE_LOG_LEVEL'), LOG_LEVELS),
  });
}

/** The kernel a config describes (a new one, or the one a snapshot is restored into). */
export function kernelOptions(config: Config): KernelOptions {
  const { limits } = config;
  return {
    geometry: config.geometry, scheme: config.scheme, pti: config.pti,
    hugepages2m: config.hugepages2m, hugepages1g: config.hugepages1g, machineMemoryBytes: config.machineMemoryBytes,
    processBaseBytes: config.processBaseBytes,
    limits: {
      maxMapCount: limits.maxMapCount, maxProcessesPerUid: limits.maxProcessesPerUid,
      maxRegions: limits.maxRegions, pidMax: limits.pidMax,
    },
  };
}
