/**
 * The sparse form of a PMD table's PTE tables (tables.ts): one sorted array of keys, a marker per
 * PTE table and a key per present page, so a PMD table holding a few pages costs a few words
 * rather than the dense form's 33 KiB.
 *
 * Keys group by PTE table: entry i's marker is i << 10 and its pages follow it, page offset o
 * (0..2^18-1 inside the PMD table) at (o >>> 9) << 10 | 512 | (o & 511). A PTE table's marker and
 * pages are then one contiguous run [i << 10, (i + 1) << 10), found by one binary search.
 *
 * The array is a plain JS array of small integers, not a typed array: a typed array costs about
 * 200 bytes before its first element, more than a PMD table holding one page should. Up to
 * SPLICE_FROM keys its length is its capacity (the live keys are the first `size`), grown by
 * doubling, so its size in memory is known exactly (size.ts). Past it the array is exactly its
 * keys (length === size) and an insert is Array.prototype.splice, which V8 runs as one memmove
 * where a JS loop moves each key (measured: 110 against 230 ns an insert into 250 keys): a table
 * filling up, as random faults over a region make it, inserts a few hundred keys before it
 * turns dense. V8 then keeps the capacity (at most 1.5 x the length + 16: size.ts counts that).
 */

/** Keys past which an array is kept exact and grown by splice (a power of two: a doubling stops there). */
export const SPLICE_FROM = 64;

/** Keys a sparse table holds at most: beyond, it turns dense (a PTE table of 512 pages needs 513). */
export const SPARSE_MAX = 512;

/** The key of a present page at offset `off` of its PMD table. */
export function pageKey(off: number): number {
  return ((off >>> 9) << 10) | 512 | (off & 511);
}

/** The marker key of PTE table `i`. */
export function pteKey(i: number): number {
  return i << 10;
}

/** The page offset a page key stands for. */
export function keyOffset(key: number): number {
  return ((key >>> 10) << 9) | (key & 511);
}

/** Whether a key is a page's (else a PTE table's marker). */
export function isPageKey(key: number): boolean {
  return (key & 512) !== 0;
}

/** The first index in keys[0, size) whose key is >= `key`. */
export function lowerBound(keys: readonly number[], size: number, key: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `key` at index `pos` of keys[0, size); returns the array (a new one when it was full). */
export function insertAt(keys: number[], size: number, pos: number, key: number): number[] {
  let out = keys;
  if (size === keys.length) {
    if (size >= SPLICE_FROM) {
      keys.splice(pos, 0, key);
      return keys;
    }
    // Doubling, from 4: a PMD table of a process touching a page or two holds 2-4 keys.
    out = new Array<number>(Math.max(4, size * 2));
    for (let j = 0; j < pos; j++) out[j] = keys[j];
  }
  for (let j = size; j > pos; j--) out[j] = keys[j - 1];
  out[pos] = key;
  return out;
}

/** Removes keys[from, to) of keys[0, size), in place; returns the new size. */
export function removeRange(keys: number[], size: number, from: number, to: number): number {
  const n = to - from;
  if (n <= 0) return size;
  for (let j = to; j < size; j++) keys[j - n] = keys[j];
  return size - n;
}
