/**
 * One mm's page tables as a radix tree, counted exactly as Linux counts table pages.
 *
 * Representation, sized for 1500 private trees of 300 GiB each:
 * - a PTE table is a 512-bit presence bitmap (no object per page);
 * - a table whose pages are all present, and whose subtables are all full, collapses into the
 *   FULL marker in its parent entry: the tables it stands for still exist and are still counted,
 *   they are just not materialised. A zap of part of a FULL subtree expands it again one level at
 *   a time.
 * Table pages are allocated and freed only through a TableLedger, the one place where a memory
 * budget can refuse one (ENOMEM).
 */
import { ENTRIES_PER_TABLE, type Geometry } from './geometry.js';

export class PteTable {
  readonly bits = new Int32Array(16);
  count = 0;
}

export class DirTable {
  readonly children: Array<Table | typeof FULL | null> = new Array(ENTRIES).fill(null);
  /** Children that are FULL: at 512 this table collapses into FULL in its parent. */
  fullCount = 0;
}

export type Table = PteTable | DirTable;
/** Marker for a fully populated table (with all its subtables) in its parent's entry. */
export const FULL = Object.freeze({ full: true as const });
export type Entry = Table | typeof FULL | null;

/** Where table pages are allocated and freed; counts by level (index = level). */
export interface TableLedger {
  allocate(level: number, count: number): void;
  free(level: number, count: number): void;
}

export interface FillCounts {
  newly: number;
  already: number;
}

const GIB_PAGES = 2 ** 18; // pages under one PUD entry
const PUD_TABLE_PAGES = 2 ** 27; // pages under one PUD table (512 GiB)
const ENTRIES = ENTRIES_PER_TABLE; // a local: imported bindings cost a getter per use under tsx

/**
 * fullSubtree[k][j]: table pages at level j inside one full table of level k (j <= k).
 */
function fullSubtreeCounts(levels: number): number[][] {
  const out: number[][] = [[]];
  for (let k = 1; k <= levels; k++) {
    const row = new Array<number>(k + 1).fill(0);
    for (let j = 1; j <= k; j++) row[j] = ENTRIES ** (k - j);
    out.push(row);
  }
  return out;
}

export class PageTree {
  readonly geometry: Geometry;
  readonly top: number;
  /** The top-level table (PGD). Never freed while the tree lives; its owner counts it. */
  readonly root = new DirTable();
  /** Table pages below the root, by level (index = level). */
  readonly tables: Float64Array;
  /** Present pages. */
  present = 0;
  private readonly ledger: TableLedger;
  private readonly full: number[][];
  private readonly span: readonly number[];
  // Last-leaf cache for the present-page fast path: [cacheBase, cacheBase+cacheSpan) is covered by
  // cacheLeaf (a PTE table, or FULL). Reset on every structural change.
  private cacheBase = -1;
  private cacheSpan = 0;
  private cacheLeaf: PteTable | typeof FULL | null = null;
  // The PUD table of the last walk: [pudBase, pudBase+pudSpan) is under `pud`, so a walk that
  // stays under it (an SGA below one PGD entry) skips the levels above. Reset with the leaf cache.
  private pudBase = -1;
  private pudSpan = 0;
  private pud: DirTable | null = null;

  constructor(geometry: Geometry, ledger: TableLedger) {
    this.geometry = geometry;
    this.top = geometry.levels;
    this.tables = new Float64Array(geometry.levels + 1);
    this.ledger = ledger;
    this.full = fullSubtreeCounts(geometry.levels);
    this.span = geometry.entrySpanPages;
  }

  /** Table pages below the root at levels 1..maxLevel. */
  tablesUpTo(maxLevel: number): number {
    let n = 0;
    for (let l = 1; l <= Math.min(maxLevel, this.top - 1); l++) n += this.tables[l];
    return n;
  }

