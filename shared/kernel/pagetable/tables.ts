/**
 * The page-table types (tree.ts's representation): a PTE table's bitmap, PMD tables with their PTE
 * tables inline (sparse or dense), directory tables, and the FULL marker for a fully populated subtree.
 */
import { ENTRIES_PER_TABLE } from '../geometry.js';
import type { HugeMap } from './huge-map.js';
import {
  SPARSE_MAX as SPARSE_MAX_, SPLICE_FROM as SPLICE_FROM_, insertAt as insertAt_, isPageKey as isPageKey_, keyOffset as keyOffset_, lowerBound as lowerBound_,
  pageKey as pageKey_, pteKey as pteKey_, removeRange as removeRange_,
} from './sparse.js';

const ENTRIES = ENTRIES_PER_TABLE; // a local: imported bindings cost a getter per use under tsx
// Locals: imported bindings cost a getter per use under tsx (these are on the fault path).
const SPARSE_MAX = SPARSE_MAX_;
const SPLICE_FROM = SPLICE_FROM_;
const insertAt = insertAt_;
const isPageKey = isPageKey_;
const keyOffset = keyOffset_;
const lowerBound = lowerBound_;
const pageKey = pageKey_;
const pteKey = pteKey_;
const removeRange = removeRange_;

/** A PTE table on its own (entryAt/detach hand one out for a PMD entry); in a tree they live in their PMD table. */
export class PteTable {
  readonly bits = new Int32Array(16);
  count = 0;
}

/** pteCount(i) of a PmdTable where entry i holds no PTE table. */
export const NO_TABLE = -1;

// A sparse table's stand-ins for the dense arrays: shared, never written (densify() replaces them).
/** A sparse table's `bits` (zeros): the tree tells the forms apart by it, a compare of a load it makes anyway. */
export const SPARSE_BITS = new Int32Array(ENTRIES * 16);
const SPARSE_COUNTS = new Int16Array(ENTRIES).fill(NO_TABLE);
const NO_KEYS: number[] = [];

/**
 * A PMD table and its 512 PTE tables, in one of two forms. Sparse (every table starts so): a sorted
 * array of keys, one per PTE table and one per present page (sparse.ts), a few words for a table
 * holding a few pages. Dense (once the keys would pass SPARSE_MAX): one flat bitmap and one count
 * per entry, so a lookup is two loads; the tree's leaf cache only ever holds a dense table, which
 * keeps its fast path as it was. A dense table never turns sparse again.
 */
export class PmdTable {
  /**
   * Dense: entry i's PTE bitmap is words [16i, 16i + 16), bit (page & 511) of it, kept exact for
   * every entry: 0 where there is no PTE table, all ones where it is FULL, so a lookup reads the
   * bit without looking at the counts. Sparse: a shared zero map, never read for a lookup.
   */
  bits: Int32Array = SPARSE_BITS;
  /** Dense: present pages of entry i's PTE table, NO_TABLE where none, ENTRIES where FULL. */
  pteCounts: Int16Array = SPARSE_COUNTS;
  /** Sparse: the sorted keys (the first `size` of the array are live); null once dense. */
  keys: number[] | null = NO_KEYS;
  size = 0;
  /** Entries that are FULL: at 512 this table collapses into FULL in its parent (0 while sparse). */
  fullCount = 0;
  /** Entries mapping a 2 MiB page (no PTE table under them; huge-map.ts), null until one (huge.ts). */
  huge: HugeMap | null = null;
  /** Trees pointing at this table (huge_pmd_share), and the shareable list it is in (huge.ts). */
  sharers = 1;
  shareList: PmdTable[] | null = null;

  /** `_lean` is kept for callers that ask for a table without PTE tables: every new one is so. */
  constructor(_lean = false) {}

  /** Whether it holds no PTE table (huge or link entries only). */
  get lean(): boolean {
    return this.keys !== null && this.size === 0;
  }

