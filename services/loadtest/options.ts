/**
 * The load test's options and its flag table: each flag that sets an option, once, with its
 * default as a user would type it and the shared/config.ts parser that reads it. DEFAULT_OPTIONS
 * is the table's defaults, parsed; `--help` prints them from here.
 *
 * A default the worker or the broker also has is read from their tables, not restated: the SGA,
 * the pattern and its parameters from the worker's (services/worker/config.ts), the geometry and
 * sharing from the broker's (services/broker/config.ts). One differs on purpose: `--duration` is
 * 10 s where a worker's MSHARE_DURATION_S is 60 s, so that `npm start --pattern hotset` ends soon;
 * a deployed worker runs its hot set for a minute.
 */
import type { BrokerClientOptions } from '../../shared/client/broker-client.js';
import {
  brokerClientOptions, parseBoolean, parseFraction, parseInteger, parseNumber, parseOneOf, parseSize, type BrokerConnection,
} from '../../shared/config.js';
import { GEOMETRY_NAMES, type GeometryName } from '../../shared/kernel/geometry.js';
import { DEFAULTS as BROKER_DEFAULTS } from '../broker/config.js';
import { DEFAULTS as WORKER_DEFAULTS, PATTERNS, type Pattern } from '../worker/config.js';

export interface ScenarioOptions {
  /** Client processes that attach and run the pattern (the seed: 1500). */
  clients: number;
  /** In-process client workers the clients are spread over (the donor worker comes on top). */
  workers: number;
  sgaBytes: number;
  pattern: Pattern;
  sparseFraction: number;
  hotsetRate: number;
  hotsetFraction: number;
  durationS: number;
  hotsetAccesses: number;
  /** Embedded broker only. */
  geometry: GeometryName;
  /** Embedded broker only: false runs the kernel without sharing (the world without mshare). */
  sharing: boolean;
  /** Embedded broker only: the sharing scheme (default from `sharing`: mshare or none). */
  scheme?: string;
  /** Embedded broker only: page-table isolation (8 KiB PGDs). */
  pti?: boolean;
  /** host:port of a running broker; undefined: an embedded one. */
  broker?: string;
  /** With `broker`: its TLS credentials and token (the --broker-* flags); default plaintext, anonymous. */
  brokerClient?: BrokerClientOptions;
  /** Region name; default the worker's ('sga') embedded, a name unique to the run against an external broker. */
  region?: string;
  machineMemoryBytes: number;
  /** Charged per process at Spawn by the embedded brokers (kernel stack, mm, session memory). */
  processBaseBytes: number;
  /** With sharing on an embedded broker: also run without sharing, for oom_unshared (default true). */
  unsharedRun: boolean;
  /** Embedded broker only: no memory limit on it (--compare without --machine-memory). */
  unlimitedMachine?: boolean;
  seed: number;
  /** Progress lines (stderr in main.ts). */
  onProgress?: (line: string) => void;
  progressIntervalMs?: number;
}

/** The flags of a running broker's TLS and token, as the worker's MSHARE_BROKER_* variables. */
export const BROKER_CONNECTION_FLAGS: Readonly<Record<keyof BrokerConnection, string>> = Object.freeze({
  ca: '--broker-ca', cert: '--broker-cert', key: '--broker-key', tokenFile: '--broker-token-file', serverName: '--broker-server-name',
});

/** The client options the --broker-* flags given (`value` reads one by its flag) ask for; undefined when none is. */
export function brokerClientFromFlags(value: (flag: string) => string | undefined): BrokerClientOptions | undefined {
  const c: BrokerConnection = { ca: '', cert: '', key: '', tokenFile: '', serverName: '' };
  let any = false;
  for (const [field, flag] of Object.entries(BROKER_CONNECTION_FLAGS) as [keyof BrokerConnection, string][]) {
    const v = value(flag);
    if (v === undefined) continue;
    c[field] = v;
    any = true;
  }
  return any ? brokerClientOptions(c, BROKER_CONNECTION_FLAGS) : undefined;
}

export interface OptionFlag<K extends keyof ScenarioOptions = keyof ScenarioOptions> {
  /** The option it sets. */
  option: K;
  /** The value's placeholder in --help. */
  arg: string;
  help: string;
  /** As a user would type it; `parse` turns it into DEFAULT_OPTIONS[option]. */
  default: string;
  /** Said right after the default in --help. */
  note?: string;
  /** A shared/config.ts parser: its ConfigError names the flag. */
  parse(flag: string, value: string): ScenarioOptions[K];
}

