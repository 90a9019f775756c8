/**
 * The counterfactual without a second walk where it can be had exactly: mirrors.
 *
 * In a sharing kernel each process keeps a counterfactual tree (Process.counterfactual): the
 * tables and pages its window accesses would have made without sharing. Keeping it costs a second
 * tree walk per access. A process's counterfactual pages in a window are always a subset of the
 * host's (it populated the host wherever it populated its own, and a zap of the host zaps every
 * mapper's counterfactual). When they are equal, tables included, the process is a mirror of the
 * region: its own tree is held empty, readers see the host's tree in its place
 * (accounting.ts: counterfactualView), and its accesses walk the host's tree alone: a page absent
 * there is a fault in both worlds, a present one in neither. Several processes may mirror one
 * region (every client that touched all of a fully populated SGA).
 *
 * A process becomes a mirror when its tree is found equal to the host's (claimMirror: both empty,
 * or compared table by table after a touch). Anything that would make them differ ends the state
 * first by copying the host's tables into its tree: the host gaining a page from another process,
 * a zap of the host or of the mirror's counterfactual, the counterfactual taking a page of
 * anything else (counterfactualTree). The zap then applies the free_pgd_range rule to that tree.
 *
 * A process that is no mirror keeps its counterfactual in compact form (Process.compact,
 * pagetable/compact.ts: its pages sorted, its tables counted) while it only gains pages and holds
 * at most compactLimit of them: the PostgreSQL case, thousands of processes each touching a few
 * pages of a populated region. Its tree is then empty. Anything else the tree takes (a zap, a
 * subtree attach, a larger fill) turns the compact form into the tree first (counterfactualTree).
 */
import { commonTables } from './accounting.js';
import type { Process, Region } from './mm.js';
import { CompactTree, commonWithCompact } from './pagetable/compact.js';
import { attachSubtree, cloneSubtree } from './pagetable/move.js';
import { fill } from './pagetable/fill.js';
import { countPresent, freeAllTables, zap, type HasVma } from './pagetable/range.js';
import type { PageTree } from './pagetable/tree.js';

/**
 * Pages a compact counterfactual holds at most; past it the process keeps a tree: an insertion
 * moves half the sorted pages. Measured (CPU per first access, a client of a populated 1 TiB
 * region): at 4096 pages 200 ns compact against 130-170 ns as a tree, at 16384 pages 560 ns
 * against 170 ns. 0: never compact (the tests' oracle).
 */
let compactLimit = 4096;

/** Sets compactLimit (tests: 0 keeps every counterfactual a tree, the oracle). Returns the old one. */
export function setCompactLimit(pages: number): number {
  const old = compactLimit;
  compactLimit = pages;
  return old;
}

/** Whether two trees hold the same pages and the same tables at the same places. */
function sameTree(a: PageTree | CompactTree, b: PageTree): boolean {
  if (a.present !== b.present) return false;
  let tables = 0;
  for (let l = 1; l < a.tables.length; l++) {
    if (a.tables[l] !== b.tables[l]) return false;
    tables += a.tables[l];
  }
  if (tables === 0) return true;
  // Same counts: the same tables if every one is at a place the other has one too. (Pages then
  // agree too: a process's pages in a window are a subset of the host's, and as many.)
  const common = a instanceof CompactTree ? commonWithCompact(b, a, 1) : commonTables(a, b, 1);
  for (let l = 1; l < a.tables.length; l++) if (common[l] !== a.tables[l]) return false;
  return true;
}

/**
 * Makes `proc` a mirror of `region` when its counterfactual tree equals the host's (its own tree
 * is then emptied). Returns whether `proc` mirrors the region.
 */
export function claimMirror(proc: Process, region: Region): boolean {
  if (proc.mirrorOf === region) return true;
  if (proc.mirrorOf !== null || !sameTree(proc.compact ?? proc.counterfactual, region.host.tree)) return false;
  const tree = proc.counterfactualIfMade; // none made yet: none to make only to empty it
  if (tree !== null) freeAllTables(tree); // no memory: the counterfactual's ledger records nothing
  proc.compact = null; // a mirror's tree is empty: leave() fills it
  region.mirrors.add(proc);
  proc.mirrorOf = region;
  return true;
}

