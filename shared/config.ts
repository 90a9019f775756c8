/**
 * What every service's config needs: reading a variable with its default, parsers for the kinds
 * of values the environment holds (each error naming the variable), and the entry point's
 * "load the config or exit 2" step. The services keep their own variables, defaults and Config
 * shapes; only main.ts passes process.env in.
 */
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
