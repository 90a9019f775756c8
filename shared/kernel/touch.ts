/**
 * A range touched at once: segment by segment (a VMA, a hole, a window's link slot), so that its
 * cost grows with the tables touched rather than with the pages. It gives the same figures as the
 * single accesses would (a batch of addresses, one by one, is batch.ts).
 */
import { beforeHostFill, claimMirror, fillCounterfactual } from './counterfactual.js';
import { AccessCounts } from './counts.js';
import { KIND_WRITE, faultIn, protAllows, type FaultContext, type KindCode } from './fault.js';
import { PAGE_SIZE } from './geometry.js';
import { hugeFill, mappingOf, windowMapping, type HugeMapping } from './huge.js';
import { hugeData } from './huge-memory.js';
import type { Process, Region } from './mm.js';
import { COUNTERFACTUAL } from './pagetable/ledger.js';
import { fill, type FillCounts } from './pagetable/fill.js';
import { countPresent } from './pagetable/range.js';
import { PageTree } from './pagetable/tree.js';
import { PROT_WRITE } from './uapi.js';
import type { Vma } from './vma.js';

/** Touched pages of the series (from, from+stride, ...) below `end`, `from` being on the series. */
function countFrom(from: number, end: number, stride: number): number {
  return end > from ? Math.ceil((end - from) / stride) : 0;
}

/** Accesses pages first, first+stride, ... <= last, and adds the outcomes to the running totals. */
export function touchRange(ctx: FaultContext, proc: Process, first: number, last: number, kind: KindCode,
  stride: number): AccessCounts {
  const counts = AccessCounts.zero();
  const end = last + 1;
  const limit = ctx.geometry.userLimitPages;
  let p = first;
  // Cut short (a page refused, the caller OOM-killed), it still adds what it did up to there.
  try {
    while (p < end) {
      if (p >= limit) {
        counts.sigsegv += countFrom(p, end, stride);
        break;
      }
      const vmas = proc.mm.vmas;
      const v = vmas.find(p);
      if (v === undefined) {
        const next = vmas.firstOverlapping(p, end);
        const segEnd = Math.min(next ? next.start : end, end, limit);
        const n = countFrom(p, segEnd, stride);
        counts.sigsegv += n;
        p += n * stride;
        continue;
      }
      const segEnd = Math.min(v.end, end);
      if (v.window !== undefined) {
        touchWindow(ctx, proc, v.window, v, p, segEnd, kind, stride, counts);
      } else if (!protAllows(v.prot, kind)) {
        counts.sigsegv += countFrom(p, segEnd, stride);
      } else {
        fillMapped(ctx, proc, mappingOf(v, ctx.scheme.thpAnon), p, segEnd, stride, counts);
      }
      p += countFrom(p, segEnd, stride) * stride;
    }
  } finally {
    AccessCounts.add(proc.counters, counts);
    AccessCounts.add(ctx.totals, counts);
  }
  return counts;
}

/** Adds a fill's counts so far (all, or up to a refused page) to a touch's. */
function addFill(counts: AccessCounts, r: FillCounts): void {
  counts.minorFault += r.newly;
  counts.present += r.already;
}

/** Fills pages of the process's own tables: each fault the counterfactual's too (the same tables). */
function fillPrivate(ctx: FaultContext, proc: Process, from: number, end: number, stride: number,
  counts: AccessCounts, region: Region | null = null): void {
  const r = { newly: 0, already: 0 };
  try {
    chargedFill(ctx, proc, proc.mm.tree, from, end, stride, region, r);
  } finally {
    addFill(counts, r);
    proc.counters.unsharedMinorFaults += r.newly;
    ctx.totals.unsharedMinorFaults += r.newly;
  }
}

/**
 * fillPrivate, for a mapping of huge pages when `m` says so: one fault per huge page, its THP
 * data pages charged to machine memory by huge-memory.ts (hugetlb pages by their pool).
 */
function fillMapped(ctx: FaultContext, proc: Process, m: HugeMapping | null, from: number, end: number, stride: number,
  counts: AccessCounts, region: Region | null = null): void {
  if (m === null) {
    fillPrivate(ctx, proc, from, end, stride, counts, region);
    return;
  }
  const r = { newly: 0, already: 0, reached: from };
  try {
    hugeFill(ctx.hugetlb, proc.mm.tree, m, from, end, stride, r, hugeData(ctx, proc, region, m), (pages) => ctx.memory.fits(pages * PAGE_SIZE));
  } finally {
    // Up to where it got, also when refused: the counterfactual's 4 KiB pages (no machine memory).
    addFill(counts, r);
    const unshared = !proc.ownCounterfactual ? r.newly : fillCounterfactual(proc, from, r.reached, stride);
    proc.counters.unsharedMinorFaults += unshared;
    ctx.totals.unsharedMinorFaults += unshared;
  }
}

/**
 * The part of a touch inside a window, slot by slot (each link entry is synced on its own). No
 * closures: a touch is a few microseconds, and a closure per slot costs a visible part of it.
 */