  /** Index of `page` in a table of `level`. */
  index(page: number, level: number): number {
    // Levels 1..3 use bits 0..26 of the page number, which `>>>` keeps exactly (it works on the
    // low 32 bits); the upper levels need a float division, exact for powers of two.
    if (level <= 3) return (page >>> (9 * (level - 1))) & 511;
    return (page / this.span[level]) & 511;
  }

  isPresent(page: number): boolean {
    if (page - this.cacheBase < this.cacheSpan && page >= this.cacheBase) {
      const leaf = this.cacheLeaf;
      if (leaf === FULL) return true;
      const i = page & 511;
      return ((leaf as PteTable).bits[i >>> 5] >>> (i & 31) & 1) === 1;
    }
    return this.lookupSlow(page);
  }

  private lookupSlow(page: number): boolean {
    // Above the PUD level (one or two levels, skipped under the cached PUD table), then PUD,
    // PMD, PTE unrolled: the hot lookup.
    let node: DirTable;
    if (page - this.pudBase < this.pudSpan && page >= this.pudBase) {
      node = this.pud as DirTable;
    } else {
      node = this.root;
      for (let level = this.top; level > 3; level--) {
        const child = node.children[(page / this.span[level]) & 511]; // ToInt32 truncates
        if (child === null) return false;
        if (child === FULL) return this.cacheFull(page, this.span[level]);
        node = child as DirTable;
      }
      this.pudBase = Math.floor(page / PUD_TABLE_PAGES) * PUD_TABLE_PAGES;
      this.pudSpan = PUD_TABLE_PAGES;
      this.pud = node;
    }
    // node is now the PUD table: its entry spans 1 GiB, the PMD table's entry 2 MiB.
    const pmdTable = node.children[(page >>> 18) & 511];
    if (pmdTable === null) return false;
    if (pmdTable === FULL) return this.cacheFull(page, GIB_PAGES);
    const pteTable = (pmdTable as DirTable).children[(page >>> 9) & 511];
    if (pteTable === null) return false;
    if (pteTable === FULL) return this.cacheFull(page, 512);
    const pte = pteTable as PteTable;
    const i = page & 511;
    this.cacheBase = page - i;
    this.cacheSpan = 512;
    this.cacheLeaf = pte;
    return ((pte.bits[i >>> 5] >>> (i & 31)) & 1) === 1;
  }

  private cacheFull(page: number, span: number): true {
    // Spans are powers of two, so floor(page / span) * span is exact, and it avoids `%` on a
    // double (a C call in V8: most of a random lookup's time on a collapsed tree).
    this.cacheBase = Math.floor(page / span) * span;
    this.cacheSpan = span;
    this.cacheLeaf = FULL;
    return true;
  }

  private setCache(base: number, span: number, leaf: PteTable | typeof FULL): void {
    this.cacheBase = base;
    this.cacheSpan = span;
    this.cacheLeaf = leaf;
  }

  private invalidate(): void {
    this.cacheBase = -1;
    this.cacheSpan = 0;
    this.cacheLeaf = null;
    this.pudBase = -1;
    this.pudSpan = 0;
    this.pud = null;
  }

  /** Makes `page` present. Returns true when it was not (a minor fault populated it). */
  populate(page: number): boolean {
    if (this.isPresent(page)) return false;
    this.populateAt(this.root, this.top, page);
    this.present++;
    return true;
  }

  /** Returns true when `node`'s child on the path became FULL. Precondition: page absent. */
  private populateAt(node: DirTable, level: number, page: number): boolean {
    const idx = this.index(page, level);
    let child = node.children[idx];
    if (level === 2) {
      let pte = child as PteTable | null;
      if (pte === null) {
        this.allocate(1, 1);
        pte = new PteTable();
        node.children[idx] = pte;
      }
      const i = page & 511;
      pte.bits[i >>> 5] |= 1 << (i & 31);
      if (++pte.count === ENTRIES) {
        node.children[idx] = FULL;
        this.invalidate();
        return ++node.fullCount === ENTRIES;
      }
      this.setCache(page - i, 512, pte);
      return false;
    }
    if (child === null) {
      this.allocate(level - 1, 1);
      child = new DirTable();
      node.children[idx] = child;
    }
    if (this.populateAt(child as DirTable, level - 1, page)) {
      node.children[idx] = FULL;
      return ++node.fullCount === ENTRIES;
    }
    return false;
  }

