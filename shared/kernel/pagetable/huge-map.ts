/**
 * A table's huge entries (PmdTable.huge: 2 MiB pages, DirTable.huge in a PUD table: 1 GiB ones),
 * in one of three forms. One entry: its index, a small integer in the table's field (no object).
 * Sparse: the entries' indices, sorted, in an array of the exact length. Under shmem THP each
 * process maps its own huge entries, and 1,000 random pages of a 1 TiB region put one or two in
 * each of ~640 PMD tables (one in about 60% of them), where a 512-bit map costs 264 B (a typed
 * array's object and buffer), the indices about 60 B, and one index nothing. Dense (past
 * SPARSE_MAX_HUGE entries, or when a whole table is filled): a 512-bit map in 16 words. Every form
 * answers alike.
 */
import { lowerBound } from './sparse.js';

/** Entries a sparse array holds at most (an array of 16 costs about 2/3 of a dense map). */
export const SPARSE_MAX_HUGE = 16;

/** One entry: its index; sparse: sorted entry indices; dense: bit i of word i >>> 5. */
export type HugeMap = number | number[] | Int32Array;

/** A table holding a huge map (PmdTable, DirTable). */
interface HasHuge {
  huge: HugeMap | null;
}

/** Position of index `i` in a sparse map, or where it would go. */
function rank(a: number[], i: number): number {
  return lowerBound(a, a.length, i);
}

/** Whether entry i is huge. */
export function hugeHas(map: HugeMap | null, i: number): boolean {
  if (map === null) return false;
  if (typeof map === 'number') return map === i;
  if (!Array.isArray(map)) return (map[i >>> 5] & (1 << (i & 31))) !== 0;
  const j = rank(map, i);
  return j < map.length && map[j] === i;
}

/** The table's map in dense form (made so, or made, when it is not): to fill or count words. */
export function denseHuge(t: HasHuge): Int32Array {
  const map = t.huge;
  if (map instanceof Int32Array) return map;
  const out = new Int32Array(16);
  for (const i of map === null ? [] : typeof map === 'number' ? [map] : map) out[i >>> 5] |= 1 << (i & 31);
  t.huge = out;
  return out;
}

/** Makes entry i huge; true if it was not. */
export function hugeSet(t: HasHuge, i: number): boolean {
  const map = t.huge;
  if (map === null) {
    t.huge = i;
    return true;
  }
  if (typeof map === 'number') {
    if (map === i) return false;
    t.huge = map < i ? [map, i] : [i, map];
    return true;
  }
  if (!Array.isArray(map)) {
    const w = i >>> 5;
    const bit = 1 << (i & 31);
    if ((map[w] & bit) !== 0) return false;
    map[w] |= bit;
    return true;
  }
  const j = rank(map, i);
  if (j < map.length && map[j] === i) return false;
  if (map.length === SPARSE_MAX_HUGE) {
    const d = denseHuge(t);
    d[i >>> 5] |= 1 << (i & 31);
    return true;
  }
  // A new array of the exact length (a push or splice leaves spare capacity).
  const out = new Array<number>(map.length + 1);
  for (let k = 0; k < j; k++) out[k] = map[k];
  out[j] = i;
  for (let k = j; k < map.length; k++) out[k + 1] = map[k];
  t.huge = out;
  return true;
}

/** Clears entries lo..hi (a sparse map left empty goes). */
export function clearHuge(t: HasHuge, lo: number, hi: number): void {
  const map = t.huge;
  if (map === null) return;
  if (typeof map === 'number') {
    if (map >= lo && map <= hi) t.huge = null;
    return;
  }
  if (!Array.isArray(map)) {
    for (let i = lo; i <= hi; i++) map[i >>> 5] &= ~(1 << (i & 31));
    return;
  }
  const kept = map.filter((i) => i < lo || i > hi);
  if (kept.length !== map.length) t.huge = kept.length === 0 ? null : kept;
}
