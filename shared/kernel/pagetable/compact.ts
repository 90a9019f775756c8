/**
 * A page tree in compact form: its present pages as one sorted Float64Array, and the tables they
 * need counted by level, with no table materialised. For a sparse counterfactual (a process that
 * touched a thousand pages of a populated 1 TiB region) a PageTree costs ~120 KiB (hundreds of
 * sparse PMD tables and 512-entry PUD arrays); this costs ~8 bytes a page.
 *
 * The table counts are exact, not estimated, while pages are only ever added: the tables are then
 * exactly those on the paths of the present pages (what a PageTree populated with the same pages
 * holds), and a new page opens a new table at a level iff no present page shares its position
 * there. The pages of one position form a run in sorted order, so the two neighbours the page is
 * inserted between decide it: one binary search and a compare per level. Anything that removes
 * pages (a zap with free_pgd_range's floor/ceiling rule) turns the form into a PageTree first
 * (populateInto; counterfactual.ts).
 */
import { ENTRIES_PER_TABLE } from '../geometry.js';
import { fill } from './fill.js';
import { DirTable, PmdTable, isFull, type DirEntry, type PageTree } from './tree.js';

const ENTRIES = ENTRIES_PER_TABLE; // a local: imported bindings cost a getter per use under tsx
/** TABLE_SPAN[l]: pages under one table of level l (512^l; level 5 included). */
const TABLE_SPAN: readonly number[] = [1, 2 ** 9, 2 ** 18, 2 ** 27, 2 ** 36, 2 ** 45];

export class CompactTree {
  /** Table levels (the root's; as PageTree.top). */
  readonly top: number;
  /** The present pages ascending: the first `present` entries (the capacity doubles). */
  pages = new Float64Array(0);
  /** Present pages. */
  present = 0;
  /** Table pages below the root, by level (index = level), as PageTree.tables counts them. */
  readonly tables: Float64Array;

  constructor(top: number) {
    this.top = top;
    this.tables = new Float64Array(top + 1);
  }

  /** Index of the first present page >= `page`. */
  lowerBound(page: number): number {
    const pages = this.pages;
    let lo = 0;
    let hi = this.present;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pages[mid] < page) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  isPresent(page: number): boolean {
    const i = this.lowerBound(page);
    return i < this.present && this.pages[i] === page;
  }

  /** Makes `page` present. Returns true when it was not (a minor fault populated it). */
  populate(page: number): boolean {
    return this.add(page, page + 1, 1) === 1;
  }

  /** Makes present every stride-th page of [start, end) (start, start+stride, ...); returns how many were absent. */
  fill(start: number, end: number, stride: number): number {
    return this.add(start, end, stride);
  }

  /**
   * populate (one page: a binary search, the neighbour rule, an insert) and fill (a series:
   * merged with the pages into a new array, then the tables recounted) in one function on purpose:
   * its size. Over V8's 460-byte inlining limit it is never inlined into the fault path, which
   * keeps that path's inlining budget for the trees (see sparseAccess in tables.ts); the call
   * costs a compact process's fault a few nanoseconds.
   */
  private add(start: number, end: number, stride: number): number {
    const old = this.pages;
    const n = this.present;
    if (end - start === 1) {
      let i = 0;
      let hi = n;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (old[mid] < start) i = mid + 1;
        else hi = mid;
      }
      if (i < n && old[i] === start) return 0;
      // The neighbours: a table of level l is new unless one of them is under the same one (-1
      // and Infinity are under none). A level whose table exists has its parent's: stop there.
      const below = i > 0 ? old[i - 1] : -1;
      const above = i < n ? old[i] : Infinity;
      for (let l = 1; l < this.top; l++) {
        const span = TABLE_SPAN[l];
        const at = Math.floor(start / span);
        if (Math.floor(below / span) === at || Math.floor(above / span) === at) break;
        this.tables[l]++;
      }
      let pages = old;
      if (n === old.length) {
        pages = new Float64Array(Math.max(8, 2 * n));
        pages.set(old.subarray(0, i));
        pages.set(old.subarray(i, n), i + 1);
        this.pages = pages;
      } else {
        pages.copyWithin(i + 1, i, n);
      }
      pages[i] = start;
      this.present = n + 1;
      return 1;
    }
    const count = end > start ? Math.ceil((end - start) / stride) : 0;
    if (count === 0) return 0;
    let capacity = Math.max(8, old.length);
    while (capacity < n + count) capacity *= 2;
    const out = new Float64Array(capacity);
    let i = 0;
    let k = 0;
    let m = 0;
    while (i < n || k < count) {
      const p = start + k * stride;
      if (k === count || (i < n && old[i] < p)) out[m++] = old[i++];
      else {
        if (i < n && old[i] === p) i++;
        out[m++] = p;
        k++;
      }
    }
    this.pages = out;
    this.present = m;
    this.recount();
    return m - n;
  }

  /** Counts the tables from the pages: at each level, the distinct positions among them. */
  private recount(): void {
    const pages = this.pages;
    for (let l = 1; l < this.top; l++) {
      const span = TABLE_SPAN[l];
      let tables = 0;
      let last = -1;
      for (let i = 0; i < this.present; i++) {
        const at = Math.floor(pages[i] / span);
        if (at !== last) tables++;
        last = at;
      }
      this.tables[l] = tables;
    }
  }

  /**
   * Populates `tree` (empty) with the pages, run of consecutive pages by run: its tables then
   * come out as counted here, and it can take what this form cannot (a zap, a subtree attach).
   */
  populateInto(tree: PageTree): void {
    const pages = this.pages;
    for (let i = 0; i < this.present;) {
      let j = i + 1;
      while (j < this.present && pages[j] === pages[j - 1] + 1) j++;
      // A lone page by populate, which uses the tree's caches (fill walks from the root).
      if (j === i + 1) tree.populate(pages[i]);
      else fill(tree, pages[i], pages[j - 1] + 1, 1);
      i = j;
    }
  }
}

/**
 * commonTables (accounting.ts) between a tree and a compact form: the compact form's tables, by
 * level >= minLevel, at a position where `tree` has a table too (or a FULL entry above, which
 * stands for every table under it). The pages in order give each level's positions; the tree's
 * path is walked down only from the highest level whose position changed since the last page.
 */
export function commonWithCompact(tree: PageTree, c: CompactTree, minLevel: number): Float64Array {
  const top = c.top;
  const common = new Float64Array(top + 1);
  // path[l]: what `tree` holds for the current page's table of level l: the table, FULL, or null.
  const path = new Array<DirEntry>(top + 1).fill(null);
  path[top] = tree.root;
  const pages = c.pages;
  const low = Math.max(1, minLevel);
  let last = -1;
  for (let i = 0; i < c.present; i++) {
    const page = pages[i];
    let l = top - 1;
    if (last >= 0) while (l >= low && Math.floor(page / TABLE_SPAN[l]) === Math.floor(last / TABLE_SPAN[l])) l--;
    last = page;
    for (; l >= low; l--) {
      const parent = path[l + 1];
      if (l === 1) {
        // A PTE table lives inline in its PMD table.
        if (isFull(parent) || (parent instanceof PmdTable && parent.hasPte((page >>> 9) & (ENTRIES - 1)))) common[1]++;
        continue;
      }
      const entry = parent instanceof DirTable ? parent.children[tree.index(page, l + 1)] : parent;
      path[l] = entry;
      if (entry !== null) common[l]++;
    }
  }
  return common;
}