  /**
   * Makes present every stride-th page of [start, end) (pages start, start+stride, ...).
   * Cost grows with the tables touched, not with the pages: whole untouched subtrees become FULL
   * in one step when stride is 1.
   */
  fill(start: number, end: number, stride: number): FillCounts {
    const counts = { newly: 0, already: 0 };
    if (end <= start) return counts;
    this.invalidate();
    this.fillAt(this.root, this.top, 0, start, end, stride, counts);
    this.present += counts.newly;
    return counts;
  }

  /** Fills within `node` (covering [base, base + tableSpan)); returns true if it became full. */
  private fillAt(node: DirTable, level: number, base: number, start: number, end: number,
    stride: number, counts: FillCounts): boolean {
    const span = this.span[level];
    const lo = Math.max(0, Math.floor((start - base) / span));
    const hi = Math.min(ENTRIES - 1, Math.floor((end - 1 - base) / span));
    for (let i = lo; i <= hi; i++) {
      const cb = base + i * span;
      const ce = cb + span;
      const from = Math.max(cb, start);
      const to = Math.min(ce, end);
      const first = start + Math.ceil((from - start) / stride) * stride;
      if (first >= to) continue;
      const touched = Math.floor((to - 1 - first) / stride) + 1;
      const child = node.children[i];
      if (child === FULL) {
        counts.already += touched;
        continue;
      }
      if (child === null && touched === span) {
        this.allocateFull(level - 1);
        node.children[i] = FULL;
        node.fullCount++;
        counts.newly += span;
        continue;
      }
      let becameFull: boolean;
      if (level === 2) {
        let pte = child as PteTable | null;
        if (pte === null) {
          this.allocate(1, 1);
          pte = new PteTable();
          node.children[i] = pte;
        }
        becameFull = this.fillPte(pte, first - cb, to - cb, stride, counts);
      } else {
        let dir = child as DirTable | null;
        if (dir === null) {
          this.allocate(level - 1, 1);
          dir = new DirTable();
          node.children[i] = dir;
        }
        becameFull = this.fillAt(dir, level - 1, cb, first, to, stride, counts);
      }
      if (becameFull) {
        node.children[i] = FULL;
        node.fullCount++;
      }
    }
    return node.fullCount === ENTRIES;
  }

  private fillPte(pte: PteTable, from: number, to: number, stride: number, counts: FillCounts): boolean {
    const bits = pte.bits;
    let newly = 0;
    for (let i = from; i < to; i += stride) {
      const w = i >>> 5;
      const m = 1 << (i & 31);
      if ((bits[w] & m) === 0) {
        bits[w] |= m;
        newly++;
      }
    }
    const touched = Math.floor((to - 1 - from) / stride) + 1;
    counts.newly += newly;
    counts.already += touched - newly;
    pte.count += newly;
    return pte.count === ENTRIES;
  }

  /**
   * munmap's zap and free_pgtables: clears the pages of [start, end), then frees every table
   * under the range whose span no VMA overlaps any more (free_pgd_range's floor/ceiling rule:
   * a table shared with a neighbouring VMA stays). `hasVma(s, e)` says whether any VMA of this
   * mm's view overlaps pages [s, e). The root is never freed.
   */
  zap(start: number, end: number, hasVma: (s: number, e: number) => boolean): void {
    if (end <= start) return;
    this.invalidate();
    this.zapAt(this.root, this.top, 0, start, end, hasVma);
  }