  /** Turns the table dense (no-op when it is): before writing the bitmap directly. */
  densify(): void {
    if (this.keys !== null) sparseAccess(this, 0, SPARSE_DENSIFY);
  }

  /** Whether the page at offset `off` (0..2^18-1) is present. */
  has(off: number): boolean {
    if (this.keys === null) return ((this.bits[off >>> 5] >>> (off & 31)) & 1) === 1;
    return sparseAccess(this, off, SPARSE_LOOKUP) === SPARSE_PRESENT;
  }

  /** Present pages of entry i's PTE table: NO_TABLE where none, ENTRIES where FULL. */
  pteCount(i: number): number {
    const keys = this.keys;
    if (keys === null) return this.pteCounts[i];
    const [from, to] = this.run(i);
    return from === to ? NO_TABLE : to - from - 1;
  }

  /** Whether entry i holds a PTE table. */
  hasPte(i: number): boolean {
    return this.pteCount(i) !== NO_TABLE;
  }

  /** PTE tables it holds. */
  pteTables(): number {
    let n = 0;
    const keys = this.keys;
    if (keys === null) {
      for (const c of this.pteCounts) if (c !== NO_TABLE) n++;
      return n;
    }
    for (let j = 0; j < this.size; j++) if (!isPageKey(keys[j])) n++;
    return n;
  }

  /** Present pages under it (in its PTE tables). */
  presentPages(): number {
    let n = 0;
    const keys = this.keys;
    if (keys === null) {
      for (const c of this.pteCounts) if (c !== NO_TABLE) n += c;
      return n;
    }
    for (let j = 0; j < this.size; j++) if (isPageKey(keys[j])) n++;
    return n;
  }

  /** Sparse: the index range of entry i's run of keys (marker and pages); empty where no PTE table. */
  run(i: number): [number, number] {
    const keys = this.keys ?? NO_KEYS;
    const from = lowerBound(keys, this.size, pteKey(i));
    if (from === this.size || keys[from] !== pteKey(i)) return [from, from];
    return [from, lowerBound(keys, this.size, pteKey(i + 1))];
  }

  /**
   * Sparse: makes the absent page at `off` present, adding its PTE table when there is none;
   * returns whether it added one. The caller keeps size + 2 <= SPARSE_MAX (else densifies first).
   */
  addSparse(off: number): boolean {
    if (this.size + 2 > SPARSE_MAX) throw new Error('addSparse: the keys are full (densify first)');
    return sparseAccess(this, off, SPARSE_FAULT) === SPARSE_ADDED_TABLE;
  }

  /** Sparse: removes keys [from, to). */
  removeKeys(from: number, to: number): void {
    if (this.keys !== null) this.size = removeRange(this.keys, this.size, from, to);
  }

  /** Puts a PTE table (a copy of `pte`, or FULL) into the empty entry i. */
  setPte(i: number, pte: PteTable | Full): void {
    const count = isFull(pte) ? ENTRIES : pte.count;
    if (this.keys !== null && this.size + 1 + count <= SPARSE_MAX && !isFull(pte)) {
      let keys = insertAt(this.keys, this.size, lowerBound(this.keys, this.size, pteKey(i)), pteKey(i));
      this.size++;
      for (let p = 0; p < ENTRIES; p++) {
        if (((pte.bits[p >>> 5] >>> (p & 31)) & 1) === 0) continue;
        const k = pageKey(i * ENTRIES + p);
        keys = insertAt(keys, this.size, lowerBound(keys, this.size, k), k);
        this.size++;
      }
      this.keys = keys;
      return;
    }
    this.densify();
    if (isFull(pte)) this.bits.fill(-1, i * 16, i * 16 + 16);
    else this.bits.set(pte.bits, i * 16);
    this.pteCounts[i] = count;
    if (count === ENTRIES) this.fullCount++;
  }