function touchWindow(ctx: FaultContext, proc: Process, region: Region, window: Vma, from: number, end: number,
  kind: KindCode, stride: number, counts: AccessCounts): void {
  const links = ctx.links;
  const sharing = ctx.sharing;
  const writeDenied = kind === KIND_WRITE && (window.prot & PROT_WRITE) === 0;
  let p = from;
  while (p < end) {
    const slot = links.slotOf(p);
    if (sharing && links.batch && stride <= links.span && !ctx.memory.limited) {
      const n = touchGroup(ctx, proc, region, p, end, kind, stride, writeDenied, counts);
      if (n > 0) {
        p += n;
        continue;
      }
    }
    const slotEnd = Math.min(end, (slot + 1) * links.span);
    const hostIdBefore = sharing ? region.links.get(slot) : 0;
    if (sharing && proc.links.get(slot) !== hostIdBefore) {
      links.set(proc, slot, hostIdBefore);
      counts.synced++;
    }
    // Whether a fault made the host's table under this slot (its link identity is then new).
    let allocated = false;
    let c = p;
    for (const hv of region.host.vmas.overlapping(c, slotEnd)) {
      if (hv.start > c) {
        // A hole in the host's VMAs: SIGBUS.
        const n = countFrom(c, Math.min(hv.start, slotEnd), stride);
        counts.sigbus += n;
        c += n * stride;
      }
      const segEnd = Math.min(hv.end, slotEnd);
      const n = countFrom(c, segEnd, stride);
      if (n === 0) continue;
      if (!protAllows(hv.prot, kind) || writeDenied) {
        counts.sigsegv += n;
      } else if (sharing) {
        let s = c;
        if (hostIdBefore === 0 && !allocated) {
          // The first access alone: its fault makes the slot's host table, a new identity, and the
          // next access in the slot copies the entry before it does anything (find_shared_vma), as
          // one by one; so a page refused after it finds the entry copied, as a batch leaves it.
          if (fillShared(ctx, proc, region, c, c + 1, 1, counts) > 0) {
            allocated = true;
            const id = links.allocated(region, slot);
            if (c + stride < slotEnd) {
              links.set(proc, slot, id);
              counts.synced++;
            }
          }
          s = c + stride;
        }
        if (s < segEnd) fillShared(ctx, proc, region, s, segEnd, stride, counts);
      } else {
        fillMapped(ctx, proc, windowMapping(ctx.scheme.windowKind, region, hv, window.prot), c, segEnd, stride, counts, region);
      }
      c += n * stride;
    }
    const n = countFrom(c, slotEnd, stride);
    counts.sigbus += n;
    c += n * stride;
    p = c;
  }
}

/**
 * Fills pages of a host's tables, the process's counterfactual piece by piece with them (so a
 * refusal stops both at one page). Returns the host's new pages.
 */
function fillShared(ctx: FaultContext, proc: Process, region: Region, from: number, end: number, stride: number,
  counts: AccessCounts): number {
  const mirrored = beforeHostFill(proc, region, from, end, stride);
  const host = region.host.tree;
  const r = { newly: 0, already: 0 };
  const u = { newly: 0, already: 0 };
  try {
    chargedFill(ctx, proc, host, from, end, stride, region, r, u);
    if (!mirrored) claimMirror(proc, region); // a touch may have made its tree the host's
    return r.newly;
  } finally {
    addFill(counts, r);
    proc.counters.unsharedMinorFaults += u.newly;
    ctx.totals.unsharedMinorFaults += u.newly;
  }
}

/**
 * fill() with every new page and table charged to machine memory, as faultIn charges one access
 * (same placement rules), its counts added to `into` as it goes. Unlimited, or where a piece's
 * worst case fits, a piece is filled in one step; where it does not, it is split (1 GiB, then
 * 2 MiB pieces) down to single pages, whose allocation may invoke the OOM killer. A refusal thus
 * stops the touch between two pages: the pages before it are populated and counted, nothing
 * after, no table half-made.
 */
function chargedFill(ctx: FaultContext, proc: Process, tree: PageTree, start: number, end: number, stride: number,
  region: Region | null, into: FillCounts, shadow?: FillCounts): void {
  const memory = ctx.memory;
  if (!memory.limited) {
    // Nothing can be refused: one fill, charged once. Without sharing a window's pages are not
    // counted here (the kernel recounts them on a read: Kernel.memoryByKind).
    const r = fill(tree, start, end, stride);
    if (shadow !== undefined) shadow.newly += shadowFill(proc, region, r.newly, start, end, stride);
    if (region === null) {
      memory.chargePrivate(r.newly);
      proc.privatePages += r.newly;
    } else if (ctx.sharing) {
      memory.chargeShared(r.newly);
    }
    into.newly += r.newly;
    into.already += r.already;
    return;
  }
  const f: Filling = { ctx, proc, tree, stride, region, counts: into, shadow };
  if (memory.fits(worstCase(ctx, tree, start, end, stride, region) * PAGE_SIZE)) fillPiece(f, start, end);
  else fillWithin(f, start, start, end, 3);
}

