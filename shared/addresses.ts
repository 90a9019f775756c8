/**
 * Address generation, for the worker's access patterns and the benchmark alike: page numbers
 * packed as a batch's little-endian u64 addresses (what AccessStream and Kernel.accessBatch
 * take), and Zipf-distributed ranks for hot sets.
 */
import { PAGE_SIZE } from './kernel/geometry.js';

/**
 * n little-endian u64 addresses of the pages pageAt(0), ..., pageAt(n - 1). Page numbers stay
 * below 2^44 (5-level), so the address halves are computed from the page number without BigInt.
 * The bytes start a fresh buffer: 8-aligned, as the kernel reads them in place.
 */
export function packPages(n: number, pageAt: (i: number) => number): Uint8Array {
  const words = new Uint32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const page = pageAt(i);
    words[2 * i] = (page % 0x100000) * PAGE_SIZE; // low 20 bits of the page, shifted by 12
    words[2 * i + 1] = Math.floor(page / 0x100000);
  }
  return new Uint8Array(words.buffer);
}

/**
 * Ranks 0..ranks-1 drawn from a Zipf(s) law: rank r with probability proportional to
 * 1 / (r + 1)^s, by inverse CDF on a table (one rand() per draw).
 */
export function zipfSampler(ranks: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(ranks);
  let sum = 0;
  for (let r = 0; r < ranks; r++) {
    sum += 1 / (r + 1) ** s;
    cdf[r] = sum;
  }
  return () => lowerBound(cdf, rand() * sum);
}

/**
 * n page offsets in [0, range) from a Zipf(s) law over `hot` distinct pages scattered uniformly
 * over the range (the scatter drawn first, then the n ranks).
 */
export function zipfPages(n: number, range: number, hot: number, s: number, rand: () => number): Float64Array {
  const rank = zipfSampler(hot, s, rand);
  const where = new Float64Array(hot);
  for (let r = 0; r < hot; r++) where[r] = Math.floor(rand() * range);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = where[rank()];
  return out;
}

/** First index whose value is >= x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
