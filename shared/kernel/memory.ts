/**
 * Machine memory by kind, as the OOM killer and /proc/meminfo see it, against an optional limit
 * (the simulated machine's RAM):
 *   pagetables  every table page the ledger allocates, PGDs included (/proc/meminfo PageTables);
 *   shared      shared-memory pages (an mshare'd SGA) once, however many processes map them;
 *   private     a process's own pages outside any shared region, per process;
 *   base        a per-process base cost (kernel stack, task and mm structures, session memory);
 *   hugetlb     hugetlb pages their pool has reserved (the pool feeds reserveHugetlb/unreserveHugetlb).
 *
 * Every allocation goes through reserve(): when it does not fit, the OOM killer (oom.ts, wired in by
 * the kernel as `outOfMemory`) frees memory by killing a process and the allocation is retried, as
 * mm/page_alloc.c's __alloc_pages_may_oom does; it throws when the caller itself is killed or the
 * machine has panicked. After a panic every allocation is refused with ENOMEM.
 */
import { KernelError } from './errors.js';
import { PAGE_SIZE } from './geometry.js';
import type { Geometry } from './geometry.js';
import type { Process, Region } from './mm.js';
import { COUNTERFACTUAL, TableMemory } from './pagetable/ledger.js';
import { fill } from './pagetable/fill.js';
import { countPresent, forEachPresentRun } from './pagetable/range.js';
import { PageTree } from './pagetable/tree.js';

