/**
 * What every service's config needs: reading a variable with its default, parsers for the kinds
 * of values the environment holds (each error naming the variable), and the entry point's
 * "load the config or exit 2" step. The services keep their own variables, defaults and Config
 * shapes; only main.ts passes process.env in.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import type { BrokerClientOptions } from './client/broker-client.js';
import { KernelError } from './kernel/errors.js';
import { validateName } from './kernel/msharefs.js';
import { parseSizeAs } from './units.js';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly variable: string, readonly reason: string) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/** A reader of `env` where an unset or blank variable takes its default; values are trimmed. */
export function envReader<V extends string>(env: Env, defaults: Readonly<Record<V, string>>): (name: V) => string {
  return (name) => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? defaults[name] : raw.trim();
  };
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
  /** host:port as given (IPv6 hosts in brackets), the form grpc-js binds and dials. */
  readonly address: string;
}

/**
 * host:port or [v6]:port of a peer to dial. A host name may hold '_': compose and cluster service
 * names do.
 */
export function parseHostPort(variable: string, value: string): HostPort {
  return hostPort(variable, value, true);
}

/** host:port or [v6]:port to listen on (port 0: the OS picks one, for tests); no '_' in a name. */
export function parseListenAddress(variable: string, value: string): HostPort {
  return hostPort(variable, value, false);
}

function hostPort(variable: string, value: string, underscore: boolean): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/.exec(value);
  if (!m || (!underscore && m[2]?.includes('_'))) {
    throw new ConfigError(variable, `'${value}' is not host:port (for IPv6: [addr]:port)`);
  }
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(variable, `port ${port} is above 65535`);
  return Object.freeze({ host: m[1] ?? m[2], port, address: value });
}

export function parseOneOf<T extends string>(variable: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(variable, `'${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function parseBoolean(variable: string, value: string): boolean {
  switch (value.toLowerCase()) {
    case 'true': case '1': case 'yes': return true;
    case 'false': case '0': case 'no': return false;
    default: throw new ConfigError(variable, `'${value}' is not a boolean (true or false)`);
  }
}

export function parseInteger(variable: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(variable, `'${value}' is not a non-negative integer`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(variable, `${n} is outside ${min}..${max}`);
  return n;
}

/** Decimal notation, optionally with an exponent (1.5, 1e5, 1e-2); no sign, no hex, no Infinity. */
const NUMBER = /^\d+(\.\d+)?(e[-+]?\d+)?$/i;

export function parseNumber(variable: string, value: string, min: number, max: number): number {
  const n = NUMBER.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new ConfigError(variable, `'${value}' is not a non-negative number`);
  if (n < min || n > max) throw new ConfigError(variable, `${n} is outside ${min}..${max}`);
  return n;
}

/** A share: above 0, at most 1. */
export function parseFraction(variable: string, value: string): number {
  const n = NUMBER.test(value) ? Number(value) : NaN;
  if (!(n > 0 && n <= 1)) throw new ConfigError(variable, `'${value}' is not a fraction in (0, 1]`);
  return n;
}

/** An msharefs region name, by msharefs's own rule (validateName: 1..255 bytes, no '/' or NUL, not . or ..). */
export function parseRegionName(variable: string, value: string): string {
  try {
    return validateName(value);
  } catch (err) {
    if (err instanceof KernelError) throw new ConfigError(variable, `'${value}' is not an msharefs name: ${err.detail}`);
    throw err;
  }
}

/** A size in the one notation every service shares (shared/units.ts). */
export function parseSize(variable: string, value: string): number {
  return parseSizeAs(value, (message) => new ConfigError(variable, message));
}

/**
 * The entry point's first step: the config, or exit 2 with a message naming the variable. Other
 * errors propagate (main's catch exits 1).
 */
export function loadConfigOrExit<C>(service: string, load: (env: Env) => C, env: Env = process.env): C {
  try {
    return load(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${service}: bad configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * How a client of the broker (the worker, the load test) connects: TLS with the CA that signed
 * the broker's certificate, a client certificate and key for mutual TLS, a bearer token read from
 * a file, and the name the broker's certificate holds when the address is not that name. Each
 * value as its variable or flag gives it; '' is unset.
 */
export interface BrokerConnection {
  ca: string;
  cert: string;
  key: string;
  tokenFile: string;
  serverName: string;
}

/**
 * The BrokerClient options for a connection; the files are read now. A missing or unreadable
 * file, a certificate without its key, a server name without TLS, or an empty token file is a
 * ConfigError naming the variable or flag (`names`).
 */
export function brokerClientOptions(c: BrokerConnection, names: Readonly<Record<keyof BrokerConnection, string>>): BrokerClientOptions {
  const read = (field: 'ca' | 'cert' | 'key' | 'tokenFile'): Buffer | undefined => {
    if (c[field] === '') return undefined;
    try {
      return readFileSync(c[field]);
    } catch (err) {
      throw new ConfigError(names[field], `cannot read ${c[field]}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if ((c.cert === '') !== (c.key === '')) {
    throw new ConfigError(c.cert === '' ? names.cert : names.key, `${names.cert} and ${names.key} are set together (mutual TLS)`);
  }
  const tls = c.ca !== '' || c.cert !== '';
  if (c.serverName !== '' && !tls) throw new ConfigError(names.serverName, `names the broker's certificate, and TLS is off (set ${names.ca})`);
  const out: BrokerClientOptions = {};
  if (tls) {
    // grpc-js is loaded here, with TLS only: every entry point parses its config with this file,
    // and the load test's flags (--compare's calling thread) need no grpc-js of their own.
    const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof Grpc;
    out.credentials = grpc.credentials.createSsl(read('ca') ?? null, read('key') ?? null, read('cert') ?? null);
    if (c.serverName !== '') out.channelOptions = { 'grpc.ssl_target_name_override': c.serverName, 'grpc.default_authority': c.serverName };
  }
  const token = read('tokenFile')?.toString('utf8').trim();
  if (token !== undefined) {
    if (token === '' || /\s/.test(token)) throw new ConfigError(names.tokenFile, `${c.tokenFile} must hold one token (no blanks)`);
    out.token = token;
  }
  return out;
}
