/**
 * Who is calling: principals and the policy file (README, "Security model").
 *
 * A principal is named by a client certificate's subject CN (mutual TLS) or by a bearer token
 * (`authorization: Bearer <token>` metadata on gRPC, the same header on HTTP). The policy file
 * (MSHARE_POLICY_FILE, JSON, or YAML when it ends in .yaml/.yml) lists each principal:
 *
 *   principals:
 *     - name: donor                 # also the CN of its client certificate, if it has one
 *       token_sha256: 3f1c...       # hex SHA-256 of its token (optional: certificate only)
 *       uids: [1000, "2000-2999"]   # uids it may spawn as (numbers or "lo-hi" ranges)
 *       gids: [1000]
 *       admin: false                # admins see and act on every principal's processes
 *
 * Tokens are at least 128 bits (22 characters of base64 or 32 of hex, e.g. `openssl rand -hex
 * 32`); the presented token's SHA-256 is compared with every principal's in constant time
 * (crypto.timingSafeEqual over all entries, no early exit): a fast hash suffices because tokens
 * are random, not passwords. Without TLS (loopback only, or MSHARE_INSECURE=true) a call without
 * credentials is the one anonymous principal, which may do everything (the single-user default).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import { AuthError } from '../../shared/grpc/status.js';
import { ConfigError } from '../../shared/config.js';

/** Shortest token accepted, characters (22 base64 characters carry 132 bits). */
export const MIN_TOKEN_CHARS = 22;

export interface Principal {
  readonly name: string;
  readonly admin: boolean;
  /** May this principal spawn with this uid / gid? */
  mayUseUid(uid: number): boolean;
  mayUseGid(gid: number): boolean;
}

export const ANONYMOUS: Principal = Object.freeze({
  name: 'anonymous', admin: true, mayUseUid: () => true, mayUseGid: () => true,
});

interface Entry {
  principal: Principal;
  /** SHA-256 of the token, or undefined (certificate only). */
  tokenHash?: Buffer;
}

export class Policy {
  private readonly entries: readonly Entry[];
  private readonly byName: ReadonlyMap<string, Entry>;

  constructor(entries: Entry[]) {
    this.entries = entries;
    this.byName = new Map(entries.map((e) => [e.principal.name, e]));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal whose token this is, or undefined. Constant time in the token. */
  byToken(token: string): Principal | undefined {
    const hash = createHash('sha256').update(token, 'utf8').digest();
    let found: Principal | undefined;
    for (const e of this.entries) {
      if (e.tokenHash && timingSafeEqual(e.tokenHash, hash) && !found) found = e.principal;
    }
    return found;
  }

  byCommonName(cn: string): Principal | undefined {
    return this.byName.get(cn)?.principal;
  }
}

const VARIABLE = 'MSHARE_POLICY_FILE';

type IdRange = [number, number];

function parseIds(value: unknown, field: string, where: string): IdRange[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(VARIABLE, `${where}: ${field} must be a list`);
  return value.map((v): IdRange => {
    const s = String(v);
    const m = /^(\d{1,10})(?:-(\d{1,10}))?$/.exec(s);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!(lo <= hi && hi <= 0xfffffffe)) throw new ConfigError(VARIABLE, `${where}: ${field} entry '${s}' is not an id or lo-hi range`);
    return [lo, hi];
  });
}

const inRanges = (ranges: readonly IdRange[], id: number) => ranges.some(([lo, hi]) => id >= lo && id <= hi);

