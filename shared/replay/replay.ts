/**
 * Replay: a capture (shared/capture/format.ts) into a simulated kernel, through the broker's RPCs
 * or in process (shared/replay/target.ts), and the captured VmPTE of each process beside the
 * simulated one.
 *
 * Two steps, so a sharing scheme can later rewrite the middle (issue 11, part 3):
 *   planReplay(capture, geometry)  pure: validates the whole capture, then lists per process the
 *                                  mmap calls (MAP_FIXED at the captured address, captured prot
 *                                  and flags, file mappings named "major:minor:inode") and the
 *                                  pages to touch, which processes the exact check leaves out and
 *                                  why, and the sharing candidates. Nothing is sent.
 *   executePlan(plan, target)      spawns, maps, touches, reads ProcStatus; returns the report.
 * A scheme is a function ReplayPlan -> ReplayPlan over the candidates' mappings (an mshare scheme
 * moves them to a PGDIR-aligned window and adds the mshare calls; ptshare/hugetlb keep them in
 * place); every other mapping is replayed as captured.
 *
 * What the simulator cannot reproduce is reported, not hidden: hugetlb VMAs (no huge pages in the
 * simulator yet) are mapped but not touched, and their process is left out of the exact check;
 * likewise PMD-mapped shmem/file THP, and processes whose VmPTE changed during the capture. Their
 * captured and simulated VmPTE are still reported side by side.
 */
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_READ, geometry as geometryOf, type GeometryName,
} from '../kernel/index.js';
import {
  CaptureError, capturedPages, devInode, isHugetlb, processLabel, validateCapture, vmaLabel,
  type Capture, type PageRun,
} from '../capture/format.js';
import { findCandidates, type Candidate } from './candidates.js';
import { linuxRuleVmpte } from './linux-rule.js';
import type { ReplayCounts, ReplayTarget } from './target.js';

const PAGE_SHIFT = 12n;

export interface ReplayMapping {
  /** The VMA's index in its captured process. */
  vmaIndex: number;
  label: string;
  addr: bigint;
  length: bigint;
  prot: number;
  flags: number;
  /** '' for anonymous memory, else "major:minor:inode" (the device and inode as in maps). */
  file: string;
  /** File offset in bytes; not sent until MmapRequest has an offset field (see ReplayTarget.mmap). */
  offset: bigint;
  /** Pages to touch, relative to addr; empty for a mapping not touched (hugetlb). */
  runs: PageRun[];
  /** The sharing candidate (Candidate.key) this mapping belongs to, if any. */
  candidate?: string;
}

export interface ReplayProcessPlan {
  index: number;
  pid: number;
  comm: string;
  uid: number;
  gid: number;
  capturedVmpteBytes: number;
  /** VmPTE by Linux's rule from the captured pages (linux-rule.ts); null when it cannot be known. */
  ruleVmpteBytes: number | null;
  mappings: ReplayMapping[];
  /** Why this process's VmPTE cannot be expected to match; empty = in the exact check. */
  leftOut: string[];
  /** What was left out or changed in replaying it (VMAs above the user limit, PROT_NONE ...). */
  notes: string[];
}

export interface ReplayPlan {
  geometry: GeometryName;
  processes: ReplayProcessPlan[];
  candidates: Candidate[];
  notes: string[];
}

export interface ReplayOptions {
  /** The geometry to validate against when the target cannot say (no geometry()); default the capture's. */
  geometry?: GeometryName;
  /** Exit the replayed processes at the end (they stay in the broker otherwise). */
  exitWhenDone?: boolean;
  /** Processes replayed at once (default 4). */
  processConcurrency?: number;
  /** Calls in flight per process (default 32). */
  callWindow?: number;
  /**
   * Runs at least this long go as one Touch; shorter ones as addresses in AccessStream batches
   * (default 256: a Touch RPC costs about what 256 addresses in a batch do; a PostgreSQL backend's
   * runs in shared_buffers are mostly shorter).
   */
  longRunPages?: number;
  /** Addresses per AccessStream batch (default 32768, 256 KiB). */
  batchAddresses?: number;
  onProgress?: (line: string) => void;
}