  private zapAt(node: DirTable, level: number, base: number, start: number, end: number,
    hasVma: (s: number, e: number) => boolean): void {
    const span = this.span[level];
    const lo = Math.max(0, Math.floor((start - base) / span));
    const hi = Math.min(ENTRIES - 1, Math.floor((end - 1 - base) / span));
    for (let i = lo; i <= hi; i++) {
      let child = node.children[i];
      if (child === null) continue;
      const cb = base + i * span;
      const ce = cb + span;
      if (!hasVma(cb, ce)) {
        this.freeEntry(node, i, level - 1);
        continue;
      }
      if (child === FULL) {
        if (start <= cb && ce <= end) throw new Error('zap: a VMA overlaps a range being unmapped');
        child = this.expand(node, i, level - 1);
      }
      if (level === 2) {
        const pte = child as PteTable;
        const from = Math.max(cb, start) - cb;
        const to = Math.min(ce, end) - cb;
        for (let p = from; p < to; p++) {
          const w = p >>> 5;
          const m = 1 << (p & 31);
          if (pte.bits[w] & m) {
            pte.bits[w] &= ~m;
            pte.count--;
            this.present--;
          }
        }
      } else {
        this.zapAt(child as DirTable, level - 1, cb, start, end, hasVma);
      }
    }
  }

