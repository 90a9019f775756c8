/**
 * Range operations on a page tree: fill (a touch of a whole range, populating it), zap (munmap's
 * zap_page_range with free_pgtables) and the freeing of tables and whole subtrees. They walk
 * tables, never pages one by one, so their cost grows with the tables under the range rather than
 * with its pages.
 */
import { ENTRIES_PER_TABLE } from '../geometry.js';
import {
  SPARSE_MAX as SPARSE_MAX_, isPageKey as isPageKey_, lowerBound as lowerBound_, pageKey as pageKey_, pteKey as pteKey_,
} from './sparse.js';
import { clearHuge } from './huge-map.js';
import { DirTable, FULL, FULL_TABLES, NO_TABLE, PmdTable, isFull, type Full, type PageTree } from './tree.js';

export { countPresent, forEachPresentRun } from './present.js';

const ENTRIES = ENTRIES_PER_TABLE; // a local: imported bindings cost a getter per use under tsx
// Locals: imported bindings cost a getter per use under tsx (these are on the fault path).
const SPARSE_MAX = SPARSE_MAX_;
const isPageKey = isPageKey_;
const lowerBound = lowerBound_;
const pageKey = pageKey_;
const pteKey = pteKey_;
const GIB_PAGES = 2 ** 18; // pages under one PMD table

export interface FillCounts {
  newly: number;
  already: number;
}

/** Whether any VMA of the mm's view overlaps pages [s, e): which tables a zap must keep. */
export type HasVma = (s: number, e: number) => boolean;

/**
 * Makes present every stride-th page of [start, end) (pages start, start+stride, ...).
 * Whole untouched subtrees become FULL in one step when stride is 1.
 */
export function fill(tree: PageTree, start: number, end: number, stride: number): FillCounts {
  const counts = { newly: 0, already: 0 };
  if (end <= start) return counts;
  tree.invalidate();
  fillAt(tree, tree.root, tree.top, 0, start, end, stride, counts);
  tree.present += counts.newly;
  return counts;
}

/**
 * Fills within `node` (a table of `level` >= 3 covering [base, base + tableSpan)); returns true
 * if it became full.
 */
function fillAt(tree: PageTree, node: DirTable, level: number, base: number, start: number, end: number,
  stride: number, counts: FillCounts): boolean {
  const span = tree.span[level];
  const lo = Math.max(0, Math.floor((start - base) / span));
  const hi = Math.min(ENTRIES - 1, Math.floor((end - 1 - base) / span));
  for (let i = lo; i <= hi; i++) {
    const cb = base + i * span;
    const from = Math.max(cb, start);
    const to = Math.min(cb + span, end);
    const first = start + Math.ceil((from - start) / stride) * stride;
    if (first >= to) continue;
    const touched = Math.floor((to - 1 - first) / stride) + 1;
    let child = node.children[i];
    if (child === FULL) {
      counts.already += touched;
      continue;
    }
    if (child === null && touched === span) {
      tree.allocateFull(level - 1);
      node.children[i] = FULL;
      node.fullCount++;
      counts.newly += span;
      continue;
    }
    if (child === null) {
      tree.allocate(level - 1, 1);
      child = level === 3 ? new PmdTable() : new DirTable();
      node.children[i] = child;
    }
    // A pointer compare above, instanceof here: no type guard call in the loop (see tree.ts).
    let becameFull: boolean;
    if (child instanceof PmdTable) becameFull = fillPmd(tree, child, cb, first, to, stride, counts);
    else if (child instanceof DirTable) becameFull = fillAt(tree, child, level - 1, cb, first, to, stride, counts);
    else throw new Error('fill: a FULL entry is full already');
    if (becameFull) {
      node.children[i] = FULL;
      node.fullCount++;
    }
  }
  return node.fullCount === ENTRIES;
}