export interface ProcessReplay {
  pid: number;
  comm: string;
  captured_vmpte_bytes: number;
  simulated_vmpte_bytes: number;
  /** Linux's rule applied to the captured pages (null when the capture cannot tell). */
  linux_rule_vmpte_bytes: number | null;
  /** The pid the simulator gave it. */
  simulated_pid: number;
  /** In the exact check: simulated must equal captured. */
  exact_check: boolean;
  matches: boolean;
  left_out: string[];
  notes: string[];
  vmas: number;
  captured_pages: number;
}

export interface ReplayReport {
  processes: ProcessReplay[];
  captured_vmpte_bytes: number;
  simulated_vmpte_bytes: number;
  /** The processes in the exact check. */
  exact: {
    processes: number;
    matched: number;
    left_out: number;
    captured_vmpte_bytes: number;
    simulated_vmpte_bytes: number;
    all_match: boolean;
  };
  notes: string[];
  candidates: Candidate[];
  geometry: GeometryName;
  capture: { host: string; kernel: string; captured_at: string };
  timing_ms: { replay: number };
}

/** A replay that failed after it started changing the target (validation errors are CaptureError). */
export class ReplayError extends Error {
  constructor(message: string, readonly record: { processIndex?: number; pid?: number; vmaIndex?: number } = {}) {
    super(message);
    this.name = 'ReplayError';
  }
}

/** Validates the whole capture against `geometry` and plans its replay. Pure. */
export function planReplay(capture: Capture, geometry: GeometryName = capture.geometry): ReplayPlan {
  validateCapture(capture);
  if (geometry !== capture.geometry) validateCapture(capture, geometry);
  const candidates = findCandidates(capture);
  const candidateOf = new Map<string, string>();
  for (const c of candidates) for (const m of c.mappings) candidateOf.set(`${m.process_index}/${m.vma_index}`, c.key);
  const notes = capture.notes.map((n) => `capture: ${n}`);
  let swapped = 0;
  const processes = capture.processes.map((p, pi): ReplayProcessPlan => {
    const label = processLabel(p, pi);
    const leftOut: string[] = [];
    const pnotes = [...p.notes];
    const rule = linuxRuleVmpte(p);
    if (p.consistency === 'changed') leftOut.push(`VmPTE changed during the capture (${p.attempts} passes)`);
    const hugetlb = p.vmas.filter(isHugetlb);
    if (hugetlb.length > 0) {
      const pages = hugetlb.reduce((n, v) => n + capturedPages(v), 0);
      leftOut.push(`hugetlb: ${hugetlb.length} VMA(s) with ${pages} present 4 KiB subpages; the simulator has no huge pages yet, so they are mapped but not touched`);
    }
    const pmd = p.vmas.filter((v) => v.pmdMappedBytes > 0 && !isHugetlb(v));
    if (pmd.length > 0) {
      const kb = pmd.reduce((n, v) => n + v.pmdMappedBytes / 1024, 0);
      leftOut.push(`PMD-mapped shmem/file THP: ${kb} kB in ${pmd.length} VMA(s) has no PTE table in Linux; the simulator maps it with PTEs`);
    }
    pnotes.push(...rule.caveats);
    const mappings = p.vmas.map((v, vi): ReplayMapping => {
      const vlabel = vmaLabel(v, vi);
      const anonymous = v.inode === 0n || v.path === '/dev/zero (deleted)';
      let prot = v.prot;
      const huge = isHugetlb(v);
      if (prot === 0 && v.runs.length > 0 && !huge) {
        prot = PROT_READ;
        pnotes.push(`${vlabel}: PROT_NONE with ${capturedPages(v)} captured pages, mapped PROT_READ so they can be touched (tables are the same)`);
      }
      const s = capturedPages(v, 'swapped');
      if (!huge) swapped += s;
      return {
        vmaIndex: vi,
        label: `${label}, ${vlabel}`,
        addr: BigInt(v.startPage) << PAGE_SHIFT,
        length: BigInt(v.endPage - v.startPage) << PAGE_SHIFT,
        prot,
        flags: MAP_FIXED | (v.shared ? MAP_SHARED : MAP_PRIVATE) | (anonymous ? MAP_ANONYMOUS : 0),
        file: anonymous ? '' : devInode(v),
        offset: v.offset,
        runs: huge ? [] : v.runs,
        candidate: candidateOf.get(`${pi}/${vi}`),
      };
    });
    return {
      index: pi,
      pid: p.pid,
      comm: p.comm,
      uid: p.uid,
      gid: p.gid,
      capturedVmpteBytes: p.vmpteBytes,
      ruleVmpteBytes: rule.vmpteBytes,
      mappings,
      leftOut,
      notes: pnotes,
    };
  });
  if (swapped > 0) notes.push(`${swapped} swapped pages replayed as present: the simulator has no swap, and a swap entry needs the same tables`);
  return { geometry, processes, candidates, notes };
}

