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
 * hugetlb VMAs are mapped MAP_HUGETLB with their page size (2 MiB or 1 GiB) and touched once per
 * huge page, so their tables are Linux's (a PMD entry per 2 MiB page, shared PMD tables counted by
 * each sharer). What the simulator cannot reproduce is reported, not hidden: PMD-mapped shmem/file
 * THP (where the huge PMDs are is not in pagemap) and processes whose VmPTE changed during the
 * capture are left out of the exact check, their captured and simulated VmPTE still side by side.
 */
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_HUGETLB, MAP_HUGE_1GB, MAP_HUGE_2MB, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_RDWR, PROT_READ,
  geometry as geometryOf, type GeometryName,
} from '../kernel/index.js';
import {
  CaptureError, HUGE_1G, capturedPages, devInode, isHugetlb, processLabel, validateCapture, vmaLabel,
  type Capture, type CapturedVma, type PageRun,
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
  /** File offset in bytes (MmapRequest.offset). */
  offset: bigint;
  /** Pages to touch, relative to addr (hugetlb: the first 4 KiB page of each huge page captured). */
  runs: PageRun[];
  /** The sharing candidate (Candidate.key) this mapping belongs to, if any. */
  candidate?: string;
  /**
   * The mshare region (ReplayWindow.name) this mapping is reached through in a scheme replay: its
   * process does not mmap it (the region's creator maps the object); addr is in the window.
   */
  window?: string;
}

/**
 * An mshare region of a scheme replay (shared/replay/whatif.ts): one sharing candidate, mapped by
 * its creator at `object`, mshare()d at [addr, addr + length) with O_CREAT, attached by the others.
 */
export interface ReplayWindow {
  name: string;
  candidate: string;
  addr: bigint;
  length: bigint;
  object: { addr: bigint; length: bigint; prot: number; flags: number; file: string; offset: bigint };
  /** Process indexes: the creator first, then the attachers. */
  sharers: number[];
  /** Where the first sharer had the object mapped. */
  capturedAddr: bigint;
  /** The object is not at its captured address in every sharer. */
  moved: boolean;
}

export interface ReplayProcessPlan {
  index: number;
  pid: number;
  comm: string;
  uid: number;
  gid: number;
  capturedVmpteBytes: number;
  /** Present + swapped 4 KiB pages in the capture. */
  capturedPages: number;
  /** VmPTE by Linux's rule from the captured pages (linux-rule.ts); null when it cannot be known. */
  ruleVmpteBytes: number | null;
  mappings: ReplayMapping[];
  /**
   * Addresses accessed again after every touch of the process (a scheme replay's windows): see
   * whatif.ts, the retried access.
   */
  retouch: bigint[];
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
  /** mshare regions to create before the processes map and touch (a scheme replay's). */
  windows: ReplayWindow[];
}

export interface ReplayOptions {
  /** The geometry to validate against when the target cannot say (no geometry()); default the capture's. */
  geometry?: GeometryName;
  /** Exit the replayed processes at the end (they stay in the broker otherwise). */
  exitWhenDone?: boolean;
  /** Read the target's system accounting after the last process (ReplayReport.pagetable_bytes). */
  accounting?: boolean;
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
  /** The target's page-table memory after the replay (every table once, PGDs included), when asked. */
  pagetable_bytes?: number;
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
      if (prot === 0 && v.runs.length > 0) {
        prot = PROT_READ;
        pnotes.push(`${vlabel}: PROT_NONE with ${capturedPages(v)} captured pages, mapped PROT_READ so they can be touched (tables are the same)`);
      }
      if (!huge) swapped += capturedPages(v, 'swapped');
      return {
        vmaIndex: vi,
        label: `${label}, ${vlabel}`,
        addr: BigInt(v.startPage) << PAGE_SHIFT,
        length: BigInt(v.endPage - v.startPage) << PAGE_SHIFT,
        prot,
        flags: MAP_FIXED | (v.shared ? MAP_SHARED : MAP_PRIVATE) | (anonymous ? MAP_ANONYMOUS : 0) | hugeFlags(v),
        file: anonymous ? '' : devInode(v),
        offset: v.offset,
        runs: huge ? hugePageRuns(v.runs, v.kernelPageSize / 4096) : v.runs,
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
      capturedPages: p.vmas.reduce((n, v) => n + capturedPages(v), 0),
      ruleVmpteBytes: rule.vmpteBytes,
      mappings,
      retouch: [],
      leftOut,
      notes: pnotes,
    };
  });
  if (swapped > 0) notes.push(`${swapped} swapped pages replayed as present: the simulator has no swap, and a swap entry needs the same tables`);
  return { geometry, processes, candidates, notes, windows: [] };
}

/** MAP_HUGETLB with the page size of a hugetlb VMA, else 0. */
export function hugeFlags(v: CapturedVma): number {
  if (!isHugetlb(v)) return 0;
  return MAP_HUGETLB | (v.kernelPageSize === HUGE_1G ? MAP_HUGE_1GB : MAP_HUGE_2MB);
}

