/**
 * One mm's page tables as a radix tree, counted exactly as Linux counts table pages: the hot
 * lookup and populate with their caches, and the path walks (the table types are in tables.ts).
 * Every table page is charged to the tree's TableLedger (ledger.ts). Range fill, zap and freeing
 * are in fill.ts and range.ts, mshare's subtree moves in move.ts.
 *
 * Representation, sized for 1500 private trees of 300 GiB each:
 * - a PTE table is a 512-bit presence bitmap (no object per page), held inline by its PMD table
 *   (no object per PTE table): while the PMD table is sparse, as sorted keys (sparse.ts: a few
 *   words for a few pages), then as one flat bitmap and one count per entry (tables.ts);
 * - a table whose pages are all present, and whose subtables are all full, collapses into the
 *   FULL marker in its parent entry: the tables it stands for still exist and are still counted,
 *   they are just not materialised. A zap of part of a FULL subtree expands it again one level at
 *   a time.
 * Levels are numbered from the leaf (geometry.ts): a DirTable's children are PmdTables at level 3
 * (a PUD table) and DirTables above; `instanceof` tells them apart where the code needs the type.
 */
import { ENTRIES_PER_TABLE, type Geometry } from '../geometry.js';
import type { TableLedger } from './ledger.js';
import {
  DirTable, FULL, FULL_TABLES, NO_TABLE, PmdTable, SPARSE_ADDED_TABLE as SPARSE_ADDED_TABLE_, SPARSE_BITS as SPARSE_BITS_,
  SPARSE_FAULT as SPARSE_FAULT_, SPARSE_LOOKUP as SPARSE_LOOKUP_, SPARSE_NOW_DENSE as SPARSE_NOW_DENSE_,
  SPARSE_PRESENT as SPARSE_PRESENT_, isFull, pteEntry, sparseAccess as sparseAccess_, type Entry,
} from './tables.js';

export {
  DirTable, FULL, FULL_TABLES, NO_TABLE, PmdTable, PteTable, commonPteTables, isFull, pteEntry,
  type DirEntry, type Entry, type Full, type Table,
} from './tables.js';

const ENTRIES = ENTRIES_PER_TABLE; // a local: imported bindings cost a getter per use under tsx
// Locals: imported bindings cost a getter per use under tsx (these are on the fault path).
const SPARSE_BITS = SPARSE_BITS_;
const SPARSE_ADDED_TABLE = SPARSE_ADDED_TABLE_;
const SPARSE_FAULT = SPARSE_FAULT_;
const SPARSE_LOOKUP = SPARSE_LOOKUP_;
const SPARSE_NOW_DENSE = SPARSE_NOW_DENSE_;
const SPARSE_PRESENT = SPARSE_PRESENT_;
const sparseAccess = sparseAccess_;
const GIB_PAGES = 2 ** 18; // pages under one PUD entry (one PMD table)
const PUD_TABLE_PAGES = 2 ** 27; // pages under one PUD table (512 GiB)

/** Stands in the leaf cache when it covers nothing (cacheSpan 0), so the cache is never null. */
const NO_LEAF = new PmdTable();