/**
 * Validates, then replays: nothing in the target changes when the capture is refused (the only
 * call before validation ends is the read-only geometry()).
 */
export async function replayCapture(capture: Capture, target: ReplayTarget, options: ReplayOptions = {}): Promise<ReplayReport> {
  validateCapture(capture);
  let geometry = options.geometry ?? capture.geometry;
  if (target.geometry) {
    const g = await target.geometry();
    const known = geometryOf(g.name);
    if (known.userLimitBytes !== g.userAddressLimit) {
      throw new ReplayError(`the target's geometry ${g.name} has user limit 0x${g.userAddressLimit.toString(16)}, not 0x${known.userLimitBytes.toString(16)}`);
    }
    geometry = known.name;
  }
  return executePlan(planReplay(capture, geometry), target, options, capture);
}

export async function executePlan(
  plan: ReplayPlan, target: ReplayTarget, options: ReplayOptions = {}, capture?: Capture,
): Promise<ReplayReport> {
  const started = performance.now();
  const window = clamp(options.callWindow ?? 32, 1, 1024);
  const longRun = clamp(options.longRunPages ?? 256, 1, 2 ** 40);
  const batchSize = clamp(options.batchAddresses ?? 32768, 1, 1 << 20);
  const progress = options.onProgress ?? (() => {});
  const spawned: number[] = [];
  const results: { plan: ReplayProcessPlan; pid: number; vmpte: number }[] = [];
  const stream = target.accessStream();
  let streamOpen = true;
  try {
    await windowed(plan.processes, clamp(options.processConcurrency ?? 4, 1, 64), async (p) => {
      const pid = await target.spawn({ uid: p.uid, gid: p.gid, comm: p.comm });
      spawned.push(pid);
      const fail = (m: ReplayMapping | undefined, msg: string): never => {
        throw new ReplayError(`replay failed: ${m ? m.label : processLabel(p, p.index)}: ${msg}`, {
          processIndex: p.index, pid: p.pid, vmaIndex: m?.vmaIndex,
        });
      };
      await windowed(p.mappings, window, async (m) => {
        let got: bigint;
        try {
          got = await target.mmap(pid, m.addr, m.length, m.prot, m.flags, m.file);
        } catch (err) {
          return fail(m, `mmap: ${(err as Error).message}`);
        }
        if (got !== m.addr) fail(m, `mmap placed it at 0x${got.toString(16)}`);
      });
      const jobs: (() => Promise<void>)[] = [];
      const check = (m: ReplayMapping | undefined, c: ReplayCounts, expected: number) => {
        if (c.sigsegv !== 0 || c.sigbus !== 0 || c.present + c.minorFault !== expected) {
          fail(m, `touching ${expected} captured pages gave ${c.present} present, ${c.minorFault} minor faults, ${c.sigsegv} SIGSEGV, ${c.sigbus} SIGBUS`);
        }
      };
      let batch = new BigUint64Array(batchSize);
      let filled = 0;
      const flush = () => {
        if (filled === 0) return;
        const addrs = batch.subarray(0, filled);
        const n = filled;
        jobs.push(async () => check(undefined, await stream.batch(pid, 'read', addrs), n));
        batch = new BigUint64Array(batchSize);
        filled = 0;
      };
      for (const m of p.mappings) {
        for (const r of m.runs) {
          const addr = m.addr + (BigInt(r.offset) << PAGE_SHIFT);
          if (r.length >= longRun) {
            const len = BigInt(r.length) << PAGE_SHIFT;
            jobs.push(async () => check(m, await target.touch(pid, addr, len, 'read'), r.length));
            continue;
          }
          for (let i = 0; i < r.length; i++) {
            batch[filled++] = addr + (BigInt(i) << PAGE_SHIFT);
            if (filled === batchSize) flush();
          }
        }
      }
      flush();
      await windowed(jobs, window, (job) => job());
      const status = await target.procStatus(pid);
      results.push({ plan: p, pid, vmpte: status.vmpteBytes });
      progress(`${processLabel(p, p.index)}: captured VmPTE ${p.capturedVmpteBytes} B, simulated ${status.vmpteBytes} B`);
    });
    streamOpen = false;
    await stream.close();
    if (options.exitWhenDone && target.exit) for (const pid of spawned) await target.exit(pid);
  } catch (err) {
    if (streamOpen) await stream.close().catch(() => {});
    if (target.exit) for (const pid of spawned) await target.exit(pid).catch(() => {});
    if (err instanceof ReplayError || err instanceof CaptureError) throw err;
    throw new ReplayError(`replay failed: ${(err as Error).message ?? String(err)}`);
  }
  return report(plan, results, performance.now() - started, capture);
}