  /** A copy in the same form (its tables are charged when the copy is attached). */
  clone(): PmdTable {
    const copy = new PmdTable();
    if (this.keys === null) {
      copy.bits = this.bits.slice();
      copy.pteCounts = this.pteCounts.slice();
      copy.keys = null;
    } else {
      copy.keys = this.keys.slice(0, Math.max(4, this.size));
      copy.size = this.size;
    }
    copy.fullCount = this.fullCount;
    return copy;
  }
}

/** What sparseAccess does: look a page up, fault an absent page in, or turn the table dense. */
export const SPARSE_LOOKUP = 0;
export const SPARSE_FAULT = 1;
export const SPARSE_DENSIFY = 2;
/** sparseAccess's answers: a lookup's, and a fault's (the caller charges a PTE table it added). */
export const SPARSE_ABSENT = 0;
export const SPARSE_PRESENT = 1;
export const SPARSE_ADDED = 2;
export const SPARSE_ADDED_TABLE = 3;
/** The fault found the keys full and turned the table dense (or SPARSE_DENSIFY did): set the page there. */
export const SPARSE_NOW_DENSE = 4;

/**
 * A sparse table's lookup of the page at `off`, fault of that (absent) page (its key, and its PTE
 * table's marker when new), and densify, in one function on purpose: its size. Every table starts
 * sparse, so while V8 first optimises the tree's lookup and fault paths most calls take their
 * sparse branch, and V8 inlines what a hot branch calls when its bytecode is under 460 bytes
 * (Node 20's --max-inlined-bytecode-size). Inlined, the binary search stayed in the optimised
 * lookup once the tables were dense and used up the fault path's inlining budget (the sparse
 * branch cost random faults a quarter and random lookups a fifth); in one function of about 500
 * bytes it is never inlined, and the dense path pays one untaken branch.
 */
export function sparseAccess(pmd: PmdTable, off: number, op: number): number {
  const keys = pmd.keys ?? NO_KEYS;
  const size = pmd.size;
  if (op === SPARSE_DENSIFY || (op === SPARSE_FAULT && size + 2 > SPARSE_MAX)) {
    const bits = new Int32Array(ENTRIES * 16);
    const counts = new Int16Array(ENTRIES).fill(NO_TABLE);
    for (let j = 0; j < size; j++) {
      const key = keys[j];
      const i = key >>> 10;
      if (!isPageKey(key)) {
        counts[i] = 0;
        continue;
      }
      const o = keyOffset(key);
      bits[o >>> 5] |= 1 << (o & 31);
      if (++counts[i] === ENTRIES) pmd.fullCount++;
    }
    pmd.bits = bits;
    pmd.pteCounts = counts;
    pmd.keys = null;
    pmd.size = 0;
    return SPARSE_NOW_DENSE;
  }
  const m = (off >>> 9) << 10; // pteKey and pageKey (sparse.ts), written out
  const k = m | 512 | (off & 511);
  // A fault follows the lookup that found the page absent: the position it found is where the
  // key goes, when it still bounds the key (checked, so any table's position is safe to try).
  let lo = lastLo;
  if (!(op === SPARSE_FAULT && lo <= size && (lo === 0 || keys[lo - 1] < k) && (lo === size || keys[lo] > k))) {
    lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < k) lo = mid + 1;
      else hi = mid;
    }
  }
  lastLo = lo;
  if (op === SPARSE_LOOKUP) return lo < size && keys[lo] === k ? SPARSE_PRESENT : SPARSE_ABSENT;
  // The page's marker, if any, is the nearest key below it that is >= the marker: the marker and
  // pages of one PTE table are one run. One shift for both keys.
  const n = lo > 0 && keys[lo - 1] >= m ? 1 : 2;
  const added = n === 2 ? SPARSE_ADDED_TABLE : SPARSE_ADDED;
  pmd.size = size + n;
  if (size + n > keys.length && keys.length >= SPLICE_FROM) {
    // Exact from here on (sparse.ts): one memmove.
    if (keys.length !== size) keys.length = size;
    if (n === 2) keys.splice(lo, 0, m, k);
    else keys.splice(lo, 0, k);
    return added;
  }
  let out = keys;
  if (size + n > keys.length) {
    // Doubling, from 4 (as insertAt): a PMD table of a process touching a page or two holds 2-4 keys.
    out = new Array<number>(Math.max(4, keys.length * 2));
    for (let j = 0; j < lo; j++) out[j] = keys[j];
  }
  for (let j = size - 1; j >= lo; j--) out[j + n] = keys[j];
  if (n === 2) out[lo] = m;
  out[lo + n - 1] = k;
  pmd.keys = out;
  return added;
}

