/**
 * One mm's page tables as a radix tree, counted exactly as Linux counts table pages.
 *
 * Representation, sized for 1500 private trees of 300 GiB each:
 * - a PTE table is a 512-bit presence bitmap (no object per page), held inline by its PMD table
 *   (one flat bitmap and one count per entry for the whole PMD table: no object per PTE table);
 * - a table whose pages are all present, and whose subtables are all full, collapses into the
 *   FULL marker in its parent entry: the tables it stands for still exist and are still counted,
 *   they are just not materialised. A zap of part of a FULL subtree expands it again one level at
 *   a time.
 * Table pages are allocated and freed only through a TableLedger, the one place where a memory
 * budget can refuse one (ENOMEM).
 */
import { ENTRIES_PER_TABLE, type Geometry } from './geometry.js';

/**
 * A PTE table on its own: what detach/entryAt hand out for an entry of a PMD table (a link entry
 * at linkLevel 2), and what attach takes back. Inside a tree, PTE tables live in their PMD table.
 */
export class PteTable {
  readonly bits = new Int32Array(16);
  count = 0;
}

/** counts[i] of a PmdTable where entry i holds no PTE table. */
const NO_TABLE = -1;

/**
 * A PMD table with its 512 PTE tables inline: one flat bitmap and one count per entry, so a
 * lookup is two dependent loads from the PMD table (no object, no array per PTE table), and
 * a PTE table costs no allocation.
 */
export class PmdTable {
  /**
   * Entry i's PTE bitmap is words [16i, 16i + 16): bit (page & 511) of it. Kept exact for every
   * entry: 0 where there is no PTE table, all ones where it is FULL, so a lookup reads the bit
   * without looking at counts.
   */
  readonly bits = new Int32Array(ENTRIES * 16);
  /** Present pages of entry i's PTE table: NO_TABLE where none, ENTRIES where it is FULL. */
  readonly counts = new Int16Array(ENTRIES).fill(NO_TABLE);
  /** Entries that are FULL: at 512 this table collapses into FULL in its parent. */
  fullCount = 0;
}

/** A table of level >= 3: its children are PMD tables (level 3) or tables like itself. */
export class DirTable {
  readonly children: Array<PmdTable | DirTable | typeof FULL | null> = new Array(ENTRIES).fill(null);
  /** Children that are FULL: at 512 this table collapses into FULL in its parent. */
  fullCount = 0;
}

