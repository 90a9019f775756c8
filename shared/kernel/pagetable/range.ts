/**
 * Range operations on a page tree that take tables away: zap (munmap's zap_page_range with
 * free_pgtables) and the freeing of tables and whole subtrees. They walk tables, never pages one
 * by one, so their cost grows with the tables under the range rather than with its pages. The
 * fill that populates a range is in fill.ts.
 */
import { ENTRIES_PER_TABLE } from '../geometry.js';
import { isPageKey as isPageKey_, lowerBound as lowerBound_, pageKey as pageKey_, pteKey as pteKey_ } from './sparse.js';
import { clearHuge } from './huge-map.js';
import { DirTable, FULL, FULL_TABLES, NO_TABLE, PmdTable, isFull, type Full, type PageTree } from './tree.js';

export { countPresent, forEachPresentRun } from './present.js';

const ENTRIES = ENTRIES_PER_TABLE; // a local: imported bindings cost a getter per use under tsx
// Locals: imported bindings cost a getter per use under tsx.
const isPageKey = isPageKey_;
const lowerBound = lowerBound_;
const pageKey = pageKey_;
const pteKey = pteKey_;
const GIB_PAGES = 2 ** 18; // pages under one PMD table

/** Whether any VMA of the mm's view overlaps pages [s, e): which tables a zap must keep. */
export type HasVma = (s: number, e: number) => boolean;

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
