/**
 * The broker's state on disk (MSHARE_STATE_DIR): the kernel's snapshot (shared/kernel/snapshot.ts),
 * which principal owns each pid, and the sessions. Saved on SIGTERM (and every
 * MSHARE_STATE_INTERVAL_MS when set) to a temporary file, fsynced and renamed over the last one,
 * so a crash mid-write leaves the previous file whole; read back at start. A file that cannot be
 * restored (damaged, another version, another kernel shape) stops the start with a StateError
 * naming the file and why: the broker never starts empty over state it was asked to keep.
 */
import { readFileSync, renameSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import type { Kernel } from '../../shared/kernel/kernel.js';
import { restoreKernel, snapshotKernel } from '../../shared/kernel/snapshot.js';
import type { KernelOptions } from '../../shared/kernel/types.js';
import type { SessionRecord } from './sessions.js';

/** The file in MSHARE_STATE_DIR. */
export const STATE_FILE = 'broker-state.json.gz';
/** What a restored file is renamed to when no checkpoints are taken: a crash after it restores nothing. */
export const RESTORED_FILE = 'broker-state.restored.json.gz';
const FORMAT = 'mshare-broker-state';
export const STATE_VERSION = 1;

export interface BrokerState {
  readonly kernel: Kernel;
  /** pid -> the principal that spawned it. */
  readonly owners: ReadonlyMap<number, string>;
  readonly sessions: readonly SessionRecord[];
}

/** A state file that cannot be restored. */
export class StateError extends Error {
  constructor(file: string, reason: string) {
    super(`cannot restore ${file}: ${reason} (move it away to start with an empty machine)`);
    this.name = 'StateError';
  }
}

const gzipAsync = promisify(gzip);

/**
 * Writes the state atomically; resolves to the file's size in bytes. The snapshot and its JSON are
 * taken at once, on the event loop (the kernel must not change under them); the compression runs
 * on libuv's thread pool and the writes are asynchronous, so calls are answered meanwhile. One
 * save at a time per directory: the caller waits for the last before it starts another.
 */
export async function saveState(dir: string, state: BrokerState): Promise<number> {
  const doc = {
    format: FORMAT, version: STATE_VERSION, savedAt: new Date().toISOString(),
    owners: [...state.owners].filter(([pid]) => state.kernel.hasProcess(pid)),
    sessions: state.sessions,
    kernel: snapshotKernel(state.kernel),
  };
  const data = await gzipAsync(JSON.stringify(doc));
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, STATE_FILE);
  const tmp = `${file}.tmp`;
  const out = await open(tmp, 'w', 0o600);
  try {
    await out.writeFile(data);
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(tmp, file);
  // The rename itself is durable once the directory is synced.
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
  return data.length;
}

/** The saved state, restored into a kernel built from `options`; undefined when there is no file. */
export function loadState(dir: string, options: KernelOptions): BrokerState | undefined {
  const file = path.join(dir, STATE_FILE);
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw new StateError(file, err instanceof Error ? err.message : String(err));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(gunzipSync(raw).toString('utf8'));
  } catch (err) {
    throw new StateError(file, `not a gzipped JSON document (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof doc !== 'object' || doc === null) throw new StateError(file, 'not a JSON object');
  const format: unknown = Reflect.get(doc, 'format');
  const version: unknown = Reflect.get(doc, 'version');
  if (format !== FORMAT) throw new StateError(file, `format is ${JSON.stringify(format)}, not '${FORMAT}'`);
  if (version !== STATE_VERSION) {
    throw new StateError(file, `version ${JSON.stringify(version)} is not the version this broker reads (${STATE_VERSION})`);
  }
  let kernel: Kernel;
  try {
    kernel = restoreKernel(Reflect.get(doc, 'kernel'), options);
  } catch (err) {
    throw new StateError(file, err instanceof Error ? err.message : String(err));
  }
  return { kernel, owners: readOwners(file, Reflect.get(doc, 'owners')), sessions: readSessions(file, Reflect.get(doc, 'sessions')) };
}

/** Renames a restored file out of the way (no checkpoints: a later crash must not bring back this old state). */
export function retireState(dir: string): void {
  renameSync(path.join(dir, STATE_FILE), path.join(dir, RESTORED_FILE));
}

function readOwners(file: string, owners: unknown): Map<number, string> {
  if (!Array.isArray(owners)) throw new StateError(file, 'owners is not a list');
  const out = new Map<number, string>();
  for (const entry of owners) {
    if (!Array.isArray(entry) || !Number.isInteger(entry[0]) || typeof entry[1] !== 'string') {
      throw new StateError(file, `bad owners entry ${JSON.stringify(entry)}`);
    }
    out.set(Number(entry[0]), String(entry[1]));
  }
  return out;
}

function readSessions(file: string, sessions: unknown): SessionRecord[] {
  if (!Array.isArray(sessions)) throw new StateError(file, 'sessions is not a list');
  return sessions.map((s: unknown) => {
    const [id, principal, clientName, pids] = typeof s === 'object' && s !== null
      ? ['id', 'principal', 'clientName', 'pids'].map((key): unknown => Reflect.get(s, key)) : [];
    if (typeof id !== 'string' || typeof principal !== 'string' || typeof clientName !== 'string' || !Array.isArray(pids)
      || !pids.every((p) => Number.isInteger(p))) {
      throw new StateError(file, `bad session ${JSON.stringify(s)}`);
    }
    return { id, principal, clientName, pids: pids.map(Number) };
  });
}