/**
 * The huge pages holding a captured page, as one-page runs at each huge page's first 4 KiB page
 * (pagemap marks every subpage of a present huge page; one touch faults the whole page in).
 */
export function hugePageRuns(runs: readonly PageRun[], unitPages: number): PageRun[] {
  const out: PageRun[] = [];
  for (const r of runs) {
    const first = Math.floor(r.offset / unitPages);
    const last = Math.floor((r.offset + r.length - 1) / unitPages);
    for (let h = first; h <= last; h++) {
      if (out.length > 0 && out[out.length - 1].offset === h * unitPages) continue;
      out.push({ offset: h * unitPages, length: 1, swapped: false });
    }
  }
  return out;
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
  let pagetableBytes: number | undefined;
  const fail = (p: ReplayProcessPlan, m: ReplayMapping | undefined, msg: string): never => {
    throw new ReplayError(`replay failed: ${m ? m.label : processLabel(p, p.index)}: ${msg}`, {
      processIndex: p.index, pid: p.pid, vmaIndex: m?.vmaIndex,
    });
  };
  const mmap = async (p: ReplayProcessPlan, pid: number, m: ReplayMapping | undefined, o: Omit<ReplayMapping, 'vmaIndex' | 'label' | 'runs'>) => {
    let got: bigint;
    try {
      got = await target.mmap(pid, o.addr, o.length, o.prot, o.flags, o.file, o.offset);
    } catch (err) {
      return fail(p, m, `mmap: ${(err as Error).message}`);
    }
    if (got !== o.addr) fail(p, m, `mmap placed it at 0x${got.toString(16)}`);
  };
  try {
    // Every process exists before any region does: a region's creator maps its object and
    // mshare()s it, then the others attach; their own mappings never fall in a window.
    const simPid = new Map<number, number>();
    const concurrency = clamp(options.processConcurrency ?? 4, 1, 64);
    await windowed(plan.processes, concurrency, async (p) => {
      const pid = await target.spawn({ uid: p.uid, gid: p.gid, comm: p.comm });
      spawned.push(pid);
      simPid.set(p.index, pid);
    });
    for (const w of plan.windows) {
      const creator = plan.processes[w.sharers[0]];
      if (target.mshare === undefined) fail(creator, undefined, `the target has no mshare call, needed for region ${w.name}`);
      await mmap(creator, simPid.get(creator.index) as number, undefined, w.object);
      for (const i of w.sharers) {
        const oflags = O_RDWR | (i === w.sharers[0] ? O_CREAT : 0);
        try {
          await target.mshare?.(simPid.get(i) as number, w.name, w.addr, w.length, oflags, 0o666);
        } catch (err) {
          fail(plan.processes[i], undefined, `mshare ${w.name} at 0x${w.addr.toString(16)}: ${(err as Error).message}`);
        }
      }
    }
    await windowed(plan.processes, concurrency, async (p) => {
      const pid = simPid.get(p.index) as number;
      await windowed(p.mappings.filter((m) => m.window === undefined), window, (m) => mmap(p, pid, m, m));
      const jobs: (() => Promise<void>)[] = [];
      const check = (m: ReplayMapping | undefined, c: ReplayCounts, expected: number) => {
        if (c.sigsegv !== 0 || c.sigbus !== 0 || c.present + c.minorFault !== expected) {
          fail(p, m, `touching ${expected} captured pages gave ${c.present} present, ${c.minorFault} minor faults, ${c.sigsegv} SIGSEGV, ${c.sigbus} SIGBUS`);
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
      if (p.retouch.length > 0) check(undefined, await stream.batch(pid, 'read', BigUint64Array.from(p.retouch)), p.retouch.length);
      const status = await target.procStatus(pid);
      results.push({ plan: p, pid, vmpte: status.vmpteBytes });
      progress(`${processLabel(p, p.index)}: captured VmPTE ${p.capturedVmpteBytes} B, simulated ${status.vmpteBytes} B`);
    });
    streamOpen = false;
    await stream.close();
    if (options.accounting && target.accounting) pagetableBytes = (await target.accounting()).pagetableBytes;
    if (options.exitWhenDone && target.exit) for (const pid of spawned) await target.exit(pid);
  } catch (err) {
    if (streamOpen) await stream.close().catch(() => {});
    if (target.exit) for (const pid of spawned) await target.exit(pid).catch(() => {});
    if (err instanceof ReplayError || err instanceof CaptureError) throw err;
    throw new ReplayError(`replay failed: ${(err as Error).message ?? String(err)}`);
  }
  const r = report(plan, results, performance.now() - started, capture);
  if (pagetableBytes !== undefined) r.pagetable_bytes = pagetableBytes;
  return r;
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
      captured_pages: p.capturedPages,
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
