/**
 * mm_struct: an address space (VMAs + page tables), and the two kinds of owner the simulation has:
 * a process (task with its own mm) and an mshare region's host mm (tied to no task, as in the RFC).
 */
import { ExactCounters, FaultCounters } from './counts.js';
import type { Geometry } from './geometry.js';
import { HostLinks, LinkEntries } from './link-ids.js';
import { CompactTree } from './pagetable/compact.js';
import { COUNTERFACTUAL, type TableLedger } from './pagetable/ledger.js';
import { PageTree } from './pagetable/tree.js';
import { TranslationCache } from './tlb.js';
import { VmaList, type Vma } from './vma.js';

export class Mm {
  readonly vmas = new VmaList();
  readonly tree: PageTree;
  constructor(geometry: Geometry, ledger: TableLedger) {
    this.tree = new PageTree(geometry, ledger);
  }
}

/** A process's VMA onto an mshare'd range (the whole region, at its address). */
export interface WindowVma extends Vma {
  readonly window: Region;
}

export class Process {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  readonly comm: string;
  readonly mm: Mm;
  /**
   * Whether its counterfactual is a tree of its own (a kernel that shares: fed by the same accesses
   * and counted only as the counterfactual, its tables using no memory), not its mm's tree.
   */
  readonly ownCounterfactual: boolean;
  /** The counterfactual tree once made (see `counterfactual`). */
  private counterfactualTree: PageTree | null;
  /** Its windows onto regions, in attach order (few). */
  readonly windows: WindowVma[] = [];
  /** Link entries copied from hosts (links.ts). */
  readonly links = new LinkEntries();
  /** This call's counts (the fault path's); folded into `exact` at the end of every call. */
  readonly counters = FaultCounters.zero();
  readonly exact = ExactCounters.zero();
  /** The fault path's translation cache (a software TLB, tlb.ts). */
  readonly tc = new TranslationCache();
  /** oom_score_adj: -1000 (never killed) .. 1000. */
  oomScoreAdj = 0;
  /** Its own pages outside shared regions, as charged to machine memory (memory.ts). */
  privatePages = 0;
  /** Set once it maps huge pages of its own: its counterfactual is then compared down to PTE tables. */
  hugeMapped = false;
  /** The region whose host's tables are its counterfactual's (counterfactual.ts), or null. */
  mirrorOf: Region | null = null;
  /**
   * Its counterfactual in compact form while it is sparse and only grows (counterfactual.ts), the
   * tree then empty; null once the tree holds it (or a mirror's host does), and in scheme none,
   * where the counterfactual is the process's own tree.
   */
  compact: CompactTree | null;

  constructor(pid: number, uid: number, gid: number, comm: string, mm: Mm, ownCounterfactual: boolean) {
    this.pid = pid;
    this.uid = uid;
    this.gid = gid;
    this.comm = comm;
    this.mm = mm;
    this.ownCounterfactual = ownCounterfactual;
    this.counterfactualTree = ownCounterfactual ? null : mm.tree;
    this.compact = ownCounterfactual ? new CompactTree(mm.tree.top) : null;
  }

  /**
   * Where this process's accesses inside its windows land in the world without sharing: in a
   * kernel that does not share, its own tree (mm.tree); in one that does, a tree of its own, made
   * when first needed: most processes keep theirs compact or mirror a host, and an empty tree is
   * 4.5 KB (72 MiB at 16,384 processes).
   */
  get counterfactual(): PageTree {
    return this.counterfactualTree ??= new PageTree(this.mm.tree.geometry, COUNTERFACTUAL);
  }

  /** Its counterfactual tree if one has been made (or is its mm's), else null: without making one. */
  get counterfactualIfMade(): PageTree | null {
    return this.counterfactualTree;
  }
}

let regionIds = 0;

/** A restored kernel's regions keep their ids (snapshot.ts): later regions are numbered after `last`. */
export function reserveRegionIds(last: number): void {
  regionIds = Math.max(regionIds, last);
}

export class Region {
  /** Unique for the kernel's life (a name can be reused after unlink). */
  readonly id = ++regionIds;
  readonly name: string;
  /** Pages [start, end). */
  readonly start: number;
  readonly end: number;
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
  /** O_RDONLY or O_RDWR, as the creator asked. */
  readonly accessMode: number;
  readonly host: Mm;
  /** Live processes holding an mshare() reference not yet unlinked. */
  readonly holders = new Set<number>();
  /** References whose holder exited without unlinking (the owner or root may drop them). */
  orphans = 0;
  /** Live processes mapping the window. */
  readonly mappers = new Set<Process>();
  /** Set when the last reference went: the name is gone, the host lives while it is mapped. */
  unlinked = false;
  /** hugetlb pool pages reserved for a hugetlb-scheme window (huge.ts), given back with the host. */
  hugeReserved = 0;
  /** Identities of the host's tables under link slots (links.ts). */
  readonly links = new HostLinks();
  /**
   * Without sharing: the region's resident pages (shared memory, counted once however many
   * processes map them), tables uncounted. With sharing the host's tree is that.
   */
  resident: PageTree | null = null;
  /** With sharing: the mappers whose counterfactual is this host's tree (counterfactual.ts). */
  readonly mirrors = new Set<Process>();

  constructor(name: string, start: number, end: number, uid: number, gid: number, mode: number,
    accessMode: number, host: Mm) {
    this.name = name;
    this.start = start;
    this.end = end;
    this.uid = uid;
    this.gid = gid;
    this.mode = mode;
    this.accessMode = accessMode;
    this.host = host;
  }

  get refcount(): number {
    return this.holders.size + this.orphans;
  }
}
