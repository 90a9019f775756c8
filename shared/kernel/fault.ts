/**
 * The fault path: what one user access does, following the RFC's handle_mm_fault() with
 * find_shared_vma(). Batches of accesses are in batch.ts, ranges in touch.ts.
 *
 * For an access at `page` by a process:
 *   no VMA (or above TASK_SIZE)                          -> SIGSEGV
 *   inside an mshare'd window: if the process's link entry differs from the host's, copy it
 *     first (find_shared_vma returns VM_FAULT_NOPAGE and the access is retried; reported as
 *     `synced`), then resolve on the host mm:
 *       hole in the host's VMAs                          -> SIGBUS
 *       protection violation, or a write through an O_RDONLY attach -> SIGSEGV
 *       page present in the host's tables                -> PRESENT
 *       else                                             -> MINOR_FAULT, populating the host's tables
 *   outside: protection violation -> SIGSEGV; present -> PRESENT; else MINOR_FAULT (private tables)
 *
 * Protection follows x86: any of PROT_READ/WRITE/EXEC allows a read, a write needs PROT_WRITE,
 * an instruction fetch needs PROT_EXEC (NX).
 */
import { breakMirrors, claimMirror, populateCounterfactual as populateCounterfactual_ } from './counterfactual.js';
import type { FaultCounters } from './counts.js';
import { PAGE_SIZE, type Geometry } from './geometry.js';
import { hugeFault, mappingOf, windowMapping, type HugeMapping, type Hugetlb } from './huge.js';
import { hugeData } from './huge-memory.js';
import type { Links } from './links.js';
import type { MachineMemory } from './memory.js';
import type { Process, Region } from './mm.js';
import { COUNTERFACTUAL } from './pagetable/ledger.js';
import { PageTree } from './pagetable/tree.js';
import type { Scheme } from './schemes/index.js';
import type { TranslationCache } from './tlb.js';
import { Outcome, PROT_EXEC, PROT_WRITE, type AccessKind } from './uapi.js';

// Locals, for the hot path (imported bindings cost a load and a check per use).
const { PRESENT, MINOR_FAULT, SIGSEGV, SIGBUS } = Outcome;
const populateCounterfactual = populateCounterfactual_;

/**
 * What access() returns: the Outcome in the low bits, SYNCED set when a link entry was copied
 * first. What changes the tables is counted where it happens, in the process's and the kernel's
 * running counts: minor faults (the counterfactual's too) and syncs, so that anyone reading them
 * during a call (an OOM kill's listeners run inside the fault that allocates) sees every fault
 * made so far. What changes nothing (present, SIGSEGV, SIGBUS: most accesses) is counted by the
 * callers from the code (batch.ts), a batch's in locals added once when it ends. (A Touch, which
 * fills table by table rather than through this path, adds its counts when it ends, also when it
 * is cut short: the listeners of a kill of another process during a Touch see none of it.)
 */
export const SYNCED = 4;
export const OUTCOME_MASK = 3;

export const KIND_READ = 0;
export const KIND_WRITE = 1;
export const KIND_EXEC = 2;
export type KindCode = 0 | 1 | 2;

export function kindCode(kind: AccessKind): KindCode {
  return kind === 'read' ? KIND_READ : kind === 'write' ? KIND_WRITE : KIND_EXEC;
}

export function protAllows(prot: number, kind: KindCode): boolean {
  if (kind === KIND_READ) return (prot & 7) !== 0;
  if (kind === KIND_WRITE) return (prot & PROT_WRITE) !== 0;
  return (prot & PROT_EXEC) !== 0;
}

/** Effective protection bits: 1 readable, 2 writable, 4 executable (x86: any prot reads). */
function effectiveProt(prot: number, writeDenied: boolean): number {
  return ((prot & 7) !== 0 ? 1 : 0) | (writeDenied ? 0 : prot & PROT_WRITE) | (prot & PROT_EXEC);
}

/** The effective protection bit an access kind needs, indexed by KindCode. */
const NEEDS = [1, 2, 4];

/** What the fault path needs from the kernel. */
export interface FaultContext {
  readonly geometry: Geometry;
  readonly sharing: boolean;
  readonly links: Links;
  readonly totals: FaultCounters;
  /** Bumped by every change of any address space's layout (VMAs, windows, processes). */
  readonly layoutEpoch: number;
  /** Machine memory: every new page and table is charged to it (memory.ts). */
  readonly memory: MachineMemory;
  readonly scheme: Scheme;
  readonly hugetlb: Hugetlb;
}

