/**
 * The worker's settings, read from the environment once at start into a frozen Config. Nothing
 * else reads process.env. A bad value stops the start with a message naming the variable.
 * Names and defaults: docs/metrics-and-config.md (the contract with deploy/), docs/loadtest.md.
 */
import { parseSize, SizeError } from '../../shared/units.js';

export const ROLES = ['donor', 'client'] as const;
export type Role = (typeof ROLES)[number];
export const PATTERNS = ['sequential', 'sparse', 'hotset'] as const;
export type Pattern = (typeof PATTERNS)[number];

export interface HostPort {
  readonly host: string;
  readonly port: number;
  /** host:port as given. */
  readonly address: string;
}

export interface Config {
  readonly brokerAddress: string;
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

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = Object.freeze({
  MSHARE_BROKER_ADDR: '127.0.0.1:50051',
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
type Variable = keyof typeof DEFAULTS;

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const get = (name: Variable): string => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? DEFAULTS[name] : raw.trim();
  };
  return Object.freeze({
    brokerAddress: parseHostPort('MSHARE_BROKER_ADDR', get('MSHARE_BROKER_ADDR')).address,
    http: parseHostPort('MSHARE_WORKER_HTTP_ADDR', get('MSHARE_WORKER_HTTP_ADDR')),
    processes: parseInteger('MSHARE_WORKER_PROCESSES', get('MSHARE_WORKER_PROCESSES'), 1, 100_000),
    role: parseOneOf('MSHARE_WORKER_ROLE', get('MSHARE_WORKER_ROLE'), ROLES),
    region: parseRegion('MSHARE_REGION', get('MSHARE_REGION')),
    sgaBytes: parseSizeVar('MSHARE_SGA', get('MSHARE_SGA')),
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

/** host:port or [v6]:port; port 0 asks the OS for a free port (tests). */
export function parseHostPort(variable: string, value: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/.exec(value);
  if (!m) throw new ConfigError(variable, `'${value}' is not host:port (for IPv6: [addr]:port)`);
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(variable, `port ${port} is above 65535`);
  return Object.freeze({ host: m[1] ?? m[2], port, address: value });
}

function parseOneOf<T extends string>(variable: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(variable, `'${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function parseInteger(variable: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(variable, `'${value}' is not a non-negative integer`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(variable, `${n} is outside ${min}..${max}`);
  return n;
}

function parseNumber(variable: string, value: string, min: number, max: number): number {
  const n = /^\d+(\.\d+)?(e\d+)?$/i.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new ConfigError(variable, `'${value}' is not a non-negative number`);
  if (n < min || n > max) throw new ConfigError(variable, `${n} is outside ${min}..${max}`);
  return n;
}

/** A share of pages: above 0, at most 1. */
function parseFraction(variable: string, value: string): number {
  const n = /^\d+(\.\d+)?(e-?\d+)?$/i.test(value) ? Number(value) : NaN;
  if (!(n > 0 && n <= 1)) throw new ConfigError(variable, `'${value}' is not a fraction in (0, 1]`);
  return n;
}

function parseSizeVar(variable: string, value: string): number {
  try {
    return parseSize(value);
  } catch (err) {
    if (err instanceof SizeError) throw new ConfigError(variable, err.message);
    throw err;
  }
}

/** msharefs names: 1..255 bytes, no '/' or NUL, not "." or ".." (the broker checks it too). */
function parseRegion(variable: string, value: string): string {
  if (value === '.' || value === '..' || /[/\0]/.test(value) || Buffer.byteLength(value) > 255) {
    throw new ConfigError(variable, `'${value}' is not an msharefs name (1..255 bytes, no '/', not '.' or '..')`);
  }
  return value;
}