export const MEMORY_KINDS = ['pagetables', 'shared', 'private', 'base', 'hugetlb'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

const PAGE = PAGE_SIZE;

export class MachineMemory extends TableMemory {
  /** Bytes the machine has; Infinity when unlimited (setLimit: a test's memory hot-unplug). */
  limitBytes: number;
  /** Charged once per process at spawn. */
  readonly processBaseBytes: number;
  /** Table pages below the roots (the ledger's), and the roots (PGDs: one per mm that has one). */
  tablePages = 0;
  pgdPages = 0;
  sharedPages = 0;
  privatePages = 0;
  baseBytes = 0;
  hugetlbBytes = 0;
  /** Everything above, in bytes, kept as a running sum for the allocation path. */
  used = 0;
  /** Set by the OOM killer when nothing was left to kill: from then on every allocation is ENOMEM. */
  panicked = false;
  /**
   * Called when `bytes` do not fit: frees memory (kills a process) and returns, or throws. The
   * kernel wires in its OOM killer; alone, the memory refuses with ENOMEM.
   */
  outOfMemory: (bytes: number) => void = (bytes) => {
    throw new KernelError('ENOMEM', `${bytes} bytes do not fit`);
  };

  constructor(levels: number, limitBytes = Infinity, processBaseBytes = 0) {
    super(levels);
    this.limitBytes = limitBytes;
    this.processBaseBytes = processBaseBytes;
  }

  setLimit(bytes: number): void {
    this.limitBytes = bytes;
  }

  get limited(): boolean {
    return this.limitBytes !== Infinity;
  }

  /** Whether `bytes` more fit now, without killing anything. */
  fits(bytes: number): boolean {
    return !this.panicked && this.used + bytes <= this.limitBytes;
  }

  /** Makes room for `bytes` (the OOM killer, retried) or throws; changes no count itself. */
  reserve(bytes: number): void {
    while (!this.fits(bytes)) {
      if (this.panicked) throw new KernelError('ENOMEM', 'the machine has panicked (out of memory and no killable processes)');
      this.outOfMemory(bytes);
    }
  }

  override allocate(level: number, count: number): void {
    const bytes = count * PAGE;
    // fits() inline: every table a fill makes comes through here.
    if (this.panicked || this.used + bytes > this.limitBytes) this.reserve(bytes);
    this.pages[level] += count;
    this.tablePages += count;
    this.used += bytes;
  }

  override free(level: number, count: number): void {
    super.free(level, count);
    this.tablePages -= count;
    this.used -= count * PAGE;
  }

  /** Pages of one mm's PGD: 2 under PTI (an order-1 allocation), else 1 (the kernel sets it). */
  pgdPagesPerMm = 1;

  /** A new mm's PGD (with its base cost when it belongs to a process). */
  chargeMm(process: boolean): void {
    const bytes = this.pgdPagesPerMm * PAGE + (process ? this.processBaseBytes : 0);
    this.reserve(bytes);
    this.pgdPages += this.pgdPagesPerMm;
    if (process) this.baseBytes += this.processBaseBytes;
    this.used += bytes;
  }

  unchargeMm(process: boolean): void {
    const bytes = this.pgdPagesPerMm * PAGE + (process ? this.processBaseBytes : 0);
    this.pgdPages -= this.pgdPagesPerMm;
    if (process) this.baseBytes -= this.processBaseBytes;
    this.used -= bytes;
  }

  chargeShared(pages: number): void {
    if (pages > 0 && !this.fits(pages * PAGE)) this.reserve(pages * PAGE);
    this.sharedPages += pages;
    this.used += pages * PAGE;
  }

  chargePrivate(pages: number): void {
    if (pages > 0 && !this.fits(pages * PAGE)) this.reserve(pages * PAGE);
    this.privatePages += pages;
    this.used += pages * PAGE;
  }

  /** PGDs: one per process, and one per host mm with sharing (read back from the state). */
  setPgdPages(mms: number): void {
    const pages = mms * this.pgdPagesPerMm;
    this.used += (pages - this.pgdPages) * PAGE;
    this.pgdPages = pages;
  }

  /** Sets a kind's page count read back from the state (after a layout change freed pages). */
  setPages(kind: 'shared' | 'private', pages: number): void {
    const before = kind === 'shared' ? this.sharedPages : this.privatePages;
    if (kind === 'shared') this.sharedPages = pages;
    else this.privatePages = pages;
    this.used += (pages - before) * PAGE;
  }

  /**
   * hugetlb: a pool reserves its pages from the machine (at mmap). Beyond what the machine has
   * it is ENOMEM with nothing changed, as hugetlb_reserve_pages is: the OOM killer is not called.
   */
  reserveHugetlb(bytes: number): void {
    if (!this.fits(bytes)) throw new KernelError('ENOMEM', `hugetlb: ${bytes} bytes do not fit in the machine's memory`);
    this.hugetlbBytes += bytes;
    this.used += bytes;
  }

  unreserveHugetlb(bytes: number): void {
    this.hugetlbBytes -= bytes;
    this.used -= bytes;
  }

  /** Bytes in use by kind. */
  byKind(): Record<MemoryKind, number> {
    return {
      pagetables: (this.tablePages + this.pgdPages) * PAGE,
      shared: this.sharedPages * PAGE,
      private: this.privatePages * PAGE,
      base: this.baseBytes,
      hugetlb: this.hugetlbBytes,
    };
  }
}

/** A process's own pages outside shared regions, read from its tables (without sharing its tree holds its windows' pages too). */
export function privatePagesOf(proc: Process, sharing: boolean): number {
  let pages = proc.mm.tree.present;
  if (!sharing) for (const w of proc.windows) pages -= countPresent(proc.mm.tree, w.start, w.end);
  return pages;
}

/** Without sharing: a region's pages any mapper has (shared memory, once), as one tree whose tables are uncounted. */
export function residentOf(geometry: Geometry, region: Region): PageTree {
  const tree = new PageTree(geometry, COUNTERFACTUAL);
  // THP faults record their 2 MiB pages there (huge.ts hugeData): not among the mappers' 4 KiB pages.
  if (region.resident !== null) forEachPresentRun(region.resident, region.start, region.end, (a, b) => fill(tree, a, b, 1));
  for (const p of region.mappers) forEachPresentRun(p.mm.tree, region.start, region.end, (a, b) => fill(tree, a, b, 1));
  return tree;
}