/**
 * A minor fault's page, charged to machine memory before it is mapped in `tree` (absent there):
 * with sharing, a window's page goes in the host's tree and is shared memory; without, in the
 * process's tree, and is shared memory only the first time any process maps it (the region's
 * resident pages); anything else is the process's private page. On a machine with a limit the
 * page and the tables on its path are reserved together first, so a refusal leaves nothing
 * half-made. The page is absent: tree.isPresent(page) has just answered false.
 */
export function faultIn(ctx: FaultContext, proc: Process, tree: PageTree, page: number, region: Region | null): true {
  const memory = ctx.memory;
  if (memory.limitBytes !== Infinity) return faultInLimited(ctx, proc, tree, page, region);
  // Nothing can be refused: populate, then count (small, so the fault path inlines it). Without
  // sharing a window's pages are shared memory counted once, which the kernel recounts on a
  // read (Kernel.memoryByKind).
  tree.populateAbsent(page);
  countPage(ctx, proc, region);
  return true;
}

/** faultIn for a page that may be present: true when it was not (a minor fault populated it). */
export function populateCharged(ctx: FaultContext, proc: Process, tree: PageTree, page: number, region: Region | null): boolean {
  if (ctx.memory.limitBytes !== Infinity) return !tree.isPresent(page) && faultInLimited(ctx, proc, tree, page, region);
  if (!tree.populate(page)) return false;
  countPage(ctx, proc, region);
  return true;
}

/** An unlimited machine's count of a new page (faultIn's placement rules). */
function countPage(ctx: FaultContext, proc: Process, region: Region | null): void {
  const memory = ctx.memory;
  if (region === null) {
    memory.privatePages++;
    memory.used += PAGE_SIZE;
    proc.privatePages++;
  } else if (ctx.sharing) {
    memory.sharedPages++;
    memory.used += PAGE_SIZE;
  }
}

/** faultIn on a machine with a limit: the page and its tables are reserved first. */
function faultInLimited(ctx: FaultContext, proc: Process, tree: PageTree, page: number, region: Region | null): true {
  const memory = ctx.memory;
  if (region !== null && !ctx.sharing) {
    const resident = region.resident ??= new PageTree(ctx.geometry, COUNTERFACTUAL);
    const data = resident.isPresent(page) ? 0 : 1;
    // Room for the page and every table on its path at once (the OOM killer may run here), so
    // that the allocations below cannot fail half-way.
    memory.reserve((data + tree.missingTables(page)) * PAGE_SIZE);
    if (data === 1) {
      memory.chargeShared(1);
      resident.populate(page);
    }
  } else {
    memory.reserve((1 + tree.missingTables(page)) * PAGE_SIZE);
    if (region === null) {
      memory.chargePrivate(1);
      proc.privatePages++;
    } else {
      memory.chargeShared(1);
    }
  }
  tree.populate(page);
  return true;
}

/** One access; it returns the Outcome code with the SYNCED bit (above). */
export class AccessPath {
  constructor(protected readonly ctx: FaultContext) {}

  /** The running totals the callers add a call's counts to. */
  get totals(): FaultCounters {
    return this.ctx.totals;
  }

  access(proc: Process, page: number, kind: KindCode): number {
    const ctx = this.ctx;
    const tc = proc.tc;
    let synced = 0;
    if (tc.epoch !== ctx.layoutEpoch || page < tc.start || page >= tc.end) {
      const miss = this.translate(proc, tc, page);
      if (miss !== PRESENT) return miss;
    }
    if (tc.huge !== null) return this.hugeAccess(proc, tc.huge, page, kind);
    const region = tc.region;
    let newly: boolean;
    let unsharedNewly: boolean;
    if (region !== null && ctx.sharing) {
      // find_shared_vma: the link entry is synced before the host's VMA is even looked at.
      // (A range compare, not a division per access: the slot last found in sync.)
      if (page < tc.slotStart || page >= tc.slotEnd || region.links.epoch !== tc.linkEpoch) {
        const links = ctx.links;
        if (links.sync(proc, region, page)) {
          synced = SYNCED;
          proc.counters.synced++;
          ctx.totals.synced++;
        }
        tc.slotStart = page - (page % links.span);
        tc.slotEnd = tc.slotStart + links.span;
        tc.linkEpoch = region.links.epoch;
        tc.slotLinked = false;
      }
      if ((tc.prot & NEEDS[kind]) === 0) return SIGSEGV | synced;
      const host = region.host.tree;
      const mirrored = proc.mirrorOf === region;
      newly = false;
      if (!host.isPresent(page)) {
        // The host gains a page the other mirrors' counterfactuals lack: they end first.
        if (region.mirrors.size > (mirrored ? 1 : 0)) breakMirrors(region, proc);
        newly = faultIn(ctx, proc, host, page, region);
      }
      // A fault into an empty slot allocated the host's link table: a new identity, so the next
      // access finds this process's entry stale and syncs. Asked once per synced slot: after that
      // the slot has an identity, and the fault path makes no call (which keeps it inlinable).
      if (newly && !tc.slotLinked) {
        ctx.links.allocated(region, ctx.links.slotOf(page));
        tc.slotLinked = true;
      }
      // A mirror's counterfactual is the host's tree: it took the same fault, or none.
      unsharedNewly = mirrored ? newly : populateCounterfactual(proc, page);
    } else {
      // Private tables: outside windows, and inside them when nothing is shared.
      if ((tc.prot & NEEDS[kind]) === 0) return SIGSEGV;
      const tree = proc.mm.tree;
      newly = populateCharged(ctx, proc, tree, page, region);
      unsharedNewly = newly;
    }
    return this.tally(proc, newly, unsharedNewly) | synced;
  }

