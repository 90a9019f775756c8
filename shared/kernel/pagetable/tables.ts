/**
 * The page-table types (tree.ts's representation): a PTE table's bitmap, PMD tables with their PTE
 * tables inline, directory tables, and the FULL marker for a fully populated subtree.
 */
import { ENTRIES_PER_TABLE } from '../geometry.js';

const ENTRIES = ENTRIES_PER_TABLE; // a local: imported bindings cost a getter per use under tsx

/** A PTE table on its own (entryAt/detach hand one out for a PMD entry); in a tree they live in their PMD table. */
export class PteTable {
  readonly bits = new Int32Array(16);
  count = 0;
}

/** counts[i] of a PmdTable where entry i holds no PTE table. */
export const NO_TABLE = -1;

const LEAN_BITS = new Int32Array(ENTRIES * 16);
const LEAN_COUNTS = new Int16Array(ENTRIES).fill(NO_TABLE);

/** A PMD table with its 512 PTE tables inline (one flat bitmap, one count per entry): a lookup is two loads. */
export class PmdTable {
  /**
   * Entry i's PTE bitmap is words [16i, 16i + 16): bit (page & 511) of it. Kept exact for every
   * entry: 0 where there is no PTE table, all ones where it is FULL, so a lookup reads the bit
   * without looking at counts.
   */
  bits: Int32Array;
  /** Present pages of entry i's PTE table: NO_TABLE where none, ENTRIES where it is FULL. */
  counts: Int16Array;
  /** `lean`: no PTE table yet (huge or link entries): shared zero arrays until own() (1500 x 300 x 33 KB). */
  constructor(lean = false) {
    this.bits = lean ? LEAN_BITS : new Int32Array(ENTRIES * 16);
    this.counts = lean ? LEAN_COUNTS : new Int16Array(ENTRIES).fill(NO_TABLE);
  }

  get lean(): boolean {
    return this.bits === LEAN_BITS;
  }

  /** Gives a lean table arrays of its own, before a PTE table is written into it. */
  own(): void {
    if (this.bits !== LEAN_BITS) return;
    this.bits = new Int32Array(ENTRIES * 16);
    this.counts = new Int16Array(ENTRIES).fill(NO_TABLE);
  }
  /** Entries that are FULL: at 512 this table collapses into FULL in its parent. */
  fullCount = 0;
  /** Entries mapping a 2 MiB page (bit i; no PTE table under them), null until one (huge.ts). */
  huge: Int32Array | null = null;
  /** Trees pointing at this table (huge_pmd_share), and the shareable list it is in (huge.ts). */
  sharers = 1;
  shareList: PmdTable[] | null = null;
}

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
  /** In a PUD table: entries that map a 1 GiB hugetlb page directly (bit i), or null (huge.ts). */
  huge: Int32Array | null = null;
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
  const c = pmd.counts[i];
  if (c === NO_TABLE) return null;
  if (c === ENTRIES) return FULL;
  const pte = new PteTable();
  pte.bits.set(pmd.bits.subarray(i * 16, i * 16 + 16));
  pte.count = c;
  return pte;
}