  /** Replaces a FULL entry by a materialised table of `level` whose entries are all FULL. */
  private expand(parent: DirTable, idx: number, level: number): Table {
    let table: Table;
    if (level === 1) {
      const pte = new PteTable();
      pte.bits.fill(-1);
      pte.count = ENTRIES;
      table = pte;
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

  /** Frees the table at parent.children[idx] (of `level`) with everything under it. */
  private freeEntry(parent: DirTable, idx: number, level: number): void {
    const entry = parent.children[idx];
    if (entry === null) return;
    if (entry === FULL) parent.fullCount--;
    this.present -= this.releaseSubtree(entry, level);
    parent.children[idx] = null;
  }

  /** Returns the subtree's present pages after giving its tables back to the ledger. */
  private releaseSubtree(entry: Table | typeof FULL, level: number): number {
    if (entry === FULL) {
      const row = this.full[level];
      for (let j = 1; j <= level; j++) this.deallocate(j, row[j]);
      return this.span[level + 1];
    }
    this.deallocate(level, 1);
    if (level === 1) return (entry as PteTable).count;
    let present = 0;
    for (const child of (entry as DirTable).children) {
      if (child !== null) present += this.releaseSubtree(child, level - 1);
    }
    return present;
  }

  /** Frees every table below the root (process exit, host teardown). */
  clear(): void {
    this.invalidate();
    for (let i = 0; i < ENTRIES; i++) this.freeEntry(this.root, i, this.top - 1);
  }

  /** The entry at `level`'s table for `page`, or null where the path stops earlier. */
  entryAt(level: number, page: number): Entry {
    let node: DirTable = this.root;
    for (let l = this.top; l > level; l--) {
      const child = node.children[this.index(page, l)];
      if (child === null || child === FULL) return child;
      node = child as DirTable;
    }
    return node.children[this.index(page, level)];
  }

  /**
   * Detaches the subtree under the entry of `level` for `page` and returns it with its table
   * counts (mshare moving a creator's tables into the host). The tables leave this tree's ledger.
   */
  detach(level: number, page: number): { entry: Entry; present: number } {
    const parent = this.tableAt(level, page, false);
    if (parent === null) return { entry: null, present: 0 };
    const idx = this.index(page, level);
    const entry = parent.children[idx];
    if (entry === null) return { entry: null, present: 0 };
    this.invalidate();
    const present = this.releaseSubtree(entry, level - 1);
    this.present -= present;
    if (entry === FULL) parent.fullCount--;
    parent.children[idx] = null;
    return { entry, present };
  }

  /** Inserts a detached subtree under the (empty) entry of `level` for `page`, counting it. */
  attach(level: number, page: number, entry: Entry, present: number): void {
    if (entry === null) return;
    const parent = this.tableAt(level, page, true) as DirTable;
    const idx = this.index(page, level);
    if (parent.children[idx] !== null) throw new Error('attach: entry is not empty');
    this.invalidate();
    this.countSubtree(entry, level - 1);
    parent.children[idx] = entry;
    if (entry === FULL) parent.fullCount++;
    this.present += present;
  }

  /** A deep copy of a subtree (tables are counted when the copy is attached). */
  static clone(entry: Entry): Entry {
    if (entry === null || entry === FULL) return entry;
    if (entry instanceof PteTable) {
      const copy = new PteTable();
      copy.bits.set(entry.bits);
      copy.count = entry.count;
      return copy;
    }
    const dir = entry as DirTable;
    const copy = new DirTable();
    copy.fullCount = dir.fullCount;
    for (let i = 0; i < ENTRIES; i++) copy.children[i] = PageTree.clone(dir.children[i]);
    return copy;
  }

  private countSubtree(entry: Table | typeof FULL, level: number): void {
    if (entry === FULL) {
      const row = this.full[level];
      for (let j = 1; j <= level; j++) this.allocate(j, row[j]);
      return;
    }
    this.allocate(level, 1);
    if (level === 1) return;
    for (const child of (entry as DirTable).children) {
      if (child !== null) this.countSubtree(child, level - 1);
    }
  }

  /** The table of `level` on `page`'s path (allocating the path when `create`). */
  tableAt(level: number, page: number, create: boolean): DirTable | null {
    let node: DirTable = this.root;
    for (let l = this.top; l > level; l--) {
      const idx = this.index(page, l);
      let child = node.children[idx];
      if (child === FULL) throw new Error('tableAt: path runs through a full subtree');
      if (child === null) {
        if (!create) return null;
        this.allocate(l - 1, 1);
        child = new DirTable();
        node.children[idx] = child;
        this.invalidate();
      }
      node = child as DirTable;
    }
    return node;
  }

  /**
   * Tables below the root, by level (index = level), present at the same position in both trees:
   * the upper path a process's private tables and its counterfactual tables have in common, which
   * a single unshared tree would hold once. Only levels >= minLevel are compared.
   */
  static commonTables(a: PageTree, b: PageTree, minLevel: number): Float64Array {
    const common = new Float64Array(a.top + 1);
    const addAll = (entry: Table | typeof FULL, level: number): void => {
      if (level < minLevel) return;
      if (entry === FULL) {
        const row = a.full[level];
        for (let j = Math.max(1, minLevel); j <= level; j++) common[j] += row[j];
        return;
      }
      common[level]++;
      if (level === 1) return;
      for (const child of (entry as DirTable).children) if (child !== null) addAll(child, level - 1);
    };
    const walk = (x: DirTable, y: DirTable, level: number): void => {
      // x and y are tables of `level`; compare their children, tables of level - 1.
      if (level - 1 < minLevel) return;
      for (let i = 0; i < ENTRIES; i++) {
        const cx = x.children[i];
        const cy = y.children[i];
        if (cx === null || cy === null) continue;
        if (cx === FULL) addAll(cy, level - 1);
        else if (cy === FULL) addAll(cx, level - 1);
        else {
          common[level - 1]++;
          if (level - 1 >= 2) walk(cx as DirTable, cy as DirTable, level - 1);
        }
      }
    };
    walk(a.root, b.root, a.top);
    return common;
  }

  private allocate(level: number, count: number): void {
    this.ledger.allocate(level, count);
    this.tables[level] += count;
  }

  private allocateFull(level: number): void {
    const row = this.full[level];
    for (let j = 1; j <= level; j++) this.allocate(j, row[j]);
  }

  private deallocate(level: number, count: number): void {
    this.ledger.free(level, count);
    this.tables[level] -= count;
  }
}
