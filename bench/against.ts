/**
 * `npm run bench -- --against REV`: the core figures of this tree's kernel against another
 * revision's, measured in one process with rounds alternating (bench/core-against.ts). REV's
 * kernel is extracted with `git archive` into a temporary directory, removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killChildren, ROOT, runChildJson, type Figure } from './lib.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** REV as a full commit id, or an error that names it. */
export function resolveRevision(rev: string): string {
  if (!/^[\w./^~@{}-]+$/.test(rev) || rev.startsWith('-')) throw new Error(`--against: '${rev}' is not a revision name`);
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    throw new Error(`--against: '${rev}' is not a commit of this repository (git rev-parse found none)`);
  }
}

/**
 * The kernel of `commit` where tsx loads it as this tree's: its `shared/`, package.json and
 * tsconfig.json in a new temporary directory (the caller removes it), node_modules linked.
 */
export function extractRevision(commit: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mshare-against-'));
  try {
    const tar = execFileSync('git', ['archive', '--format=tar', commit, 'shared', 'package.json', 'tsconfig.json'], { cwd: ROOT, maxBuffer: 256 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    return dir;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The comparison; `commit` from resolveRevision (main.ts checks it before any section runs). */
export async function runAgainst(rev: string, commit: string, log: (line: string) => void): Promise<Figure[]> {
  const dir = extractRevision(commit);
  // Also when the bench's watchdog (exit) or Ctrl-C / a kill (a signal, raised again once the
  // directory is gone) ends the process before the child does.
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    killChildren();
    remove();
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  };
  process.once('exit', remove);
  for (const s of SIGNALS) process.once(s, onSignal);
  try {
    log(`against: this tree's kernel and ${rev} (${commit.slice(0, 12)})'s, in one process, rounds alternating (about 2 minutes)`);
    return await runChildJson<Figure[]>('bench/core-against.ts', { nodeArgs: ['--expose-gc'], args: [dir, rev], timeoutMs: 600_000 });
  } finally {
    process.removeListener('exit', remove);
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    remove();
  }
}
