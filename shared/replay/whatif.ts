/**
 * What if: a capture replayed under each sharing scheme (shared/kernel/schemes/), each in a fresh
 * simulated kernel running that scheme, beside the VmPTE Linux showed. Only the sharing candidates
 * (candidates.ts: MAP_SHARED mappings of one device:inode at one offset in several processes)
 * change; every other mapping is replayed as captured, at its address.
 *
 * What a scheme does to a candidate (schemePlan), from the Scheme's own fields:
 * - linking schemes (mshare: PGD entries; ptshare: PMD entries) make the candidate one mshare
 *   region: the first process that maps it maps the object and mshare()s it with O_CREAT, every
 *   other one attaches. The window is aligned to what one link entry spans (512 GiB on 4-level
 *   paging for mshare, 2 MiB for ptshare) and the object keeps its offset inside that span, so the
 *   tables below the link are those one process had. It stays at its captured address when that
 *   aligned window holds nothing else in any sharer; else it moves to the nearest aligned window
 *   free in every sharer (above, then below), and the report says so. For mshare that is the
 *   usual case: the 512 GiB below the stack holds the libraries too. Each process accesses the first
 *   page it touched in each link slot once more at the end: in the simulator the access that
 *   faults into an empty host slot leaves the process's link entry to the retried access, and
 *   every captured page was reached through the process's own entry.
 * - hugetlb, hugetlb-1g: each sharer maps the object itself, MAP_SHARED | MAP_HUGETLB with the
 *   scheme's page size, as one hugetlbfs file (named by its device:inode, so PMD tables are shared
 *   where Linux's huge_pmd_share would), widened to whole huge pages of the file. It stays at its
 *   address when that is aligned to the page size; else at the nearest aligned address free in
 *   that process, said in the report. Each captured page's huge page is touched.
 * - none, thp: the plan as captured; the kernel's scheme decides how shared memory is mapped
 *   (thp: every shared mapping by 2 MiB PMDs where it covers them, private anonymous THP).
 */
import { HUGETLB_1G, HUGETLB_2M, hugeUnit } from '../kernel/huge.js';
import {
  MAP_ANONYMOUS, MAP_HUGETLB, MAP_HUGE_1GB, MAP_HUGE_2MB, MAP_HUGE_MASK, MAP_HUGE_SHIFT, geometry as geometryOf, type Geometry, type GeometryName,
} from '../kernel/index.js';
import { SCHEMES, scheme as schemeOf, type Scheme } from '../kernel/schemes/index.js';
import { hexAddr, type Capture } from '../capture/format.js';
import type { Candidate } from './candidates.js';
import { ReplayError, executePlan, hugePageRuns, planReplay, type ReplayMapping, type ReplayOptions, type ReplayPlan, type ReplayProcessPlan } from './replay.js';
import { KernelTarget, type ReplayTarget } from './target.js';

const PAGE_SHIFT = 12n;
const page = (addr: bigint) => Number(addr >> PAGE_SHIFT);
const addrOf = (p: number) => BigInt(p) << PAGE_SHIFT;
const alignDown = (x: number, a: number) => x - (x % a);
const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

/** Where a candidate went in a scheme replay. */
export interface Placement {
  candidate: string;
  path: string;
  /** 'window': one mshare region; 'hugetlb': each sharer's own MAP_HUGETLB mapping. */
  how: 'window' | 'hugetlb';
  /** The pid whose mapping this is ('window': every sharer's). */
  pid: number | null;
  from: string;
  to: string;
  length_bytes: number;
  moved: boolean;
}

export interface SchemePlan {
  plan: ReplayPlan;
  placements: Placement[];
}

/** The replay plan of `capture` under scheme `name` (see the file comment). Pure. */
export function schemePlan(capture: Capture, name: string, geometry: GeometryName = capture.geometry): SchemePlan {
  const s = schemeOf(name);
  const plan = planReplay(capture, geometry);
  const g = geometryOf(geometry);
  if (s.linkLevel !== null) return { plan, placements: withWindows(plan, s, g) };
  if (s.windowKind === HUGETLB_2M || s.windowKind === HUGETLB_1G) return { plan, placements: withHugetlb(plan, s.windowKind, g) };
  return { plan, placements: [] };
}

/** The candidate's mappings, [process, mapping] in the capture's order. */
function mappingsOf(plan: ReplayPlan, c: Candidate): [ReplayProcessPlan, ReplayMapping][] {
  return c.mappings.map((m) => [plan.processes[m.process_index], plan.processes[m.process_index].mappings[m.vma_index]]);
}