/** Parses the policy document (already read as JSON or YAML). */
export function parsePolicy(doc: unknown): Policy {
  const list = (doc as { principals?: unknown } | null)?.principals;
  if (!Array.isArray(list)) throw new ConfigError(VARIABLE, 'the policy needs a `principals` list');
  const seen = new Set<string>();
  const entries = list.map((raw: Record<string, unknown>, i): Entry => {
    const where = `principals[${i}]`;
    const name = raw?.name;
    if (typeof name !== 'string' || !/^[\w.@-]{1,64}$/.test(name)) {
      throw new ConfigError(VARIABLE, `${where}: name must be 1 to 64 characters of [A-Za-z0-9_.@-]`);
    }
    if (seen.has(name) || name === ANONYMOUS.name) throw new ConfigError(VARIABLE, `${where}: name '${name}' is taken`);
    seen.add(name);
    let tokenHash: Buffer | undefined;
    if (raw.token_sha256 !== undefined) {
      if (typeof raw.token_sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(raw.token_sha256)) {
        throw new ConfigError(VARIABLE, `${where}: token_sha256 must be 64 hex digits`);
      }
      tokenHash = Buffer.from(raw.token_sha256, 'hex');
    }
    const uids = parseIds(raw.uids, 'uids', where);
    const gids = parseIds(raw.gids, 'gids', where);
    const admin = raw.admin === true;
    const principal: Principal = Object.freeze({
      name, admin,
      mayUseUid: (uid: number) => admin || inRanges(uids, uid),
      mayUseGid: (gid: number) => admin || inRanges(gids, gid),
    });
    return { principal, tokenHash };
  });
  return new Policy(entries);
}

/** Reads MSHARE_POLICY_FILE: YAML when it ends in .yaml or .yml, JSON otherwise. */
export async function loadPolicy(file: string): Promise<Policy> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(VARIABLE, `cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    if (/\.ya?ml$/i.test(file)) {
      // `yaml` is loaded only for a YAML policy.
      const { parse } = await import('yaml');
      doc = parse(text);
    } else {
      doc = JSON.parse(text);
    }
  } catch (err) {
    throw new ConfigError(VARIABLE, `${file} does not parse: ${(err as Error).message}`);
  }
  return parsePolicy(doc);
}

export interface Credentials {
  /** The `authorization` value, if any. */
  authorization?: string;
  /** The verified client certificate, if any (mutual TLS). */
  certificate?: PeerCertificate;
}

/**
 * The principal of a call, or an AuthError. A bearer token, when present, must name a principal;
 * otherwise a verified client certificate's CN; otherwise, without TLS, the anonymous principal.
 */
export function authenticate(policy: Policy | undefined, tls: boolean, creds: Credentials): Principal {
  const auth = creds.authorization;
  if (auth !== undefined) {
    const m = /^Bearer ([\x21-\x7e]+)$/.exec(auth);
    if (!m) throw new AuthError('the authorization metadata must be `Bearer <token>`');
    if (m[1].length < MIN_TOKEN_CHARS) throw new AuthError(`tokens are at least ${MIN_TOKEN_CHARS} characters (128 bits)`);
    const p = policy?.byToken(m[1]);
    if (!p) throw new AuthError('unknown token');
    return p;
  }
  const cn = creds.certificate?.subject?.CN;
  if (typeof cn === 'string' && cn !== '') {
    const p = policy?.byCommonName(cn);
    if (!p) throw new AuthError(`the client certificate's CN '${cn}' is not in the policy`);
    return p;
  }
  if (!tls) return ANONYMOUS;
  throw new AuthError('no credentials: present a client certificate or `authorization: Bearer <token>`');
}

/** SHA-256 of a token in hex, the form the policy file holds. */
export const tokenSha256 = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The PEM files of MSHARE_TLS_CERT, MSHARE_TLS_KEY and MSHARE_TLS_CLIENT_CA, read at start. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

export function readTls(tls: { cert: string; key: string; clientCa?: string }): TlsMaterial {
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(variable, `cannot read ${file}: ${(err as Error).message}`);
    }
  };
  return {
    cert: read('MSHARE_TLS_CERT', tls.cert),
    key: read('MSHARE_TLS_KEY', tls.key),
    ...(tls.clientCa ? { clientCa: read('MSHARE_TLS_CLIENT_CA', tls.clientCa) } : {}),
  };
}