/** The position sparseAccess last found (a hint for the fault that follows a lookup). */
let lastLo = 0;

/**
 * Marker for a fully populated table (with all its subtables) in its parent's entry. An object,
 * not a symbol: entry compares then only ever see objects and null, which V8 compiles to a pointer
 * compare; a symbol among them can turn `===` into a call to its generic builtin on the hot path.
 */
export const FULL = Object.freeze({ full: true as const });
export type Full = typeof FULL;

/** Whether an entry is FULL: a type guard, since `===` does not narrow an object type. */
export function isFull(entry: unknown): entry is Full {
  return entry === FULL;
}

/** What an entry of a DirTable holds. */
export type DirEntry = PmdTable | DirTable | Full | null;

/** A table of level >= 3: its children are PMD tables (level 3) or tables like itself. */
export class DirTable {
  readonly children: DirEntry[] = new Array<DirEntry>(ENTRIES).fill(null);
  /** Children that are FULL: at 512 this table collapses into FULL in its parent. */
  fullCount = 0;
  /** In a PUD table: entries that map a 1 GiB hugetlb page directly (huge-map.ts), or null (huge.ts). */
  huge: HugeMap | null = null;
}

export type Table = PteTable | PmdTable | DirTable;
export type Entry = Table | Full | null;

/** FULL_TABLES[k][j]: table pages at level j inside one full table of level k (j <= k <= 5). */
export const FULL_TABLES: readonly (readonly number[])[] = (() => {
  const out: number[][] = [[]];
  for (let k = 1; k <= 5; k++) {
    const row = new Array<number>(k + 1).fill(0);
    for (let j = 1; j <= k; j++) row[j] = ENTRIES ** (k - j);
    out.push(row);
  }
  return out;
})();

/** Entry i of a PMD table as an Entry: null, FULL, or a copy of its PTE table. */
export function pteEntry(pmd: PmdTable, i: number): PteTable | Full | null {
  const c = pmd.pteCount(i);
  if (c === NO_TABLE) return null;
  if (c === ENTRIES) return FULL;
  const pte = new PteTable();
  pte.count = c;
  if (pmd.keys === null) {
    pte.bits.set(pmd.bits.subarray(i * 16, i * 16 + 16));
    return pte;
  }
  const [from, to] = pmd.run(i);
  for (let j = from + 1; j < to; j++) {
    const p = pmd.keys[j] & 511;
    pte.bits[p >>> 5] |= 1 << (p & 31);
  }
  return pte;
}

/** PTE tables at the same entries of two PMD tables (accounting's common upper path). */
export function commonPteTables(x: PmdTable, y: PmdTable): number {
  // Walk the sparse one's markers where there is one: a few binary searches, not 512.
  const [a, b] = x.keys !== null ? [x, y] : [y, x];
  let n = 0;
  if (a.keys === null) {
    for (let i = 0; i < ENTRIES; i++) if (a.pteCounts[i] !== NO_TABLE && b.pteCounts[i] !== NO_TABLE) n++;
    return n;
  }
  for (let j = 0; j < a.size; j++) {
    const k = a.keys[j];
    if (!isPageKey(k) && b.hasPte(k >>> 10)) n++;
  }
  return n;
}
