/**
 * A table's huge entries (PmdTable.huge: 2 MiB pages, DirTable.huge in a PUD table: 1 GiB ones),
 * in one of two forms. Sparse (every map starts so): the entries' indices, sorted, in an array of
 * the exact length; under shmem THP each process maps its own huge entries, and 1,000 random pages
 * of a 1 TiB region put one or two in each of ~640 PMD tables, where a 512-bit map costs 264 B
 * (a typed array's object and buffer) and the indices about 60 B. Dense (past SPARSE_MAX_HUGE
 * entries, or when a whole table is filled): a 512-bit map in 16 words. Either form answers alike.
 */

/** Entries a sparse map holds at most (an array of 16 costs about 2/3 of a dense map). */
export const SPARSE_MAX_HUGE = 16;

/** Sparse: sorted entry indices; dense: bit i of word i >>> 5. */
export type HugeMap = Int32Array | number[];

/** A table holding a huge map (PmdTable, DirTable). */
interface HasHuge {
  huge: HugeMap | null;
}

/** Position of index `i` in a sparse map, or where it would go. */
function rank(a: number[], i: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether entry i is huge. */
export function hugeHas(map: HugeMap | null, i: number): boolean {
  if (map === null) return false;
  if (!Array.isArray(map)) return (map[i >>> 5] & (1 << (i & 31))) !== 0;
  const j = rank(map, i);
  return j < map.length && map[j] === i;
}

/** The table's map in dense form (made so, or made, when it is not): to fill or count words. */
export function denseHuge(t: HasHuge): Int32Array {
  const map = t.huge;
  if (map !== null && !Array.isArray(map)) return map;
  const out = new Int32Array(16);
  if (map !== null) for (const i of map) out[i >>> 5] |= 1 << (i & 31);
  t.huge = out;
  return out;
}

/** Makes entry i huge; true if it was not. */
export function hugeSet(t: HasHuge, i: number): boolean {
  const map = t.huge;
  if (map !== null && !Array.isArray(map)) {
    const w = i >>> 5;
    const bit = 1 << (i & 31);
    if ((map[w] & bit) !== 0) return false;
    map[w] |= bit;
    return true;
  }
  const a = map ?? [];
  const j = rank(a, i);
  if (j < a.length && a[j] === i) return false;
  if (a.length === SPARSE_MAX_HUGE) {
    const d = denseHuge(t);
    d[i >>> 5] |= 1 << (i & 31);
    return true;
  }
  // A new array of the exact length (a push or splice leaves spare capacity).
  const out = new Array<number>(a.length + 1);
  for (let k = 0; k < j; k++) out[k] = a[k];
  out[j] = i;
  for (let k = j; k < a.length; k++) out[k + 1] = a[k];
  t.huge = out;
  return true;
}

/** Clears entries lo..hi (a sparse map left empty goes). */
export function clearHuge(t: HasHuge, lo: number, hi: number): void {
  const map = t.huge;
  if (map === null) return;
  if (!Array.isArray(map)) {
    for (let i = lo; i <= hi; i++) map[i >>> 5] &= ~(1 << (i & 31));
    return;
  }
  const kept = map.filter((i) => i < lo || i > hi);
  if (kept.length !== map.length) t.huge = kept.length === 0 ? null : kept;
}
