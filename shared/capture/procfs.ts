/**
 * Capture: reads live processes' address spaces from Linux's /proc into a Capture
 * (shared/capture/format.ts). Per process:
 *   /proc/PID/status   Name, Uid/Gid (effective), VmPTE (read before and after the page pass)
 *   /proc/PID/smaps    every VMA (its header line is the maps line: range, perms, offset,
 *                      device, inode, path) with KernelPageSize, ShmemPmdMapped, FilePmdMapped
 *                      and VmFlags. smaps is read instead of maps + smaps: one snapshot, not two.
 *   /proc/PID/pagemap  bit 63 present, bit 62 swapped, read in bulk: one pread per VMA, or per
 *                      chunk of `chunkPages` entries for big VMAs, folded into runs as it is read.
 *
 * A live process changes while it is read. The pass is repeated (at most `maxAttempts` times)
 * until VmPTE before and after it agree; with `stop`, the process is stopped (SIGSTOP, and SIGCONT
 * after) around the pass when this process may signal it. A process found stopped already (by a
 * debugger, a test) is left as it is. Processes that exit mid-capture, whose files cannot be read,
 * kernel threads and zombies are skipped with a note, never an exception. VMAs at or above the user
 * limit ([vsyscall]) are left out with a note on the process.
 *
 * Linux only, synchronous (the reads are /proc files, served from memory by the kernel).
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import os from 'node:os';
import type { GeometryName } from '../kernel/index.js';
import { geometry as geometryOf } from '../kernel/index.js';
import {
  CAPTURE_PAGE_SIZE, CAPTURE_VERSION, hexAddr, type Capture, type CapturedProcess, type CapturedVma, type Consistency,
  type PageRun,
} from './format.js';

export interface CaptureSelectors {
  pids?: number[];
  /** /proc/PID/comm equal to one of these. */
  comms?: string[];
  /** Effective uid equal to one of these. */
  uids?: number[];
}

export interface CaptureOptions {
  /** SIGSTOP the process around its page pass (SIGCONT after) when permitted. Default false. */
  stop?: boolean;
  /** Passes tried until VmPTE before and after agree (default 5). */
  maxAttempts?: number;
  /** Default '/proc'. */
  procRoot?: string;
  /** Default: x86_64-5level when /proc/cpuinfo shows la57, else x86_64-4level. */
  geometry?: GeometryName;
  /** pagemap entries per pread (default 131072: 1 MiB, 512 MiB of address space). */
  chunkPages?: number;
  /** Called once per selected process as it is captured or skipped. */
  onProcess?: (pid: number, outcome: CapturedProcess | string) => void;
}

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_CHUNK_PAGES = 128 * 1024;
/** How long SIGSTOP may take to show as state T, ms; then the pass runs without the stop. */
const STOP_WAIT_MS = 2_000;
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Why a process is not captured: becomes a note. */
class Skip extends Error {}

/** The geometry of this machine's paging. */
export function detectGeometry(procRoot = '/proc'): GeometryName {
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync(`${procRoot}/cpuinfo`, 'utf8'))?.[1] ?? '';
    return flags.split(/\s+/).includes('la57') ? 'x86_64-5level' : 'x86_64-4level';
  } catch {
    return 'x86_64-4level';
  }
}

/** The union of the selectors: explicit pids (kept even when gone, to be noted), then matches. */
export function selectPids(selectors: CaptureSelectors, procRoot = '/proc'): number[] {
  const picked = new Set<number>(selectors.pids ?? []);
  const comms = new Set(selectors.comms ?? []);
  const uids = new Set(selectors.uids ?? []);
  if (comms.size > 0 || uids.size > 0) {
    for (const name of readdirSync(procRoot)) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      try {
        if (comms.size > 0 && comms.has(readFileSync(`${procRoot}/${pid}/comm`, 'utf8').replace(/\n$/, ''))) {
          picked.add(pid);
          continue;
        }
        if (uids.size > 0) {
          const st = parseStatus(readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
          if (uids.has(st.uid)) picked.add(pid);
        }
      } catch {
        // exited while listed: not selected
      }
    }
  }
  return [...picked].sort((a, b) => a - b);
}

/** Captures the selected processes. Never throws for a process: a failure is a note. */
export function captureProcesses(selectors: CaptureSelectors, options: CaptureOptions = {}): Capture {
  if (process.platform !== 'linux') throw new Error('capture reads /proc: it runs on Linux only');
  const procRoot = options.procRoot ?? '/proc';
  const geometry = options.geometry ?? detectGeometry(procRoot);
  const notes: string[] = [];
  const processes: CapturedProcess[] = [];
  for (const pid of selectPids(selectors, procRoot)) {
    const outcome = captureProcess(pid, { ...options, procRoot, geometry });
    if (typeof outcome === 'string') notes.push(`pid ${pid} skipped: ${outcome}`);
    else processes.push(outcome);
    options.onProcess?.(pid, outcome);
  }
  return {
    version: CAPTURE_VERSION,
    geometry,
    pageSize: CAPTURE_PAGE_SIZE,
    capturedAtMs: Date.now(),
    host: os.hostname(),
    kernel: os.release(),
    notes,
    processes,
  };
}

