/**
 * What a page tree's representation costs in memory, in bytes, counted deterministically from its
 * structure (a test can assert it; process RSS cannot be asserted). The constants are V8's on
 * 64-bit Node without pointer compression (Node's default), measured with heapUsed + external over
 * 200,000 objects of each kind after a full GC; bench/postgres-scale.ts cross-checks the total
 * against the process's heap and RSS.
 */
import { ENTRIES_PER_TABLE } from '../geometry.js';
import type { CompactTree } from './compact.js';
import type { HugeMap } from './huge-map.js';
import { SPLICE_FROM } from './sparse.js';
import { DirTable, PmdTable, isFull, type DirEntry, type PageTree } from './tree.js';

/** A JS object's header (map, properties, elements) and a tagged field. */
const OBJECT = 24;
const FIELD = 8;
/** A JSArray (header + length) and its elements store (FixedArray header), before the elements. */
const ARRAY = 32 + 16;
/** A typed array's object, buffer and backing-store record, before its bytes (Int32Array(16): 264 B). */
const TYPED_ARRAY = 200;

/** PmdTable's fields: bits, pteCounts, keys, size, fullCount, huge, sharers, shareList. */
const PMD_OBJECT = OBJECT + 8 * FIELD;
/** DirTable's fields (children, fullCount, huge) and its 512-entry children array. */
const DIR_TABLE = OBJECT + 3 * FIELD + ARRAY + ENTRIES_PER_TABLE * FIELD;
const HUGE_MAP = TYPED_ARRAY + 64;
const DENSE = 2 * TYPED_ARRAY + ENTRIES_PER_TABLE * 16 * 4 + ENTRIES_PER_TABLE * 2;

/** Bytes of a table's map of huge entries (huge-map.ts), in its current form. */
function hugeBytes(map: HugeMap | null): number {
  if (map === null || typeof map === 'number') return 0; // one entry: an integer in the field
  return Array.isArray(map) ? ARRAY + map.length * FIELD : HUGE_MAP;
}

/** Bytes of one PMD table with its PTE tables, in its current form. */
export function pmdTableBytes(pmd: PmdTable): number {
  let n = PMD_OBJECT + hugeBytes(pmd.huge);
  if (pmd.keys === null) n += DENSE;
  else if (pmd.keys.length > SPLICE_FROM) n += ARRAY + Math.ceil(1.5 * pmd.keys.length + 16) * FIELD; // V8's capacity, at most
  else if (pmd.keys.length > 0) n += ARRAY + pmd.keys.length * FIELD; // length: its capacity (sparse.ts)
  return n;
}

function entryBytes(entry: DirEntry): number {
  if (entry === null || isFull(entry)) return 0; // FULL is one shared marker
  // A PMD table several trees share (huge_pmd_share) is charged to each in proportion.
  if (entry instanceof PmdTable) return pmdTableBytes(entry) / entry.sharers;
  return dirBytes(entry);
}

function dirBytes(dir: DirTable): number {
  let n = DIR_TABLE + hugeBytes(dir.huge);
  for (const child of dir.children) n += entryBytes(child);
  return n;
}

/** Bytes of a tree's tables, its root included. */
export function treeBytes(tree: PageTree): number {
  return dirBytes(tree.root);
}

/** CompactTree's fields (top, pages, present, tables) and its two typed arrays with their bytes. */
const COMPACT_OBJECT = OBJECT + 4 * FIELD + 2 * TYPED_ARRAY;

/** Bytes of a tree in compact form: its page array at its capacity, its table counts. */
export function compactBytes(c: CompactTree): number {
  return COMPACT_OBJECT + c.pages.byteLength + c.tables.byteLength;
}