/** [start, end) pages held in `procs` by anything but `skip`, sorted. */
function occupied(procs: readonly ReplayProcessPlan[], skip: (m: ReplayMapping) => boolean, extra: [number, number][] = []): [number, number][] {
  const out = [...extra];
  for (const p of procs) {
    for (const m of p.mappings) if (!skip(m) && m.window === undefined) out.push([page(m.addr), page(m.addr + m.length)]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * The `align`-aligned start nearest `want` (itself aligned) of `len` free pages: upward first, then
 * downward, below `limit` and above the first aligned unit; -1 when there is none.
 */
export function place(busy: readonly [number, number][], want: number, len: number, align: number, limit: number): number {
  const clash = (a: number) => busy.find(([s, e]) => s < a + len && a < e);
  for (let a = want; a + len <= limit;) {
    const c = clash(a);
    if (c === undefined) return a;
    a = alignUp(c[1], align);
  }
  for (let a = want - align; a >= align;) {
    const c = clash(a);
    if (c === undefined) return a;
    a = Math.min(a - align, alignDown(c[0] - len, align));
  }
  return -1;
}

function withWindows(plan: ReplayPlan, s: Scheme, g: Geometry): Placement[] {
  const link = g.entrySpanPages[s.linkLevel === 'top' ? g.levels : s.linkLevel as number];
  const placements: Placement[] = [];
  const windows: [number, number][] = [];
  for (const c of plan.candidates) {
    const list = mappingsOf(plan, c);
    const [, ref] = list[0];
    const hugeAlign = c.hugetlb ? hugeUnit(((ref.flags >>> MAP_HUGE_SHIFT) & MAP_HUGE_MASK) === 30 ? HUGETLB_1G : HUGETLB_2M) : 1;
    const align = Math.max(link, hugeAlign);
    const refStart = page(ref.addr);
    const inner = refStart % align;
    const len = Math.max(...list.map(([, m]) => page(m.length)));
    const windowLen = alignUp(inner + len, align);
    const sharers = [...new Set(list.map(([p]) => p))];
    const busy = occupied(sharers, (m) => m.candidate === c.key, windows);
    const w = place(busy, refStart - inner, windowLen, align, g.userLimitPages);
    if (w < 0) throw new ReplayError(`no ${windowLen * 4} KiB window aligned to ${align * 4} KiB is free in every process mapping ${c.path || c.key}`);
    windows.push([w, w + windowLen]);
    const objectAddr = addrOf(w + inner);
    const moved = list.some(([, m]) => m.addr !== objectAddr);
    const name = `replay:${c.key}`;
    plan.windows.push({
      name, candidate: c.key, addr: addrOf(w), length: addrOf(windowLen), sharers: sharers.map((p) => p.index),
      object: { addr: objectAddr, length: addrOf(len), prot: ref.prot, flags: ref.flags, file: ref.file, offset: ref.offset },
      capturedAddr: ref.addr, moved,
    });
    for (const [p, m] of list) {
      m.addr = objectAddr;
      m.window = name;
      // The access that faults into an empty host slot allocates the host's table there and leaves
      // this process's entry to the retried access (fault.ts); a captured page was reached through
      // the process's own tables, so each slot it touched is accessed once more, after the rest.
      const first = page(objectAddr);
      for (const r of m.runs) {
        for (let q = first + r.offset; q < first + r.offset + r.length; q = alignDown(q, link) + link) p.retouch.push(addrOf(q));
      }
    }
    placements.push({ candidate: c.key, path: c.path, how: 'window', pid: null, from: hexAddr(refStart), to: hexAddr(w + inner), length_bytes: len * 4096, moved });
  }
  return placements;
}

function withHugetlb(plan: ReplayPlan, kind: number, g: Geometry): Placement[] {
  const unit = hugeUnit(kind);
  const placements: Placement[] = [];
  for (const c of plan.candidates) {
    if (c.hugetlb) continue; // already hugetlb: replayed as captured
    for (const [p, m] of mappingsOf(plan, c)) {
      const start = page(m.addr);
      const off = page(m.offset);
      const fileStart = alignDown(off, unit);
      const delta = off - fileStart;
      const len = alignUp(off + page(m.length), unit) - fileStart;
      const want = start - delta;
      const at = place(occupied([p], (x) => x === m), alignDown(want, unit), len, unit, g.userLimitPages);
      if (at < 0) throw new ReplayError(`pid ${p.pid}: no ${len * 4} KiB range aligned to ${unit * 4} KiB is free for ${c.path || c.key}`);
      const runs = m.runs.map((r) => ({ ...r, offset: r.offset + delta }));
      m.runs = hugePageRuns(runs, unit);
      m.addr = addrOf(at);
      m.length = addrOf(len);
      m.offset = addrOf(fileStart);
      m.file = c.key.slice(0, c.key.lastIndexOf('@'));
      m.flags = (m.flags & ~MAP_ANONYMOUS) | MAP_HUGETLB | (kind === HUGETLB_1G ? MAP_HUGE_1GB : MAP_HUGE_2MB);
      placements.push({
        candidate: c.key, path: c.path, how: 'hugetlb', pid: p.pid, from: hexAddr(start), to: hexAddr(at + delta),
        length_bytes: len * 4096, moved: at + delta !== start,
      });
    }
  }
  return placements;
}

export interface WhatIfScheme {
  scheme: string;
  /** Whose rule the scheme is (Scheme.source). */
  source: string;
  /** Sum of every replayed process's VmPTE under the scheme. */
  vmpte_bytes: number;
  /** The simulated machine's page-table memory: every table once, host tables and PGDs included. */
  pagetable_bytes: number;
  processes: { pid: number; comm: string; captured_vmpte_bytes: number; vmpte_bytes: number }[];
  placements: Placement[];
  timing_ms: number;
}

export interface WhatIfReport {
  /** Sum of the captured VmPTE (what Linux showed). */
  captured_vmpte_bytes: number;
  candidates: number;
  schemes: WhatIfScheme[];
}

export interface WhatIfOptions {
  /** Scheme names (default: every scheme the kernel has, SCHEMES). */
  schemes?: readonly string[];
  /** Where each scheme's replay goes; default a fresh in-process kernel running it. */
  target?: (scheme: string) => ReplayTarget | Promise<ReplayTarget>;
  replay?: ReplayOptions;
}

/** Replays `capture` under each scheme; throws CaptureError when the capture is refused. */
export async function runWhatIf(capture: Capture, options: WhatIfOptions = {}): Promise<WhatIfReport> {
  const names = options.schemes ?? SCHEMES.map((s) => s.name);
  for (const n of names) schemeOf(n); // an unknown name: EINVAL before anything runs
  const targetFor = options.target ?? ((scheme: string) => new KernelTarget({ scheme, geometry: capture.geometry }));
  const schemes: WhatIfScheme[] = [];
  let candidates = 0;
  for (const name of names) {
    let r;
    const { plan, placements } = schemePlan(capture, name);
    candidates = plan.candidates.length;
    try {
      r = await executePlan(plan, await targetFor(name), { ...options.replay, accounting: true }, capture);
    } catch (err) {
      if (err instanceof ReplayError) throw new ReplayError(`what if ${name}: ${err.message}`, err.record);
      throw err;
    }
    schemes.push({
      scheme: name,
      source: schemeOf(name).source,
      vmpte_bytes: r.simulated_vmpte_bytes,
      pagetable_bytes: r.pagetable_bytes ?? 0,
      processes: r.processes.map((p) => ({ pid: p.pid, comm: p.comm, captured_vmpte_bytes: p.captured_vmpte_bytes, vmpte_bytes: p.simulated_vmpte_bytes })),
      placements,
      timing_ms: r.timing_ms.replay,
    });
  }
  return { captured_vmpte_bytes: capture.processes.reduce((n, p) => n + p.vmpteBytes, 0), candidates, schemes };
}

/** The what-if table, one row per scheme, and where each moved candidate went. */
export function formatWhatIf(r: WhatIfReport): string {
  const kb = (b: number) => `${(b / 1024).toLocaleString('en-US')} kB`;
  const diff = (b: number, base: number) => {
    const d = b - base;
    if (d === 0) return '0';
    return `${d > 0 ? '+' : '-'}${kb(Math.abs(d))} (${d > 0 ? '+' : ''}${((100 * d) / base).toFixed(1)}%)`;
  };
  const none = r.schemes.find((s) => s.scheme === 'none');
  const rows: string[][] = [['scheme', 'VmPTE, all processes', 'vs captured', 'page tables (system)', none ? 'vs none' : '']];
  rows.push(['captured', kb(r.captured_vmpte_bytes), '', '', '']);
  for (const s of r.schemes) {
    rows.push([s.scheme, kb(s.vmpte_bytes), diff(s.vmpte_bytes, r.captured_vmpte_bytes), kb(s.pagetable_bytes), none ? diff(s.pagetable_bytes, none.pagetable_bytes) : '']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = [
    `what if: the ${r.candidates} sharing candidate(s) under each scheme, each scheme in a fresh simulated kernel`,
    ...rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()),
  ];
  // Where candidates moved, one line per scheme and candidate (hugetlb places each process's own).
  for (const s of r.schemes) {
    const byCandidate = new Map<string, Placement[]>();
    for (const p of s.placements) if (p.moved) byCandidate.set(p.candidate, [...(byCandidate.get(p.candidate) ?? []), p]);
    for (const list of byCandidate.values()) {
      const p = list[0];
      const to = new Set(list.map((x) => x.to));
      const who = p.pid === null ? '' : ` in ${list.length} process${list.length === 1 ? '' : 'es'}`;
      lines.push(`  ${s.scheme}: ${p.path || p.candidate}${who} moved from ${p.from} to ${to.size === 1 ? p.to : `${to.size} addresses`}${p.how === 'window' ? ' (in its mshare window)' : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