/** One process, or the reason it was skipped. */
export function captureProcess(pid: number, options: CaptureOptions = {}): CapturedProcess | string {
  const procRoot = options.procRoot ?? '/proc';
  const dir = `${procRoot}/${pid}`;
  if (pid === process.pid) return 'it is the capturing process itself';
  let weStopped = false;
  let statusText: string;
  try {
    statusText = read(dir, 'status');
  } catch (err) {
    return errCode(err) === 'ENOENT' ? 'no such process (not running, or exited before its turn)' : `not readable (${errCode(err)})`;
  }
  try {
    const status = parseStatus(statusText);
    if (status.state === 'Z') return 'zombie (no address space)';
    if (status.kthread || status.vmpteKiB === undefined) return 'kernel thread (no address space)';
    const notes: string[] = [];
    if (options.stop && status.state !== 'T' && status.state !== 't') {
      try {
        process.kill(pid, 'SIGSTOP');
        weStopped = true;
      } catch (err) {
        notes.push(`not stopped (${errCode(err)}): VmPTE read before and after the pass instead`);
      }
      if (weStopped && !waitStopped(dir)) {
        notes.push(`not shown stopped within ${STOP_WAIT_MS} ms of SIGSTOP: VmPTE read before and after the pass instead`);
      }
    }
    return capture(pid, dir, notes, options);
  } catch (err) {
    if (err instanceof Skip) return err.message;
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ESRCH' || !exists(dir)) return 'exited during capture';
    if (code === 'EACCES' || code === 'EPERM') return `not readable (${code}: ${(err as Error).message})`;
    return `capture failed: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    if (weStopped) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // exited while stopped
      }
    }
  }
}

function capture(pid: number, dir: string, notes: string[], options: CaptureOptions): CapturedProcess {
  const limit = geometryOf(options.geometry ?? 'x86_64-4level').userLimitPages;
  const maxAttempts = Math.max(1, Math.min(options.maxAttempts ?? DEFAULT_ATTEMPTS, 100));
  const chunkPages = Math.max(512, Math.min(options.chunkPages ?? DEFAULT_CHUNK_PAGES, 1 << 22));
  const buf = Buffer.allocUnsafeSlow(chunkPages * 8);
  let status: Status;
  let vmas: CapturedVma[] = [];
  let skipped: string[] = [];
  let consistency: Consistency = 'changed';
  let attempts = 0;
  let before = 0;
  let after = 0;
  while (attempts < maxAttempts) {
    attempts++;
    status = parseStatus(read(dir, 'status'));
    if (status.vmpteKiB === undefined) throw new Skip('exited during capture');
    before = status.vmpteKiB;
    ({ vmas, skipped } = readVmas(read(dir, 'smaps'), limit));
    const fd = open(dir, 'pagemap');
    try {
      for (const v of vmas) v.runs = readRuns(fd, v, buf, chunkPages);
    } finally {
      closeSync(fd);
    }
    const end = parseStatus(read(dir, 'status'));
    if (end.vmpteKiB === undefined) throw new Skip('exited during capture');
    after = end.vmpteKiB;
    if (after === before) {
      const still = (s: string) => s === 'T' || s === 't';
      consistency = still(status.state) && still(end.state) ? 'stopped' : 'agreed';
      break;
    }
  }
  if (consistency === 'changed') {
    notes.push(`VmPTE changed during each of ${attempts} passes (last: ${before} kB before, ${after} kB after): the last pass is kept`);
  }
  const last = status!;
  return {
    pid,
    comm: last.name,
    uid: last.uid,
    gid: last.gid,
    vmpteBytes: after * 1024,
    consistency,
    attempts,
    notes: [...skipped, ...notes],
    vmas,
  };
}

interface Status {
  name: string;
  state: string;
  uid: number;
  gid: number;
  vmpteKiB: number | undefined;
  kthread: boolean;
}

export function parseStatus(text: string): Status {
  const field = (key: string): string | undefined => new RegExp(`^${key}:[ \\t]*(.*)$`, 'm').exec(text)?.[1].trim();
  const ids = (key: string): number => Number((field(key) ?? '').split(/\s+/)[1] ?? NaN);
  const vmpte = field('VmPTE');
  return {
    name: field('Name') ?? '',
    state: (field('State') ?? '?')[0],
    uid: ids('Uid'),
    gid: ids('Gid'),
    vmpteKiB: vmpte === undefined ? undefined : Number(vmpte.replace(/\s*kB$/, '')),
    kthread: field('Kthread') === '1',
  };
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) ([-r])([-w])([-x])([sp]) ([0-9a-f]+) ([0-9a-f]+):([0-9a-f]+) (\d+) *(.*)$/;

/**
 * The VMAs of an smaps text (runs empty). Those reaching the user limit are left out, with a note
 * each.
 */
export function readVmas(smaps: string, limitPages: number): { vmas: CapturedVma[]; skipped: string[] } {
  const vmas: CapturedVma[] = [];
  const skipped: string[] = [];
  let cur: CapturedVma | null = null;
  let shmemPmd = 0;
  let filePmd = 0;
  const flush = () => {
    if (cur === null) return;
    cur.pmdMappedBytes = (shmemPmd + filePmd) * 1024;
    if (cur.endPage > limitPages) {
      skipped.push(`${cur.path || 'VMA'} at ${hexAddr(cur.startPage)} is at or above the user address limit: skipped`);
    } else {
      vmas.push(cur);
    }
    cur = null;
  };
  for (const line of smaps.split('\n')) {
    if (line === '') continue;
    const c = line.charCodeAt(0);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) {
      const m = HEADER.exec(line);
      if (!m) throw new Error(`unexpected smaps line: ${line}`);
      flush();
      shmemPmd = 0;
      filePmd = 0;
      cur = {
        startPage: Number(BigInt(`0x${m[1]}`) >> 12n),
        endPage: Number(BigInt(`0x${m[2]}`) >> 12n),
        prot: (m[3] === 'r' ? 1 : 0) | (m[4] === 'w' ? 2 : 0) | (m[5] === 'x' ? 4 : 0),
        shared: m[6] === 's',
        vmFlags: [],
        kernelPageSize: CAPTURE_PAGE_SIZE,
        pmdMappedBytes: 0,
        offset: BigInt(`0x${m[7]}`),
        devMajor: parseInt(m[8], 16),
        devMinor: parseInt(m[9], 16),
        inode: BigInt(m[10]),
        path: m[11],
        runs: [],
      };
      continue;
    }
    if (cur === null) continue;
    const colon = line.indexOf(':');
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'VmFlags') cur.vmFlags = value.split(/\s+/).filter((f) => f !== '');
    else if (key === 'KernelPageSize') cur.kernelPageSize = kib(value) * 1024;
    else if (key === 'ShmemPmdMapped') shmemPmd = kib(value);
    else if (key === 'FilePmdMapped') filePmd = kib(value);
  }
  flush();
  return { vmas, skipped };
}

/**
 * The present (bit 63) and swapped (bit 62) pages of a VMA as runs, from pagemap read one chunk
 * per pread. Entries are native-endian u64; only their high word is looked at.
 */
export function readRuns(fd: number, v: CapturedVma, buf: Buffer, chunkPages: number): PageRun[] {
  const runs: PageRun[] = [];
  const words = new Uint32Array(buf.buffer, buf.byteOffset, chunkPages * 2);
  const hiOffset = LITTLE_ENDIAN ? 1 : 0;
  let runState = 0; // 0 none, 1 swapped, 2 present
  let runStart = 0;
  const total = v.endPage - v.startPage;
  for (let done = 0; done < total;) {
    const n = Math.min(chunkPages, total - done);
    const got = readSync(fd, buf, 0, n * 8, (v.startPage + done) * 8);
    if (got !== n * 8) throw new Skip(`pagemap read of ${hexAddr(v.startPage + done)} returned ${got} of ${n * 8} bytes (exited?)`);
    for (let i = 0; i < n; i++) {
      const hi = words[2 * i + hiOffset];
      // bit 31 of the high word is bit 63 (present), bit 30 is bit 62 (swapped)
      const state = hi < 0x40000000 ? 0 : hi >= 0x80000000 ? 2 : 1;
      if (state !== runState) {
        const at = done + i;
        if (runState !== 0) runs.push({ offset: runStart, length: at - runStart, swapped: runState === 1 });
        runState = state;
        runStart = at;
      }
    }
    done += n;
  }
  if (runState !== 0) runs.push({ offset: runStart, length: total - runStart, swapped: runState === 1 });
  return runs;
}

function kib(value: string): number {
  const n = Number(value.replace(/\s*kB$/, ''));
  if (!Number.isSafeInteger(n)) throw new Error(`unexpected smaps value '${value}'`);
  return n;
}

function read(dir: string, file: string): string {
  return readFileSync(`${dir}/${file}`, 'utf8');
}

function open(dir: string, file: string): number {
  return openSync(`${dir}/${file}`, 'r');
}

function exists(dir: string): boolean {
  try {
    readFileSync(`${dir}/stat`);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) for state T after SIGSTOP: signals are delivered on the way back to user mode. */
function waitStopped(dir: string): boolean {
  const deadline = Date.now() + STOP_WAIT_MS;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline) {
    if (parseStatus(read(dir, 'status')).state === 'T') return true;
    Atomics.wait(cell, 0, 0, 1);
  }
  return false;
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'error';
}
