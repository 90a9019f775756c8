/**
 * Walks of the present pages of a range (counting them, or their runs), table by table: a FULL
 * subtree is one span, a PMD table's part is read from its bitmaps.
 */
import { ENTRIES_PER_TABLE } from '../geometry.js';
import {
  isPageKey as isPageKey_, keyOffset as keyOffset_, lowerBound as lowerBound_, pageKey as pageKey_,
} from './sparse.js';
import { DirTable, NO_TABLE, PmdTable, isFull, type PageTree } from './tree.js';

const ENTRIES = ENTRIES_PER_TABLE; // a local: imported bindings cost a getter per use under tsx
// Locals: imported bindings cost a getter per use under tsx (these are on the fault path).
const isPageKey = isPageKey_;
const keyOffset = keyOffset_;
const lowerBound = lowerBound_;
const pageKey = pageKey_;

/** What a walk of the present pages of a range meets: FULL spans, and PMD tables with their part of the range. */
interface PresentVisitor {
  full(from: number, to: number): void;
  pmd(pmd: PmdTable, base: number, from: number, to: number): void;
}

/** Walks the tables under [start, end) of `node` (a table of `level` >= 3 covering from `base`), in address order. */
function walkPresent(tree: PageTree, node: DirTable, level: number, base: number, start: number, end: number,
  v: PresentVisitor): void {
  const span = tree.span[level];
  const lo = Math.max(0, Math.floor((start - base) / span));
  const hi = Math.min(ENTRIES - 1, Math.floor((end - 1 - base) / span));
  for (let i = lo; i <= hi; i++) {
    const child = node.children[i];
    if (child === null) continue;
    const cb = base + i * span;
    const from = Math.max(cb, start);
    const to = Math.min(cb + span, end);
    if (isFull(child)) v.full(from, to);
    else if (child instanceof PmdTable) v.pmd(child, cb, from, to);
    else walkPresent(tree, child, level - 1, cb, from, to, v);
  }
}

/** Calls fn(off) for each present page of a sparse table at offsets [from, to), in order. */
function forEachSparsePage(pmd: PmdTable, from: number, to: number, fn: (off: number) => void): void {
  const keys = pmd.keys ?? [];
  for (let j = lowerBound(keys, pmd.size, pageKey(from)); j < pmd.size && keys[j] < pageKey(to - 1) + 1; j++) {
    if (isPageKey(keys[j])) fn(keyOffset(keys[j]));
  }
}

/** Present pages of [start, end) (a walk of the tables, not of the pages, where they are FULL). */
export function countPresent(tree: PageTree, start: number, end: number): number {
  let n = 0;
  if (end > start) {
    walkPresent(tree, tree.root, tree.top, 0, start, end, {
      full: (from, to) => { n += to - from; },
      pmd: (pmd, base, from, to) => { n += countPmd(pmd, base, from, to); },
    });
  }
  return n;
}

function countPmd(pmd: PmdTable, base: number, start: number, end: number): number {
  if (pmd.keys !== null) {
    let n = 0;
    forEachSparsePage(pmd, start - base, end - base, () => { n++; });
    return n;
  }
  const lo = Math.floor((start - base) / ENTRIES);
  const hi = Math.floor((end - 1 - base) / ENTRIES);
  let n = 0;
  for (let i = lo; i <= hi; i++) {
    const c = pmd.pteCounts[i];
    if (c === NO_TABLE) continue;
    const cb = base + i * ENTRIES;
    if (start <= cb && cb + ENTRIES <= end) {
      n += c;
      continue;
    }
    for (let p = Math.max(cb, start) - base, pe = Math.min(cb + ENTRIES, end) - base; p < pe; p++) {
      n += (pmd.bits[p >>> 5] >>> (p & 31)) & 1;
    }
  }
  return n;
}

/** Calls fn(a, b) for each run [a, b) of present pages of [start, end), in order (a walk of the tables). */
export function forEachPresentRun(tree: PageTree, start: number, end: number, fn: (a: number, b: number) => void): void {
  if (end <= start) return;
  let runStart = -1;
  let runEnd = -1;
  const emit = (a: number, b: number): void => {
    if (a === runEnd) {
      runEnd = b;
      return;
    }
    if (runStart >= 0) fn(runStart, runEnd);
    runStart = a;
    runEnd = b;
  };
  walkPresent(tree, tree.root, tree.top, 0, start, end, {
    full: emit,
    pmd(pmd, base, from, to) {
      if (pmd.keys !== null) {
        forEachSparsePage(pmd, from - base, to - base, (off) => emit(base + off, base + off + 1));
        return;
      }
      for (let p = from - base; p < to - base; p++) {
        if (pmd.pteCounts[p >>> 9] === NO_TABLE) {
          p |= 511; // the whole PTE table is absent
          continue;
        }
        if ((pmd.bits[p >>> 5] >>> (p & 31)) & 1) emit(base + p, base + p + 1);
      }
    },
  });
  if (runStart >= 0) fn(runStart, runEnd);
}