export type Table = PteTable | PmdTable | DirTable;
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
  // cacheLeaf: a PMD table (its whole 1 GiB: its bitmap answers for every page under it), or FULL.
  // Reset on every structural change (a table replaced, collapsed, expanded, freed or moved);
  // a bit or count changing inside the cached PMD table is not one.
  private cacheBase = -1;
  private cacheSpan = 0;
  private cacheLeaf: PmdTable | typeof FULL | null = null;
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
      // Bits 5..17 of the page number: the word in the PMD table's flat bitmap.
      return (((leaf as PmdTable).bits[(page >>> 5) & 8191] >>> (page & 31)) & 1) === 1;
    }
    return this.lookupSlow(page);
  }

  private lookupSlow(page: number): boolean {
    // Above the PUD level (one or two levels, skipped under the cached PUD table), then PUD and
    // the PMD table's bitmap unrolled: the hot lookup.
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
    // node is now the PUD table: its entry spans 1 GiB, a whole PMD table.
    const entry = node.children[(page >>> 18) & 511];
    if (entry === null) return false;
    if (entry === FULL) return this.cacheFull(page, GIB_PAGES);
    const pmd = entry as PmdTable;
    this.cacheBase = page - (page & (GIB_PAGES - 1)); // low 18 bits: exact through ToInt32
    this.cacheSpan = GIB_PAGES;
    this.cacheLeaf = pmd;
    return ((pmd.bits[(page >>> 5) & 8191] >>> (page & 31)) & 1) === 1;
  }

  private cacheFull(page: number, span: number): true {
    // Spans are powers of two, so floor(page / span) * span is exact, and it avoids `%` on a
    // double (a C call in V8: most of a random lookup's time on a collapsed tree).
    this.cacheBase = Math.floor(page / span) * span;
    this.cacheSpan = span;
    this.cacheLeaf = FULL;
    return true;
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
    // isPresent left the cache on the PMD table covering `page` if there is one: set the bit
    // there, unless it would make the PMD table full (its parent's entry must then become FULL,
    // which takes the walk from the root).
    const leaf = this.cacheLeaf;
    if (leaf !== null && leaf !== FULL && page - this.cacheBase < this.cacheSpan && page >= this.cacheBase
      && ((leaf as PmdTable).fullCount < ENTRIES - 1 || (leaf as PmdTable).counts[(page >>> 9) & 511] < ENTRIES - 1)) {
      this.populatePmd(leaf as PmdTable, page);
    } else {
      this.populateAt(this.root, this.top, page);
    }
    this.present++;
    return true;
  }

  /**
   * Returns true when `node`'s child on the path became FULL. `node` is a table of `level` >= 3.
   * Precondition: page absent.
   */
  private populateAt(node: DirTable, level: number, page: number): boolean {
    const idx = this.index(page, level);
    let child = node.children[idx];
    if (child === null) {
      this.allocate(level - 1, 1);
      child = level === 3 ? new PmdTable() : new DirTable();
      node.children[idx] = child;
    }
    let becameFull: boolean;
    if (level === 3) {
      becameFull = this.populatePmd(child as PmdTable, page);
      if (!becameFull) {
        this.cacheBase = page - (page & (GIB_PAGES - 1));
        this.cacheSpan = GIB_PAGES;
        this.cacheLeaf = child as PmdTable;
      }
    } else {
      becameFull = this.populateAt(child as DirTable, level - 1, page);
    }
    if (becameFull) {
      // The table is replaced by the marker: a cached pointer to it would go stale.
      node.children[idx] = FULL;
      this.invalidate();
      return ++node.fullCount === ENTRIES;
    }
    return false;
  }

  /** Sets `page` (absent) in its PMD table; returns true when the PMD table became full. */
  private populatePmd(pmd: PmdTable, page: number): boolean {
    const j = (page >>> 9) & 511;
    let c = pmd.counts[j];
    if (c === NO_TABLE) {
      this.allocate(1, 1);
      c = 0;
    }
    pmd.bits[(page >>> 5) & 8191] |= 1 << (page & 31);
    pmd.counts[j] = ++c;
    return c === ENTRIES && ++pmd.fullCount === ENTRIES;
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

  /**
   * Fills within `node` (a table of `level` >= 3 covering [base, base + tableSpan)); returns true
   * if it became full.
   */
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
      let child = node.children[i];
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
      if (child === null) {
        this.allocate(level - 1, 1);
        child = level === 3 ? new PmdTable() : new DirTable();
        node.children[i] = child;
      }
      const becameFull = level === 3
        ? this.fillPmd(child as PmdTable, cb, first, to, stride, counts)
        : this.fillAt(child as DirTable, level - 1, cb, first, to, stride, counts);
      if (becameFull) {
        node.children[i] = FULL;
        node.fullCount++;
      }
    }
    return node.fullCount === ENTRIES;
  }

  /** fillAt for a PMD table covering [base, base + 2^18): its PTE tables are its own entries. */
  private fillPmd(pmd: PmdTable, base: number, start: number, end: number, stride: number,
    counts: FillCounts): boolean {
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
      let c = pmd.counts[i];
      if (c === ENTRIES) {
        counts.already += touched;
        continue;
      }
      if (c === NO_TABLE) {
        this.allocate(1, 1);
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
      pmd.counts[i] = c;
      if (c === ENTRIES) pmd.fullCount++;
    }
    return pmd.fullCount === ENTRIES;
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

  /** zap within `node`, a table of `level` >= 3 covering [base, base + tableSpan). */
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
      if (level === 3) this.zapPmd(child as PmdTable, cb, start, end, hasVma);
      else this.zapAt(child as DirTable, level - 1, cb, start, end, hasVma);
    }
  }

  /** zap within a PMD table covering [base, base + 2^18). */
  private zapPmd(pmd: PmdTable, base: number, start: number, end: number,
    hasVma: (s: number, e: number) => boolean): void {
    const bits = pmd.bits;
    const lo = Math.max(0, Math.floor((start - base) / ENTRIES));
    const hi = Math.min(ENTRIES - 1, Math.floor((end - 1 - base) / ENTRIES));
    for (let i = lo; i <= hi; i++) {
      const c = pmd.counts[i];
      if (c === NO_TABLE) continue;
      const cb = base + i * ENTRIES;
      const ce = cb + ENTRIES;
      if (!hasVma(cb, ce)) {
        this.freePte(pmd, i);
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
      pmd.counts[i] = c - cleared;
      this.present -= cleared;
      if (c === ENTRIES && cleared > 0) pmd.fullCount--;
    }
  }

  /** Frees entry i's PTE table of a PMD table. */
  private freePte(pmd: PmdTable, i: number): void {
    const c = pmd.counts[i];
    if (c === NO_TABLE) return;
    if (c === ENTRIES) pmd.fullCount--;
    this.deallocate(1, 1);
    this.present -= c;
    pmd.counts[i] = NO_TABLE;
    pmd.bits.fill(0, i * 16, i * 16 + 16);
  }

  /** Replaces a FULL entry by a materialised table of `level` (>= 2) whose entries are all FULL. */
  private expand(parent: DirTable, idx: number, level: number): PmdTable | DirTable {
    let table: PmdTable | DirTable;
    if (level === 2) {
      const pmd = new PmdTable();
      pmd.bits.fill(-1);
      pmd.counts.fill(ENTRIES);
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

  /** Frees the table at parent.children[idx] (of `level` >= 2) with everything under it. */
  private freeEntry(parent: DirTable, idx: number, level: number): void {
    const entry = parent.children[idx];
    if (entry === null) return;
    if (entry === FULL) parent.fullCount--;
    this.present -= this.releaseSubtree(entry, level);
    parent.children[idx] = null;
  }

  /** Returns the subtree's present pages after giving its tables back to the ledger (level >= 2). */
  private releaseSubtree(entry: PmdTable | DirTable | typeof FULL, level: number): number {
    if (entry === FULL) {
      const row = this.full[level];
      for (let j = 1; j <= level; j++) this.deallocate(j, row[j]);
      return this.span[level + 1];
    }
    this.deallocate(level, 1);
    let present = 0;
    if (level === 2) {
      const counts = (entry as PmdTable).counts;
      for (let i = 0; i < ENTRIES; i++) {
        if (counts[i] === NO_TABLE) continue;
        this.deallocate(1, 1);
        present += counts[i];
      }
      return present;
    }
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

  /**
   * The entry at `level`'s table for `page`, or null where the path stops earlier. At level 2
   * (an entry of a PMD table) a PTE table is returned as a copy: PMD tables hold theirs inline.
   */
  entryAt(level: number, page: number): Entry {
    if (level < 2) throw new Error('entryAt: level must be 2 (PMD) or above');
    let node: PmdTable | DirTable = this.root;
    for (let l = this.top; l > level; l--) {
      const child: Entry = (node as DirTable).children[this.index(page, l)];
      if (child === null || child === FULL) return child;
      node = child as PmdTable | DirTable;
    }
    if (level === 2) return PageTree.pteEntry(node as PmdTable, this.index(page, 2));
    return (node as DirTable).children[this.index(page, level)];
  }

  /** Entry i of a PMD table as an Entry: null, FULL, or a copy of its PTE table. */
  private static pteEntry(pmd: PmdTable, i: number): Entry {
    const c = pmd.counts[i];
    if (c === NO_TABLE) return null;
    if (c === ENTRIES) return FULL;
    const pte = new PteTable();
    pte.bits.set(pmd.bits.subarray(i * 16, i * 16 + 16));
    pte.count = c;
    return pte;
  }

  /**
   * Detaches the subtree under the entry of `level` for `page` and returns it with its table
   * counts (mshare moving a creator's tables into the host). The tables leave this tree's ledger.
   */
  detach(level: number, page: number): { entry: Entry; present: number } {
    const parent = this.tableAt(level, page, false);
    if (parent === null) return { entry: null, present: 0 };
    const idx = this.index(page, level);
    if (level === 2) {
      const pmd = parent as PmdTable;
      const entry = PageTree.pteEntry(pmd, idx);
      if (entry === null) return { entry: null, present: 0 };
      this.invalidate();
      const present = pmd.counts[idx];
      this.freePte(pmd, idx);
      return { entry, present };
    }
    const dir = parent as DirTable;
    const entry = dir.children[idx];
    if (entry === null) return { entry: null, present: 0 };
    this.invalidate();
    const present = this.releaseSubtree(entry, level - 1);
    this.present -= present;
    if (entry === FULL) dir.fullCount--;
    dir.children[idx] = null;
    return { entry, present };
  }

  /** Inserts a detached subtree under the (empty) entry of `level` for `page`, counting it. */
  attach(level: number, page: number, entry: Entry, present: number): void {
    if (entry === null) return;
    const parent = this.tableAt(level, page, true) as PmdTable | DirTable;
    const idx = this.index(page, level);
    if (level === 2) {
      const pmd = parent as PmdTable;
      if (pmd.counts[idx] !== NO_TABLE) throw new Error('attach: entry is not empty');
      this.invalidate();
      this.allocate(1, 1);
      if (entry === FULL) {
        pmd.bits.fill(-1, idx * 16, idx * 16 + 16);
        pmd.counts[idx] = ENTRIES;
        pmd.fullCount++;
      } else {
        const pte = entry as PteTable;
        pmd.bits.set(pte.bits, idx * 16);
        pmd.counts[idx] = pte.count;
      }
      this.present += present;
      return;
    }
    const dir = parent as DirTable;
    if (dir.children[idx] !== null) throw new Error('attach: entry is not empty');
    this.invalidate();
    const subtree = entry as PmdTable | DirTable | typeof FULL;
    this.countSubtree(subtree, level - 1);
    dir.children[idx] = subtree;
    if (entry === FULL) dir.fullCount++;
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
    if (entry instanceof PmdTable) {
      const copy = new PmdTable();
      copy.bits.set(entry.bits);
      copy.counts.set(entry.counts);
      copy.fullCount = entry.fullCount;
      return copy;
    }
    const dir = entry as DirTable;
    const copy = new DirTable();
    copy.fullCount = dir.fullCount;
    for (let i = 0; i < ENTRIES; i++) {
      copy.children[i] = PageTree.clone(dir.children[i]) as PmdTable | DirTable | typeof FULL | null;
    }
    return copy;
  }

  /** Charges a subtree's tables (level >= 2). */
  private countSubtree(entry: PmdTable | DirTable | typeof FULL, level: number): void {
    if (entry === FULL) {
      const row = this.full[level];
      for (let j = 1; j <= level; j++) this.allocate(j, row[j]);
      return;
    }
    this.allocate(level, 1);
    if (level === 2) {
      const counts = (entry as PmdTable).counts;
      for (let i = 0; i < ENTRIES; i++) if (counts[i] !== NO_TABLE) this.allocate(1, 1);
      return;
    }
    for (const child of (entry as DirTable).children) {
      if (child !== null) this.countSubtree(child, level - 1);
    }
  }

  /** The table of `level` (>= 2) on `page`'s path (allocating the path when `create`). */
  tableAt(level: number, page: number, create: boolean): PmdTable | DirTable | null {
    let node: PmdTable | DirTable = this.root;
    for (let l = this.top; l > level; l--) {
      const dir = node as DirTable;
      const idx = this.index(page, l);
      let child = dir.children[idx];
      if (child === FULL) throw new Error('tableAt: path runs through a full subtree');
      if (child === null) {
        if (!create) return null;
        this.allocate(l - 1, 1);
        child = l === 3 ? new PmdTable() : new DirTable();
        dir.children[idx] = child;
        this.invalidate();
      }
      node = child as PmdTable | DirTable;
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
    const addAll = (entry: PmdTable | DirTable | typeof FULL, level: number): void => {
      if (level < minLevel) return;
      if (entry === FULL) {
        const row = a.full[level];
        for (let j = Math.max(1, minLevel); j <= level; j++) common[j] += row[j];
        return;
      }
      common[level]++;
      if (level === 2) {
        // Its PTE tables (FULL or not: one table page each), when level 1 is compared.
        if (minLevel <= 1) for (const c of (entry as PmdTable).counts) if (c !== NO_TABLE) common[1]++;
        return;
      }
      for (const child of (entry as DirTable).children) if (child !== null) addAll(child, level - 1);
    };
    const walk = (x: PmdTable | DirTable, y: PmdTable | DirTable, level: number): void => {
      // x and y are tables of `level`; compare their children, tables of level - 1.
      if (level - 1 < minLevel) return;
      if (level === 2) {
        const cx = (x as PmdTable).counts;
        const cy = (y as PmdTable).counts;
        for (let i = 0; i < ENTRIES; i++) if (cx[i] !== NO_TABLE && cy[i] !== NO_TABLE) common[1]++;
        return;
      }
      const xs = (x as DirTable).children;
      const ys = (y as DirTable).children;
      for (let i = 0; i < ENTRIES; i++) {
        const cx = xs[i];
        const cy = ys[i];
        if (cx === null || cy === null) continue;
        if (cx === FULL) addAll(cy, level - 1);
        else if (cy === FULL) addAll(cx, level - 1);
        else {
          common[level - 1]++;
          walk(cx as PmdTable | DirTable, cy as PmdTable | DirTable, level - 1);
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