/** fillAt for a PMD table covering [base, base + 2^18): its PTE tables are its own entries. */
function fillPmd(tree: PageTree, pmd: PmdTable, base: number, start: number, end: number, stride: number,
  counts: FillCounts): boolean {
  if (pmd.keys !== null) {
    // Sparse while the keys fit (a marker and a key per page at most), page by page.
    if (pmd.size + 2 * (Math.floor((end - 1 - start) / stride) + 1) <= SPARSE_MAX) {
      for (let p = start; p < end; p += stride) {
        if (pmd.has(p - base)) {
          counts.already++;
          continue;
        }
        if (pmd.addSparse(p - base)) tree.allocate(1, 1);
        counts.newly++;
      }
      return false;
    }
    pmd.densify();
  }
  const bits = pmd.bits;
  const lo = Math.max(0, Math.floor((start - base) / ENTRIES));
  const hi = Math.min(ENTRIES - 1, Math.floor((end - 1 - base) / ENTRIES));
  for (let i = lo; i <= hi; i++) {
    const cb = base + i * ENTRIES;
    const from = Math.max(cb, start);
    const to = Math.min(cb + ENTRIES, end);
    const first = start + Math.ceil((from - start) / stride) * stride;
    if (first >= to) continue;
    const touched = Math.floor((to - 1 - first) / stride) + 1;
    let c = pmd.pteCounts[i];
    if (c === ENTRIES) {
      counts.already += touched;
      continue;
    }
    if (c === NO_TABLE) {
      tree.allocate(1, 1);
      c = 0;
    }
    let newly = 0;
    if (touched === ENTRIES) {
      // Every page of the PTE table (stride 1): the count says how many were not there.
      newly = ENTRIES - c;
      bits.fill(-1, i * 16, i * 16 + 16);
    } else {
      for (let p = first - cb + i * ENTRIES, pe = to - cb + i * ENTRIES; p < pe; p += stride) {
        const w = p >>> 5;
        const m = 1 << (p & 31);
        if ((bits[w] & m) === 0) {
          bits[w] |= m;
          newly++;
        }
      }
    }
    counts.newly += newly;
    counts.already += touched - newly;
    c += newly;
    pmd.pteCounts[i] = c;
    if (c === ENTRIES) pmd.fullCount++;
  }
  return pmd.fullCount === ENTRIES;
}

/**
 * munmap's zap and free_pgtables: clears the pages of [start, end), then frees every table
 * under the range whose span no VMA overlaps any more (free_pgd_range's floor/ceiling rule:
 * a table shared with a neighbouring VMA stays). The root is never freed.
 */
export function zap(tree: PageTree, start: number, end: number, hasVma: HasVma): void {
  if (end <= start) return;
  tree.invalidate();
  zapAt(tree, tree.root, tree.top, 0, start, end, hasVma);
}

/** zap within `node`, a table of `level` >= 3 covering [base, base + tableSpan). */
function zapAt(tree: PageTree, node: DirTable, level: number, base: number, start: number, end: number,
  hasVma: HasVma): void {
  const span = tree.span[level];
  const lo = Math.max(0, Math.floor((start - base) / span));
  const hi = Math.min(ENTRIES - 1, Math.floor((end - 1 - base) / span));
  clearHuge(node, lo, hi);
  for (let i = lo; i <= hi; i++) {
    let child = node.children[i];
    if (child === null) continue;
    const cb = base + i * span;
    const ce = cb + span;
    if (!hasVma(cb, ce)) {
      freeEntry(tree, node, i, level - 1);
      continue;
    }
    if (child instanceof PmdTable && child.sharers > 1) {
      // huge_pmd_unshare: the caller drops the shared PMD table and refaults its own.
      unshare(tree, child);
      node.children[i] = null;
      continue;
    }
    if (isFull(child)) {
      if (start <= cb && ce <= end) throw new Error('zap: a VMA overlaps a range being unmapped');
      child = expand(node, i, level - 1);
    }
    if (child instanceof PmdTable) zapPmd(tree, child, cb, start, end, hasVma);
    else zapAt(tree, child, level - 1, cb, start, end, hasVma);
  }
}

/** zap within a PMD table covering [base, base + 2^18). */
function zapPmd(tree: PageTree, pmd: PmdTable, base: number, start: number, end: number, hasVma: HasVma): void {
  const bits = pmd.bits;
  const lo = Math.max(0, Math.floor((start - base) / ENTRIES));
  const hi = Math.min(ENTRIES - 1, Math.floor((end - 1 - base) / ENTRIES));
  // A huge entry the range touches goes whole (hugetlb VMAs are aligned; a THP is split away).
  clearHuge(pmd, lo, hi);
  if (pmd.keys !== null) {
    zapSparse(tree, pmd, base, start, end, hasVma);
    return;
  }
  for (let i = lo; i <= hi; i++) {
    const c = pmd.pteCounts[i];
    if (c === NO_TABLE) continue;
    const cb = base + i * ENTRIES;
    const ce = cb + ENTRIES;
    if (!hasVma(cb, ce)) {
      freePte(tree, pmd, i);
      continue;
    }
    // A FULL entry is expanded in place: its bitmap is already all ones.
    if (c === ENTRIES && start <= cb && ce <= end) throw new Error('zap: a VMA overlaps a range being unmapped');
    let cleared = 0;
    for (let p = Math.max(cb, start) - base, pe = Math.min(ce, end) - base; p < pe; p++) {
      const w = p >>> 5;
      const m = 1 << (p & 31);
      if (bits[w] & m) {
        bits[w] &= ~m;
        cleared++;
      }
    }
    pmd.pteCounts[i] = c - cleared;
    tree.present -= cleared;
    if (c === ENTRIES && cleared > 0) pmd.fullCount--;
  }
}

