/**
 * What the benchmark's parts share: statistics, child processes, figures. Nothing here measures
 * anything. Addresses come from shared/addresses.ts, as the worker's do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { mulberry32 } from '../shared/random.js';

export { mulberry32 };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const GIB = 2 ** 30;
export const MIB = 2 ** 20;
export const PAGE = 4096;
/** The field case's SGA: 300 GiB = 78,643,200 pages. */
export const SGA_BYTES = 300 * GIB;
export const SGA_PAGES = SGA_BYTES / PAGE;
/** The SGA's address: 1 TiB, a multiple of PGDIR_SIZE (512 GiB) as mshare requires. */
export const SGA_ADDR = 2n ** 40n;
export const SGA_FIRST_PAGE = Number(SGA_ADDR >> 12n);

/** One figure of the report: a value, its unit, and where it has one, a target and a verdict. */
export interface Figure {
  /** The bench section that measured it (bench/main.ts SECTIONS). */
  section: string;
  name: string;
  value: number;
  unit: string;
  /** Free text: the reference, ratio, spread or method. */
  note?: string;
  target?: { op: '>=' | '<'; limit: number; unit: string };
  met?: boolean;
  /** Extra numbers kept in the JSON (rounds, percentiles). */
  detail?: Record<string, unknown>;
}

export function judge(f: Figure): Figure {
  if (!f.target) return f;
  const met = f.target.op === '>=' ? f.value >= f.target.limit : f.value < f.target.limit;
  return { ...f, met };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(xs: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank];
}

/** VmHWM (peak resident set) and VmRSS of a live process, bytes (Linux /proc). */
export function procMemory(pid: number): { hwm: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** SIGTERM to the child's pid, SIGKILL 5 s later if it is still there; resolves once it exited. */
  stop(): Promise<void>;
}

/** Pids of the children still running, for the watchdog. */
const live = new Set<number>();

/** The watchdog's last resort: SIGKILL to every child this process started and that still runs. */
export function killChildren(): void {
  for (const pid of live) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

function track(proc: ChildProcess): void {
  if (proc.pid === undefined) return;
  const pid = proc.pid;
  live.add(pid);
  proc.once('exit', () => live.delete(pid));
}

/** `node NODEARGS --import tsx FILE ARGS` in the repository, stdout piped, tracked for the watchdog. */
function spawnTsx(file: string, opts: { nodeArgs?: string[]; args?: string[]; env?: Record<string, string> }): { proc: ChildProcess & { stdout: Readable }; pid: number } {
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', path.join(ROOT, file), ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`${file}: spawn failed`);
  track(proc);
  return { proc, pid };
}

/**
 * Starts a TypeScript entry point as `node --import tsx FILE` (not through the tsx CLI, which
 * would put a second process between us and the one we measure), and waits until `ready` finds
 * what it needs in a stdout line. Bounded by timeoutMs. stop() sends SIGTERM to that pid, then
 * SIGKILL after 5 s.
 */
export async function startChild<T>(file: string, opts: {
  env?: Record<string, string>;
  nodeArgs?: string[];
  ready: (line: string) => T | undefined;
  timeoutMs?: number;
}): Promise<Child & { value: T }> {
  const { proc, pid } = spawnTsx(file, opts);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 5_000);
    await exited;
    clearTimeout(timer);
  };
  const lines = createInterface({ input: proc.stdout! });
  try {
    const value = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file}: not ready after ${opts.timeoutMs ?? 20_000} ms`)), opts.timeoutMs ?? 20_000);
      proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${file}: exited (${code}) before it was ready`)); });
      lines.on('line', (line) => {
        const v = opts.ready(line);
        if (v !== undefined) { clearTimeout(timer); resolve(v); }
      });
    });
    lines.removeAllListeners('line');
    lines.on('line', () => {}); // keep draining stdout so the child never blocks on it
    return { proc, pid, stop, value };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface RunOptions {
  nodeArgs?: string[];
  args?: string[];
  env?: Record<string, string>;
  timeoutMs: number;
  /** Called every pollMs while the child runs, with its pid (a reading of /proc: CPU, peak memory). */
  poll?: (pid: number) => void;
  pollMs?: number;
}

/**
 * Runs a TypeScript entry point (`node --import tsx FILE ARGS`) to its exit: its stdout and its
 * wall time from spawn to exit. Killed after timeoutMs; an exit status other than 0 is an error.
 */
function runChild(file: string, opts: RunOptions): Promise<{ wall: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const { proc, pid } = spawnTsx(file, opts);
    const { poll } = opts;
    const poller = poll === undefined ? undefined : setInterval(() => poll(pid), opts.pollMs ?? 100);
    const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, opts.timeoutMs);
    let stdout = '';
    proc.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    proc.once('exit', (code, signal) => {
      const wall = (performance.now() - t0) / 1000;
      clearInterval(poller);
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${[file, ...(opts.args ?? [])].join(' ')}: exit ${code ?? signal}`));
      resolve({ wall, stdout });
    });
  });
}

/** Runs a TypeScript entry point to completion and parses the last stdout line as JSON. */
export async function runChildJson<T>(file: string, opts: RunOptions): Promise<T> {
  const { stdout } = await runChild(file, opts);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;
}

/**
 * `npm start -- ARGS --json --quiet` as a user runs it (services/loadtest/main.ts), as a child
 * process to its exit: its wall time from spawn to exit and its parsed JSON report (the whole of
 * stdout: --json prints it indented).
 */
export async function runLoadtestJson<T>(args: string[], opts: Omit<RunOptions, 'args' | 'nodeArgs'>): Promise<{ wall: number; report: T }> {
  const { wall, stdout } = await runChild('services/loadtest/main.ts', { ...opts, args: [...args, '--json', '--quiet'] });
  return { wall, report: JSON.parse(stdout) as T };
}

export const fmt = (n: number, digits = 3): string => {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toPrecision(digits)} M`;
  if (a >= 1e4) return `${(n / 1e3).toPrecision(digits)} k`;
  return n.toPrecision(digits);
};