/** lookupSlow's impossible case, out of line. */
function misplacedDirectory(): never {
  throw new Error('page tree: a directory table at the PMD level');
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
  /** Pages under one entry of a table of each level (geometry.entrySpanPages). */
  readonly span: readonly number[];
  private readonly ledger: TableLedger;
  // Last-leaf cache for the present-page fast path: [cacheBase, cacheBase+cacheSpan) is covered by
  // a FULL entry (leafFull), or by the PMD table leafPmd (its whole 1 GiB: its bitmap answers for
  // every page under it). Two fields rather than one holding either, so the fast path neither
  // compares with FULL nor needs a type check. Reset on every structural change (a table replaced,
  // collapsed, expanded, freed or moved); a bit or count changing inside the PMD table is not one.
  private cacheBase = -1;
  private cacheSpan = 0;
  private leafFull = false;
  private leafPmd = NO_LEAF;
  // The PUD table of the last walk: [pudBase, pudBase+pudSpan) is under `pud`, so a walk that
  // stays under it (an SGA below one PGD entry) skips the levels above. Reset with the leaf cache.
  private pudBase = -1;
  private pudSpan = 0;
  private pud: DirTable;

  constructor(geometry: Geometry, ledger: TableLedger) {
    this.geometry = geometry;
    this.top = geometry.levels;
    this.tables = new Float64Array(geometry.levels + 1);
    this.ledger = ledger;
    this.span = geometry.entrySpanPages;
    this.pud = this.root;
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
      if (this.leafFull) return true;
      // Bits 5..17 of the page number: the word in the PMD table's flat bitmap.
      return ((this.leafPmd.bits[(page >>> 5) & 8191] >>> (page & 31)) & 1) === 1;
    }
    return this.lookupSlow(page);
  }

  private lookupSlow(page: number): boolean {
    // Above the PUD level (one or two levels, skipped under the cached PUD table), then PUD and
    // the PMD table's bitmap unrolled: the hot lookup. Entries are told apart by pointer compares
    // (null, FULL) and then instanceof, which is all TypeScript needs to narrow them.
    let node = this.pud;
    if (!(page - this.pudBase < this.pudSpan && page >= this.pudBase)) {
      const upper = this.walkToPud(page);
      if (!(upper instanceof DirTable)) return upper;
      node = upper;
    }
    // node is now the PUD table: its entry spans 1 GiB, a whole PMD table.
    const entry = node.children[(page >>> 18) & 511];
    if (entry === null) return false;
    if (entry === FULL) return this.cacheFull(page, GIB_PAGES);
    if (!(entry instanceof PmdTable)) return misplacedDirectory();
    const bits = entry.bits;
    // A sparse table answers from its keys, uncached, in sparseAccess: never inlined (its size),
    // so this function stays as small as it was before tables were sparse.
    if (bits === SPARSE_BITS) return sparseAccess(entry, page & (GIB_PAGES - 1), SPARSE_LOOKUP) === SPARSE_PRESENT;
    this.cachePmd(page, entry);
    return ((bits[(page >>> 5) & 8191] >>> (page & 31)) & 1) === 1;
  }

  /**
   * lookupSlow's walk above the PUD level, out of line (its size decides whether V8 inlines
   * lookupSlow): the PUD table for `page`, now cached, or the answer where the path ends above.
   */
  private walkToPud(page: number): DirTable | boolean {
    let node = this.root;
    for (let level = this.top; level > 3; level--) {
      const child = node.children[(page / this.span[level]) & 511]; // ToInt32 truncates
      if (child === null) return false;
      if (child === FULL) return this.cacheFull(page, this.span[level]);
      if (!(child instanceof DirTable)) throw new Error('page tree: a PMD table above the PUD level');
      node = child;
    }
    this.pudBase = Math.floor(page / PUD_TABLE_PAGES) * PUD_TABLE_PAGES;
    this.pudSpan = PUD_TABLE_PAGES;
    this.pud = node;
    return node;
  }

  private cachePmd(page: number, pmd: PmdTable): void {
    this.cacheBase = page - (page & (GIB_PAGES - 1)); // low 18 bits: exact through ToInt32
    this.cacheSpan = GIB_PAGES;
    this.leafFull = false;
    this.leafPmd = pmd;
  }

  private cacheFull(page: number, span: number): true {
    // Spans are powers of two, so floor(page / span) * span is exact, and it avoids `%` on a
    // double (a C call in V8: most of a random lookup's time on a collapsed tree).
    this.cacheBase = Math.floor(page / span) * span;
    this.cacheSpan = span;
    this.leafFull = true;
    return true;
  }

  /** Forgets the lookup caches: any structural change (range.ts, move.ts) calls it first. */
  invalidate(): void {
    this.cacheBase = -1;
    this.cacheSpan = 0;
    this.leafFull = false;
    this.leafPmd = NO_LEAF;
    this.pudBase = -1;
    this.pudSpan = 0;
    this.pud = this.root;
  }

  /**
   * Makes `page` present. Returns true when it was not (a minor fault populated it). The common
   * cases are answered here, small enough to be inlined into the fault path: a page under the
   * cached FULL entry, or under the cached PMD table when present or when its PTE table exists
   * and does not become full. The rest is out of line (populateMiss).
   */
  populate(page: number): boolean {
    if (page - this.cacheBase < this.cacheSpan && page >= this.cacheBase) {
      if (this.leafFull) return false;
      const leaf = this.leafPmd;
      const w = (page >>> 5) & 8191;
      const m = 1 << (page & 31);
      const word = leaf.bits[w];
      if ((word & m) !== 0) return false;
      const j = (page >>> 9) & 511;
      const c = leaf.pteCounts[j];
      if (c !== NO_TABLE && c < ENTRIES - 1) {
        leaf.bits[w] = word | m;
        leaf.pteCounts[j] = c + 1;
        this.present++;
        return true;
      }
    }
    return this.populateMiss(page);
  }

  /** populate() past its inline cases: the walk, a new PTE table, a table becoming full. */
  private populateMiss(page: number): boolean {
    if (this.isPresent(page)) return false;
    this.populateAbsent(page);
    return true;
  }

  /** Makes an absent page present: isPresent(page) has just answered false (its caches are used). */
  populateAbsent(page: number): void {
    // isPresent left the cache on the PMD table covering `page` if there is one: set the bit
    // there, unless it would make the PMD table full (its parent's entry must then become FULL,
    // which takes the walk from the root).
    const leaf = this.leafPmd;
    if (!this.leafFull && page - this.cacheBase < this.cacheSpan && page >= this.cacheBase
      && (leaf.fullCount < ENTRIES - 1 || leaf.pteCounts[(page >>> 9) & 511] < ENTRIES - 1)) {
      this.populatePmd(leaf, page);
    } else {
      this.populateAt(this.root, this.top, page);
    }
    this.present++;
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
    if (child instanceof PmdTable) {
      becameFull = this.populatePmd(child, page);
      if (!becameFull && child.keys === null) this.cachePmd(page, child);
    } else if (child instanceof DirTable) {
      becameFull = this.populateAt(child, level - 1, page);
    } else {
      throw new Error('populate: the page is under a FULL entry, so present');
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
    if (pmd.keys !== null) {
      // Sparse: a page key (and a marker for a new PTE table) while they fit, else dense from now
      // on; out of line in sparseAccess, which V8 never inlines (its size).
      const r = sparseAccess(pmd, page & (GIB_PAGES - 1), SPARSE_FAULT);
      if (r !== SPARSE_NOW_DENSE) {
        if (r === SPARSE_ADDED_TABLE) this.allocate(1, 1);
        return false;
      }
    }
    const j = (page >>> 9) & 511;
    let c = pmd.pteCounts[j];
    if (c === NO_TABLE) {
      this.allocate(1, 1);
      c = 0;
    }
    pmd.bits[(page >>> 5) & 8191] |= 1 << (page & 31);
    pmd.pteCounts[j] = ++c;
    return c === ENTRIES && ++pmd.fullCount === ENTRIES;
  }

  /**
   * The entry at `level`'s table for `page`, or null where the path stops earlier. At level 2
   * (an entry of a PMD table) a PTE table is returned as a copy: PMD tables hold theirs inline.
   */
  entryAt(level: number, page: number): Entry {
    if (level < 2) throw new Error('entryAt: level must be 2 (PMD) or above');
    let node = this.root;
    for (let l = this.top; l > level; l--) {
      const child = node.children[this.index(page, l)];
      if (child === null || isFull(child)) return child;
      // A PMD table on the path is the table of level 2: this is the last step.
      if (child instanceof PmdTable) return pteEntry(child, this.index(page, 2));
      node = child;
    }
    return node.children[this.index(page, level)];
  }

  /** Table pages a populate of `page` would allocate: the missing tables on its path. */
  missingTables(page: number): number {
    let node = this.root;
    for (let level = this.top; level > 2; level--) {
      const child = node.children[this.index(page, level)];
      if (isFull(child)) return 0;
      if (child === null) return level - 1;
      if (child instanceof PmdTable) return child.hasPte(this.index(page, 2)) ? 0 : 1;
      node = child;
    }
    return 0;
  }

  /** The table of `level` (>= 2) on `page`'s path, allocating the path when `create`. */
  tableAt(level: number, page: number, create: true, lean?: boolean): PmdTable | DirTable;
  tableAt(level: number, page: number, create: boolean, lean?: boolean): PmdTable | DirTable | null;
  tableAt(level: number, page: number, create: boolean, lean = false): PmdTable | DirTable | null {
    let node = this.root;
    for (let l = this.top; l > level; l--) {
      const idx = this.index(page, l);
      let child = node.children[idx];
      if (isFull(child)) throw new Error('tableAt: path runs through a full subtree');
      if (child === null) {
        if (!create) return null;
        this.allocate(l - 1, 1);
        child = l === 3 ? new PmdTable(lean) : new DirTable();
        node.children[idx] = child;
        this.invalidate();
      }
      if (child instanceof PmdTable) return child; // the table of level 2: the last step
      node = child;
    }
    return node;
  }

  // ---- table pages: every allocation and free goes through the ledger ------------------------

  allocate(level: number, count: number): void {
    this.ledger.allocate(level, count);
    this.tables[level] += count;
  }

  deallocate(level: number, count: number): void {
    this.ledger.free(level, count);
    this.tables[level] -= count;
  }

  /** A table another tree pays for (shared hugetlb PMD): in this mm's VmPTE, not the machine's. */
  countShared(level: number, delta: number): void {
    this.tables[level] += delta;
  }

  /** Charges the tables `count` FULL entries stand for: full tables of `level` and all below them. */
  allocateFull(level: number, count = 1): void {
    const row = FULL_TABLES[level];
    for (let j = 1; j <= level; j++) this.allocate(j, row[j] * count);
  }

}
