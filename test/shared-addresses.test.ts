// shared/addresses.ts: the batch bytes the worker and the bench build, and the Zipf ranks.
import assert from 'node:assert/strict';
import { packPages, zipfPages, zipfSampler } from '../shared/addresses.js';
import { mulberry32 } from '../shared/random.js';

describe('address generation (shared/addresses.ts)', () => {
  it('packs page numbers as little-endian u64 byte addresses, up to 5-level page numbers', () => {
    const pages = [0, 1, 0xfffff, 0x100000, 2 ** 28 + 12345, 2 ** 44 - 1];
    const bytes = packPages(pages.length, (i) => pages[i]);
    assert.equal(bytes.byteLength, 8 * pages.length);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const addrs = pages.map((_, i) => view.getBigUint64(8 * i, true));
    assert.deepEqual(addrs, [0n, 4096n, 0xfffff000n, 0x100000000n, (2n ** 28n + 12345n) << 12n, (2n ** 44n - 1n) << 12n]);
  });

  it('draws Zipf ranks: with s = 1 over 2 ranks, rank 0 twice as often as rank 1', () => {
    const rank = zipfSampler(2, 1, mulberry32(7));
    let zeros = 0;
    const n = 60_000;
    for (let i = 0; i < n; i++) if (rank() === 0) zeros++;
    assert.ok(Math.abs(zeros / n - 2 / 3) < 0.01, `${zeros / n}`);
    // u = 0 is rank 0; u just below 1 is the last rank.
    assert.equal(zipfSampler(5, 1, () => 0)(), 0);
    assert.equal(zipfSampler(5, 1, () => 0.999999)(), 4);
  });

  it('scatters the hot pages over the range and draws from them only, reproducibly', () => {
    const a = zipfPages(1000, 1 << 20, 16, 0.99, mulberry32(2));
    assert.ok(new Set(a).size <= 16);
    assert.ok(a.every((p) => Number.isInteger(p) && p >= 0 && p < 1 << 20));
    assert.deepEqual(zipfPages(1000, 1 << 20, 16, 0.99, mulberry32(2)), a);
  });
});