function report(
  plan: ReplayPlan, results: { plan: ReplayProcessPlan; pid: number; vmpte: number }[], ms: number, capture?: Capture,
): ReplayReport {
  const byIndex = new Map(results.map((r) => [r.plan.index, r]));
  const processes = plan.processes.map((p): ProcessReplay => {
    const r = byIndex.get(p.index) as { pid: number; vmpte: number };
    return {
      pid: p.pid,
      comm: p.comm,
      captured_vmpte_bytes: p.capturedVmpteBytes,
      simulated_vmpte_bytes: r.vmpte,
      linux_rule_vmpte_bytes: p.ruleVmpteBytes,
      simulated_pid: r.pid,
      exact_check: p.leftOut.length === 0,
      matches: r.vmpte === p.capturedVmpteBytes,
      left_out: p.leftOut,
      notes: p.notes,
      vmas: p.mappings.length,
      captured_pages: p.mappings.reduce((n, m) => n + m.runs.reduce((k, run) => k + run.length, 0), 0),
    };
  });
  const checked = processes.filter((p) => p.exact_check);
  const sum = (list: ProcessReplay[], k: 'captured_vmpte_bytes' | 'simulated_vmpte_bytes') => list.reduce((n, p) => n + p[k], 0);
  // A note many processes share (forked ones: [vsyscall], the same PROT_NONE VMA) is said once.
  const shared = new Map<string, number[]>();
  for (const p of plan.processes) {
    for (const n of p.notes) shared.set(n, [...(shared.get(n) ?? []), p.pid]);
  }
  const notes = [...plan.notes];
  for (const [n, pids] of shared) {
    notes.push(`${n} (${pids.length === 1 ? 'pid' : `${pids.length} processes: pids`} ${pids.length > 8 ? `${pids.slice(0, 8).join(', ')} ...` : pids.join(', ')})`);
  }
  for (const p of processes) {
    if (!p.exact_check) notes.push(`pid ${p.pid} ${p.comm}: left out of the exact check: ${p.left_out.join('; ')}`);
    else if (!p.matches) notes.push(`pid ${p.pid} ${p.comm}: MISMATCH: captured VmPTE ${p.captured_vmpte_bytes} B, simulated ${p.simulated_vmpte_bytes} B (${p.simulated_vmpte_bytes - p.captured_vmpte_bytes > 0 ? '+' : ''}${p.simulated_vmpte_bytes - p.captured_vmpte_bytes})`);
  }
  return {
    processes,
    captured_vmpte_bytes: sum(processes, 'captured_vmpte_bytes'),
    simulated_vmpte_bytes: sum(processes, 'simulated_vmpte_bytes'),
    exact: {
      processes: checked.length,
      matched: checked.filter((p) => p.matches).length,
      left_out: processes.length - checked.length,
      captured_vmpte_bytes: sum(checked, 'captured_vmpte_bytes'),
      simulated_vmpte_bytes: sum(checked, 'simulated_vmpte_bytes'),
      all_match: checked.every((p) => p.matches),
    },
    notes,
    candidates: plan.candidates,
    geometry: plan.geometry,
    capture: {
      host: capture?.host ?? '',
      kernel: capture?.kernel ?? '',
      captured_at: capture ? new Date(capture.capturedAtMs).toISOString() : '',
    },
    timing_ms: { replay: Math.round(ms) },
  };
}

/** Runs fn over items with at most `width` in flight; the first failure stops new starts and is thrown. */
async function windowed<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure !== undefined) throw failure.err;
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.floor(n))) : lo;
}