/** zapPmd for a sparse table: its PTE tables under the range, run by run of keys. */
function zapSparse(tree: PageTree, pmd: PmdTable, base: number, start: number, end: number, hasVma: HasVma): void {
  const keys = pmd.keys ?? [];
  const from = start - base;
  const to = Math.min(end - base, GIB_PAGES);
  // Markers of the PTE tables under [from, to), read first: the removals below move the keys.
  const ptes: number[] = [];
  for (let j = lowerBound(keys, pmd.size, pteKey(Math.max(0, from) >>> 9)); j < pmd.size; j++) {
    const k = keys[j];
    if (k >= pteKey(((to - 1) >>> 9) + 1)) break;
    if (!isPageKey(k)) ptes.push(k >>> 10);
  }
  for (const i of ptes) {
    const cb = base + i * ENTRIES;
    if (!hasVma(cb, cb + ENTRIES)) {
      freePte(tree, pmd, i);
      continue;
    }
    const a = lowerBound(keys, pmd.size, pageKey(Math.max(from, i * ENTRIES)));
    const b = lowerBound(keys, pmd.size, pageKey(Math.min(to, (i + 1) * ENTRIES) - 1) + 1);
    pmd.removeKeys(a, b);
    tree.present -= b - a;
  }
}


/** A tree lets go of a PMD table other trees still share: it leaves this mm's VmPTE only. */
function unshare(tree: PageTree, pmd: PmdTable): void {
  pmd.sharers--;
  tree.countShared(2, -1);
  tree.invalidate();
}

/** Replaces a FULL entry by a materialised table of `level` (>= 2) whose entries are all FULL. */
function expand(parent: DirTable, idx: number, level: number): PmdTable | DirTable {
  let table: PmdTable | DirTable;
  if (level === 2) {
    const pmd = new PmdTable();
    pmd.densify();
    pmd.bits.fill(-1);
    pmd.pteCounts.fill(ENTRIES);
    pmd.fullCount = ENTRIES;
    table = pmd;
  } else {
    const dir = new DirTable();
    dir.children.fill(FULL);
    dir.fullCount = ENTRIES;
    table = dir;
  }
  parent.children[idx] = table;
  parent.fullCount--;
  return table;
}

/**
 * Gives a subtree's tables back to the tree's ledger (its root a table of `level` >= 2) and
 * returns its present pages. The caller unhooks it and adjusts `present`.
 */
export function releaseSubtree(tree: PageTree, entry: PmdTable | DirTable | Full, level: number): number {
  if (isFull(entry)) {
    const row = FULL_TABLES[level];
    for (let j = 1; j <= level; j++) tree.deallocate(j, row[j]);
    return tree.span[level + 1];
  }
  if (entry instanceof PmdTable && entry.sharers > 1) {
    unshare(tree, entry);
    return 0;
  }
  tree.deallocate(level, 1);
  let present = 0;
  if (entry instanceof PmdTable) {
    if (entry.shareList !== null) entry.shareList.splice(entry.shareList.indexOf(entry), 1);
    tree.deallocate(1, entry.pteTables());
    return entry.presentPages();
  }
  for (const child of entry.children) if (child !== null) present += releaseSubtree(tree, child, level - 1);
  return present;
}

/** Frees entry i's PTE table of a PMD table. */
export function freePte(tree: PageTree, pmd: PmdTable, i: number): void {
  const c = pmd.pteCount(i);
  if (c === NO_TABLE) return;
  if (c === ENTRIES) pmd.fullCount--;
  tree.deallocate(1, 1);
  tree.present -= c;
  if (pmd.keys !== null) {
    const [from, to] = pmd.run(i);
    pmd.removeKeys(from, to);
    return;
  }
  pmd.pteCounts[i] = NO_TABLE;
  pmd.bits.fill(0, i * 16, i * 16 + 16);
}

/** Frees the table at parent.children[idx] (of `level` >= 2) with everything under it. */
function freeEntry(tree: PageTree, parent: DirTable, idx: number, level: number): void {
  const entry = parent.children[idx];
  if (entry === null) return;
  if (isFull(entry)) parent.fullCount--;
  tree.present -= releaseSubtree(tree, entry, level);
  parent.children[idx] = null;
}

/** Frees every table below the root (process exit, host teardown: exit_mmap's free_pgtables). */
export function freeAllTables(tree: PageTree): void {
  tree.invalidate();
  for (let i = 0; i < ENTRIES; i++) freeEntry(tree, tree.root, i, tree.top - 1);
}