  /** Counts the minor faults an access took (its own, its counterfactual's); returns its Outcome. */
  protected tally(proc: Process, newly: boolean, unsharedNewly: boolean): number {
    const ctx = this.ctx;
    if (unsharedNewly) {
      proc.counters.unsharedMinorFaults++;
      ctx.totals.unsharedMinorFaults++;
    }
    if (!newly) return PRESENT;
    proc.counters.minorFault++;
    ctx.totals.minorFault++;
    return MINOR_FAULT;
  }

  /**
   * An access to a page mapped by huge pages: one fault per huge page; 4 KiB ones in the
   * counterfactual. THP data pages are charged by huge-memory.ts, hugetlb ones by their pool.
   */
  protected hugeAccess(proc: Process, m: HugeMapping, page: number, kind: KindCode): number {
    if ((proc.tc.prot & NEEDS[kind]) === 0) return SIGSEGV;
    const tree = proc.mm.tree;
    const newly = hugeFault(this.ctx.hugetlb, tree, m, page, hugeData(this.ctx, proc, proc.tc.region, m));
    return this.tally(proc, newly, !proc.ownCounterfactual ? newly : populateCounterfactual(proc, page));
  }

  /**
   * Fills the translation cache for `page` and returns PRESENT, or says why there is nothing to
   * cache: SIGSEGV (no VMA, or above TASK_SIZE) or SIGBUS (a hole in a host). A window's link
   * entry is synced before its hole is reported, as find_shared_vma does (SIGBUS | SYNCED).
   */
  protected translate(proc: Process, tc: TranslationCache, page: number): number {
    const ctx = this.ctx;
    // A layout change may have changed the process's link entries too (attach, unlink, exit).
    tc.slotEnd = -1;
    if (page >= ctx.geometry.userLimitPages) return SIGSEGV;
    const v = proc.mm.vmas.find(page);
    if (v === undefined) return SIGSEGV;
    const region = v.window;
    if (region === undefined) {
      this.cache(tc, v.start, v.end, effectiveProt(v.prot, false), null);
      tc.huge = mappingOf(v, ctx.scheme.thpAnon);
      return PRESENT;
    }
    const hv = region.host.vmas.find(page);
    if (hv === undefined) {
      if (ctx.sharing && ctx.links.sync(proc, region, page)) {
        proc.counters.synced++;
        ctx.totals.synced++;
        return SIGBUS | SYNCED;
      }
      return SIGBUS;
    }
    this.cache(tc, hv.start, hv.end, effectiveProt(hv.prot, (v.prot & PROT_WRITE) === 0), region);
    tc.huge = ctx.sharing ? null : windowMapping(ctx.scheme.windowKind, region, hv, v.prot);
    if (ctx.sharing) claimMirror(proc, region);
    return PRESENT;
  }

  private cache(tc: TranslationCache, start: number, end: number, prot: number, region: Region | null): void {
    tc.epoch = this.ctx.layoutEpoch;
    tc.start = start;
    tc.end = end;
    tc.prot = prot;
    tc.region = region;
  }
}

/**
 * The fault path of a kernel without sharing: no window links a host's tables, so every access
 * resolves on the process's own tables. Its own class so that V8 compiles it apart from the
 * sharing path, whose branch would otherwise use up the inlining of the private one.
 */
export class PrivateAccessPath extends AccessPath {
  override access(proc: Process, page: number, kind: KindCode): number {
    const tc = proc.tc;
    if (tc.epoch !== this.ctx.layoutEpoch || page < tc.start || page >= tc.end) {
      const miss = this.translate(proc, tc, page);
      if (miss !== PRESENT) return miss;
    }
    if (tc.huge !== null) return this.hugeAccess(proc, tc.huge, page, kind);
    if ((tc.prot & NEEDS[kind]) === 0) return SIGSEGV;
    const newly = populateCharged(this.ctx, proc, proc.mm.tree, page, tc.region);
    return this.tally(proc, newly, newly);
  }
}