/** Ends `proc`'s mirroring of `region`: its counterfactual tree becomes a copy of the host's. */
function leave(proc: Process, region: Region): void {
  region.mirrors.delete(proc);
  proc.mirrorOf = null;
  // The host's tree holds the region's tables only: copy each of its top-level entries.
  const host = region.host.tree;
  const top = host.top;
  const span = host.span[top];
  for (let page = Math.floor(region.start / span) * span; page < region.end; page += span) {
    const entry = host.entryAt(top, page);
    if (entry !== null) attachSubtree(proc.counterfactual, top, page, cloneSubtree(entry), countPresent(host, page, page + span));
  }
}

/** Ends every mirror of the region but `except` (the process about to populate the host). */
export function breakMirrors(region: Region, except: Process | null = null): void {
  for (const proc of [...region.mirrors]) if (proc !== except) leave(proc, region);
}

/**
 * Before `proc` fills pages of the host (a touch): the other mirrors end, unless the host has
 * every page of the range already. Returns whether `proc` is a mirror of the region.
 */
export function beforeHostFill(proc: Process, region: Region, from: number, end: number, stride: number): boolean {
  const mirrored = claimMirror(proc, region);
  if (region.mirrors.size === (mirrored ? 1 : 0)) return mirrored;
  if (stride !== 1 || countPresent(region.host.tree, from, end) !== end - from) breakMirrors(region, mirrored ? proc : null);
  return mirrored;
}

/** The process's counterfactual tree, up to date: call it before writing or zapping it. */
export function counterfactualTree(proc: Process): PageTree {
  if (proc.mirrorOf !== null) leave(proc, proc.mirrorOf);
  else if (proc.compact !== null) toTree(proc, proc.compact);
  return proc.counterfactual;
}

/** The compact form becomes the process's tree (empty until now), for good. */
function toTree(proc: Process, compact: CompactTree): void {
  proc.compact = null;
  compact.populateInto(proc.counterfactual);
}

/**
 * The fault path's populate of the counterfactual (never a mirror's: the caller checked), on the
 * compact form while it has room. Returns whether the page was absent.
 */
export function populateCounterfactual(proc: Process, page: number): boolean {
  const compact = proc.compact;
  // A tree (no mirror of another region): as direct as the fault path was before compact forms.
  if (compact === null) return (proc.mirrorOf === null ? proc.counterfactual : counterfactualTree(proc)).populate(page);
  if (compact.present < compactLimit) return compact.populate(page);
  return counterfactualTree(proc).populate(page);
}

/** Fills of at most this many pages insert them one by one rather than merge. */
const SMALL_FILL = 8;

/** fill() of the counterfactual (not a mirror's): the compact form takes it while it has room. */
export function fillCounterfactual(proc: Process, start: number, end: number, stride: number): number {
  const compact = proc.compact;
  const count = end > start ? Math.ceil((end - start) / stride) : 0;
  if (compact === null || compact.present + count > compactLimit) return fill(counterfactualTree(proc), start, end, stride).newly;
  if (count > SMALL_FILL) return compact.fill(start, end, stride);
  // A few pages (a memory-limited touch goes page by page): inserted, not merged into a copy.
  let newly = 0;
  for (let page = start; page < end; page += stride) if (compact.populate(page)) newly++;
  return newly;
}

/** zap() of the counterfactual: an empty compact form has no table to free, and stays. */
export function zapCounterfactual(proc: Process, start: number, end: number, hasVma: HasVma): void {
  if (proc.compact !== null && proc.compact.present === 0) return;
  // A tree not made yet holds nothing (exit drops the compact form first): none is made for a zap.
  if (proc.compact === null && proc.mirrorOf === null && proc.counterfactualIfMade === null) return;
  zap(counterfactualTree(proc), start, end, hasVma);
}