/** The counterfactual's new pages for a fill of [s, e): a mirror's are the host's (`hostNewly`). */
function shadowFill(proc: Process, region: Region | null, hostNewly: number, s: number, e: number, stride: number): number {
  if (region !== null && proc.mirrorOf === region) return hostNewly;
  return fillCounterfactual(proc, s, e, stride);
}

/** One charged fill: where it goes, and what it counted (`shadow`: the process's counterfactual too). */
interface Filling {
  ctx: FaultContext;
  proc: Process;
  tree: PageTree;
  stride: number;
  region: Region | null;
  counts: FillCounts;
  shadow: FillCounts | undefined;
}

/**
 * Where a fill's data pages are counted: `tree` itself, or without sharing the region's resident
 * pages (tracked when the machine has a limit); null when they are not counted here.
 */
function dataTree(ctx: FaultContext, tree: PageTree, region: Region | null): PageTree | null {
  if (region === null || ctx.sharing) return tree;
  if (!ctx.memory.limited) return null;
  return region.resident ??= new PageTree(ctx.geometry, COUNTERFACTUAL);
}

function fillPiece(f: Filling, s: number, e: number): void {
  const { ctx, proc, tree, stride, region, counts } = f;
  const memory = ctx.memory;
  const data = dataTree(ctx, tree, region);
  let charged = 0;
  if (data !== null && data !== tree) charged = fill(data, s, e, stride).newly;
  const r = fill(tree, s, e, stride);
  if (data === tree) charged = r.newly;
  counts.newly += r.newly;
  counts.already += r.already;
  if (f.shadow !== undefined) f.shadow.newly += shadowFill(proc, region, r.newly, s, e, stride);
  if (region !== null) {
    memory.chargeShared(charged);
  } else {
    memory.chargePrivate(charged);
    proc.privatePages += charged;
  }
}

/**
 * Fills the series start, start+stride, ... within [from, end) in pieces aligned to the span of one
 * table of `level` (3: a PMD table's 1 GiB, 2: a PTE table's 2 MiB, 1: a page).
 */
function fillWithin(f: Filling, start: number, from: number, end: number, level: number): void {
  const { ctx, proc, tree, stride, region, counts } = f;
  const piece = tree.span[level];
  const first = start + Math.ceil((from - start) / stride) * stride;
  for (let a = first; a < end;) {
    const b = Math.min(end, Math.floor(a / piece) * piece + piece);
    if (level === 1) {
      const newly = !tree.isPresent(a) && faultIn(ctx, proc, tree, a, region);
      if (newly) counts.newly++;
      else counts.already++;
      if (f.shadow !== undefined) f.shadow.newly += shadowFill(proc, region, newly ? 1 : 0, a, a + 1, 1);
    } else if (ctx.memory.fits(worstCase(ctx, tree, a, b, stride, region) * PAGE_SIZE)) {
      fillPiece(f, a, b);
    } else {
      fillWithin(f, start, a, b, level - 1);
    }
    a = start + Math.ceil((b - start) / stride) * stride;
  }
}

/** Pages a fill of [a, b) may allocate at most: its new data pages and every table on its paths. */
function worstCase(ctx: FaultContext, tree: PageTree, a: number, b: number, stride: number, region: Region | null): number {
  const touched = Math.floor((b - 1 - a) / stride) + 1;
  const data = stride === 1 ? touched - countPresent(dataTree(ctx, tree, region) ?? tree, a, b) : touched;
  let tables = 0;
  for (let l = 1; l < tree.top; l++) tables += Math.floor((b - 1) / tree.span[l + 1]) - Math.floor(a / tree.span[l + 1]) + 1;
  return data + tables;
}

/**
 * The slots of one link group (512 entries: a PMD table's worth at PMD links) at once, when the
 * host has a table under every one and one host VMA allows the access across them: the same
 * figures as slot by slot (each differing entry is one sync; the host allocates nothing, so no
 * retry sync). Returns the pages advanced, 0 when the fast case does not apply. Only on a machine
 * without a limit (nothing can be refused), its new pages charged as shared memory by chargedFill.
 */
function touchGroup(ctx: FaultContext, proc: Process, region: Region, p: number, end: number, kind: KindCode,
  stride: number, writeDenied: boolean, counts: AccessCounts): number {
  const links = ctx.links;
  const span = links.span;
  const slot = links.slotOf(p);
  const hv = region.host.vmas.find(p);
  if (hv === undefined || writeDenied || !protAllows(hv.prot, kind)) return 0;
  const groupEnd = (Math.floor(slot / 512) + 1) * 512 * span;
  const batchEnd = Math.min(end, groupEnd, Math.floor(hv.end / span) * span);
  if (batchEnd <= p) return 0;
  const lastSlot = links.slotOf(p + (countFrom(p, batchEnd, stride) - 1) * stride);
  const synced = links.setGroup(proc, region, slot, lastSlot);
  if (synced < 0) return 0;
  counts.synced += synced;
  fillShared(ctx, proc, region, p, batchEnd, stride, counts);
  return countFrom(p, batchEnd, stride) * stride;
}