const flag = <K extends keyof ScenarioOptions>(f: OptionFlag<K>): OptionFlag<K> => f;
const W = WORKER_DEFAULTS;

/** The flags with a value that set an option, by name (`--name`), in --help order. */
export const OPTION_FLAGS: Readonly<Record<string, OptionFlag>> = Object.freeze({
  clients: flag({ option: 'clients', arg: 'N', help: 'client processes', default: '1500', parse: (f, v) => parseInteger(f, v, 1, 1_000_000) }),
  workers: flag({
    option: 'workers', arg: 'N', help: 'in-process workers the clients are spread over', default: '15',
    parse: (f, v) => parseInteger(f, v, 1, 10_000),
  }),
  sga: flag({ option: 'sgaBytes', arg: 'SIZE', help: 'SGA size: 300GiB, 8GiB, 512MiB ...', default: W.MSHARE_SGA, parse: parseSize }),
  pattern: flag({
    option: 'pattern', arg: 'P', help: PATTERNS.join(' | '), default: W.MSHARE_PATTERN, note: ': every page',
    parse: (f, v) => parseOneOf(f, v, PATTERNS),
  }),
  'sparse-fraction': flag({
    option: 'sparseFraction', arg: 'F', help: "sparse: share of the SGA's pages each client touches",
    default: W.MSHARE_SPARSE_FRACTION, parse: parseFraction,
  }),
  'hotset-rate': flag({
    option: 'hotsetRate', arg: 'R', help: 'hotset: accesses per second per worker', default: W.MSHARE_HOTSET_RATE,
    parse: (f, v) => parseNumber(f, v, 1, 1e9),
  }),
  'hotset-fraction': flag({
    option: 'hotsetFraction', arg: 'F', help: "hotset: share of the SGA's pages in the hot set",
    default: W.MSHARE_HOTSET_FRACTION, parse: parseFraction,
  }),
  duration: flag({
    option: 'durationS', arg: 'S', help: 'hotset: seconds', default: '10',
    note: `, deliberately shorter than a worker's ${W.MSHARE_DURATION_S}`, parse: (f, v) => parseNumber(f, v, 0, 86_400),
  }),
  'hotset-accesses': flag({
    option: 'hotsetAccesses', arg: 'N', help: 'hotset: stop each worker after N accesses', default: W.MSHARE_HOTSET_ACCESSES,
    note: ': duration only', parse: (f, v) => parseInteger(f, v, 0, Number.MAX_SAFE_INTEGER),
  }),
  seed: flag({
    option: 'seed', arg: 'N', help: 'PRNG seed of the sparse and hotset addresses', default: '1',
    parse: (f, v) => parseInteger(f, v, 0, 2 ** 32 - 1),
  }),
  'machine-memory': flag({
    option: 'machineMemoryBytes', arg: 'SIZE', help: 'the machine: its memory limits the embedded brokers (OOM killer) and sizes the capacity figures',
    default: '512GiB', parse: parseSize,
  }),
  'process-base': flag({
    option: 'processBaseBytes', arg: 'SIZE', help: 'memory each process costs beside its pages and tables (kernel stack, mm, session)',
    default: '0', parse: (f, v) => (v.trim() === '0' ? 0 : parseSize(f, v)),
  }),
  geometry: flag({
    option: 'geometry', arg: 'G', help: `embedded broker: ${GEOMETRY_NAMES.join(' | ')}`, default: BROKER_DEFAULTS.MSHARE_GEOMETRY,
    parse: (f, v) => parseOneOf(f, v, GEOMETRY_NAMES),
  }),
});

export const DEFAULT_OPTIONS: Readonly<ScenarioOptions> = Object.freeze({
  ...Object.fromEntries(Object.entries(OPTION_FLAGS).map(([name, f]) => [f.option, f.parse(`--${name}`, f.default)])),
  sharing: parseBoolean('MSHARE_SHARING', BROKER_DEFAULTS.MSHARE_SHARING),
  unsharedRun: true,
} as ScenarioOptions);

/** The region of an embedded run: the worker's default. */
export const EMBEDDED_REGION = W.MSHARE_REGION;
