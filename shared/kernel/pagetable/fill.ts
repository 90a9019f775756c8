/**
 * Range fill: a touch of a whole range, populating it. It walks tables, never pages one by one,
 * so its cost grows with the tables under the range rather than with its pages; a run of
 * untouched entries wholly inside the range is one step.
 */
import { ENTRIES_PER_TABLE } from '../geometry.js';
import { SPARSE_MAX as SPARSE_MAX_ } from './sparse.js';
import { DirTable, FULL, NO_TABLE, PmdTable, type PageTree } from './tree.js';

const ENTRIES = ENTRIES_PER_TABLE; // a local: imported bindings cost a getter per use under tsx
const SPARSE_MAX = SPARSE_MAX_;

export interface FillCounts {
  newly: number;
  already: number;
}

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
  // Untouched entries wholly inside [start, end) at stride 1 become FULL as one run, charged once
  // rather than entry by entry (a fresh 300 GiB touch is a run of 300 entries of a PUD table).
  const wholeEnd = stride === 1 ? Math.min(hi + 1, Math.floor((end - base) / span)) : 0;
  for (let i = lo; i <= hi; i++) {
    const cb = base + i * span;
    if (i < wholeEnd && cb >= start && node.children[i] === null) {
      let j = i + 1;
      while (j < wholeEnd && node.children[j] === null) j++;
      const k = j - i;
      tree.allocateFull(level - 1, k);
      node.children.fill(FULL, i, j);
      node.fullCount += k;
      counts.newly += k * span;
      i = j - 1;
      continue;
    }
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
