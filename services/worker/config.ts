/**
 * The worker's settings, read from the environment once at start into a frozen Config. Nothing
 * else reads process.env. A bad value stops the start with a message naming the variable.
 * Names and defaults: docs/metrics-and-config.md (the contract with deploy/), docs/loadtest.md.
 */
import type { BrokerClientOptions } from '../../shared/client/broker-client.js';
import {
  brokerClientOptions, ConfigError, envReader, parseFraction, parseHostPort, parseInteger, parseNumber, parseOneOf, parseRegionName, parseSize,
  type Env, type HostPort,
} from '../../shared/config.js';

export { ConfigError, type HostPort };

export const ROLES = ['donor', 'client'] as const;
export type Role = (typeof ROLES)[number];
export const PATTERNS = ['sequential', 'sparse', 'hotset'] as const;
export type Pattern = (typeof PATTERNS)[number];

export interface Config {
  readonly brokerAddress: string;
  /** TLS and token (MSHARE_BROKER_CA, _CERT, _KEY, _TOKEN_FILE, _SERVER_NAME); {}: plaintext, anonymous. */
  readonly brokerClient: BrokerClientOptions;
  readonly http: HostPort;
  /** Simulated processes this worker hosts. */
  readonly processes: number;
  readonly role: Role;
  readonly region: string;
  readonly sgaBytes: number;
  readonly pattern: Pattern;
  /** sparse: share of the SGA's pages each process touches (uniform, with replacement). */
  readonly sparseFraction: number;
  /** hotset: accesses per second for the whole worker. */
  readonly hotsetRate: number;
  /** hotset: share of the SGA's pages in the hot set. */
  readonly hotsetFraction: number;
  /** hotset: how long it runs, seconds. */
  readonly durationS: number;
  /** hotset: stop after this many accesses (0: only the duration bounds it). */
  readonly hotsetAccesses: number;
  /** How long a client keeps retrying ENOENT while the donor has not created the region. */
  readonly attachTimeoutMs: number;
  /** Name of the worker's session (broker logs) and of its processes' comm. */
  readonly name: string;
}

/**
 * The worker's defaults, each stated here once: the environment's, and (parsed, DEFAULT_CONFIG)
 * those of a Worker built in process. The load test's flags take theirs from here too, but for
 * its shorter --duration (services/loadtest/options.ts).
 */
export const DEFAULTS = Object.freeze({
  MSHARE_BROKER_ADDR: '127.0.0.1:50051',
  /** PEM CA of the broker's certificate: TLS ('': plaintext, loopback brokers only). */
  MSHARE_BROKER_CA: '',
  /** PEM client certificate and key: mutual TLS, the certificate's CN names the principal. */
  MSHARE_BROKER_CERT: '',
  MSHARE_BROKER_KEY: '',
  /** A file holding the bearer token (the broker's policy holds its SHA-256). */
  MSHARE_BROKER_TOKEN_FILE: '',
  /** The name in the broker's certificate, when MSHARE_BROKER_ADDR is not it (an IP address). */
  MSHARE_BROKER_SERVER_NAME: '',
  MSHARE_WORKER_HTTP_ADDR: '127.0.0.1:9465',
  MSHARE_WORKER_PROCESSES: '100',
  MSHARE_WORKER_ROLE: 'client',
  MSHARE_REGION: 'sga',
  MSHARE_SGA: '300GiB',
  MSHARE_PATTERN: 'sequential',
  MSHARE_SPARSE_FRACTION: '0.01',
  MSHARE_HOTSET_RATE: '100000',
  MSHARE_HOTSET_FRACTION: '0.01',
  MSHARE_DURATION_S: '60',
  MSHARE_HOTSET_ACCESSES: '0',
  MSHARE_ATTACH_TIMEOUT_MS: '30000',
  MSHARE_WORKER_NAME: 'worker',
});

/** The variable of each part of the broker connection (errors name them). */
export const BROKER_CONNECTION_VARIABLES = Object.freeze({
  ca: 'MSHARE_BROKER_CA', cert: 'MSHARE_BROKER_CERT', key: 'MSHARE_BROKER_KEY',
  tokenFile: 'MSHARE_BROKER_TOKEN_FILE', serverName: 'MSHARE_BROKER_SERVER_NAME',
});

export function loadConfig(env: Env): Config {
  const get = envReader(env, DEFAULTS);
  return Object.freeze({
    brokerAddress: parseHostPort('MSHARE_BROKER_ADDR', get('MSHARE_BROKER_ADDR')).address,
    brokerClient: brokerClientOptions({
      ca: get('MSHARE_BROKER_CA'), cert: get('MSHARE_BROKER_CERT'), key: get('MSHARE_BROKER_KEY'),
      tokenFile: get('MSHARE_BROKER_TOKEN_FILE'), serverName: get('MSHARE_BROKER_SERVER_NAME'),
    }, BROKER_CONNECTION_VARIABLES),
    http: parseHostPort('MSHARE_WORKER_HTTP_ADDR', get('MSHARE_WORKER_HTTP_ADDR')),
    processes: parseInteger('MSHARE_WORKER_PROCESSES', get('MSHARE_WORKER_PROCESSES'), 1, 100_000),
    role: parseOneOf('MSHARE_WORKER_ROLE', get('MSHARE_WORKER_ROLE'), ROLES),
    region: parseRegionName('MSHARE_REGION', get('MSHARE_REGION')),
    sgaBytes: parseSize('MSHARE_SGA', get('MSHARE_SGA')),
    pattern: parseOneOf('MSHARE_PATTERN', get('MSHARE_PATTERN'), PATTERNS),
    sparseFraction: parseFraction('MSHARE_SPARSE_FRACTION', get('MSHARE_SPARSE_FRACTION')),
    hotsetRate: parseNumber('MSHARE_HOTSET_RATE', get('MSHARE_HOTSET_RATE'), 1, 1e9),
    hotsetFraction: parseFraction('MSHARE_HOTSET_FRACTION', get('MSHARE_HOTSET_FRACTION')),
    durationS: parseNumber('MSHARE_DURATION_S', get('MSHARE_DURATION_S'), 0, 7 * 86_400),
    hotsetAccesses: parseInteger('MSHARE_HOTSET_ACCESSES', get('MSHARE_HOTSET_ACCESSES'), 0, Number.MAX_SAFE_INTEGER),
    attachTimeoutMs: parseInteger('MSHARE_ATTACH_TIMEOUT_MS', get('MSHARE_ATTACH_TIMEOUT_MS'), 0, 3_600_000),
    name: get('MSHARE_WORKER_NAME').slice(0, 64),
  });
}

/** DEFAULTS, parsed: what a Worker uses for an option it is not given. */
export const DEFAULT_CONFIG: Config = loadConfig({});
