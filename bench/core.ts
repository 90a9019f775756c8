/**
 * Core figures, in process, on the kernel alone (no gRPC). Run as its own child process by
 * bench/main.ts with `node --expose-gc --import tsx bench/core.ts`: a fresh JIT, and global.gc
 * for the memory figure. Prints one JSON line: Figure[].
 *
 * Every case is the field case's shape: a donor mshare's a 300 GiB SGA at 1 TiB, one client
 * attaches, and the client's accesses go through Kernel.accessBatch (one pid, one kind, 1024
 * addresses per call, as one AccessStream batch carries) or Kernel.touch. Each case runs in both
 * sharing modes: shared (the host's tables, plus the client's counterfactual tables, which the
 * kernel keeps up to date on every access) and unshared (Kernel({sharing:false}), the client's
 * private tables). The client is the only process populating the host, so it is the region's
 * mirror (shared/kernel/counterfactual.ts: its counterfactual is the host's tree). The shared /
 * unshared ratios are measured with the modes alternating round by round; one more (shown) has
 * the donor populate the SGA instead of the client, which is then no mirror and keeps a tree of
 * its own, filled by its accesses.
 */
import { Kernel } from '../shared/kernel/kernel.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { packPages, zipfPages } from '../shared/addresses.js';
import {
  judge, median, mulberry32, SGA_ADDR, SGA_BYTES, SGA_FIRST_PAGE, SGA_PAGES, type Figure,
} from './lib.js';

const BATCH = 1024;
const REGION_BYTES = 512n << 30n; // one PGDIR entry: the mshare alignment on 4-level paging
const gc = (globalThis as { gc?: () => void }).gc;

interface Sga { kernel: Kernel; client: number }

function sga(sharing: boolean, populate: boolean, donorFirst = false): Sga {
  const kernel = new Kernel({ sharing });
  const donor = kernel.spawn({ uid: 1000, gid: 1000, comm: 'donor' });
  kernel.mmap(donor, SGA_ADDR, BigInt(SGA_BYTES), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  kernel.mshare(donor, 'sga', SGA_ADDR, REGION_BYTES, O_CREAT | O_EXCL | O_RDWR, 0o600);
  // The donor populates the SGA instead of the client, whose counterfactual then fills as it goes.
  if (donorFirst) kernel.touch(donor, SGA_ADDR, BigInt(SGA_BYTES), 'write');
  const client = kernel.spawn({ uid: 1000, gid: 1000, comm: 'client' });
  kernel.mshare(client, 'sga', SGA_ADDR, REGION_BYTES, O_RDWR, 0);
  if (populate && !donorFirst) kernel.touch(client, SGA_ADDR, BigInt(SGA_BYTES), 'write');
  return { kernel, client };
}

/** Page numbers in the SGA: sequential, uniform random, or distinct uniform random. */
function sequentialPages(n: number, from = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = SGA_FIRST_PAGE + ((from + i) % SGA_PAGES);
  return out;
}

function randomPages(n: number, seed: number, distinct: boolean): Float64Array {
  const rand = mulberry32(seed);
  const seen = distinct ? new Uint8Array(Math.ceil(SGA_PAGES / 8)) : null;
  const out = new Float64Array(n);
  for (let i = 0; i < n;) {
    const p = Math.floor(rand() * SGA_PAGES);
    if (seen) {
      if (seen[p >>> 3] & (1 << (p & 7))) continue;
      seen[p >>> 3] |= 1 << (p & 7);
    }
    out[i++] = SGA_FIRST_PAGE + p;
  }
  return out;
}

/** The addresses cut into 1024-address batches (views on one aligned buffer). */
function batches(pages: Float64Array): Uint8Array[] {
  const bytes = packPages(pages.length, (i) => pages[i]);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.byteLength; i += BATCH * 8) out.push(bytes.subarray(i, Math.min(bytes.byteLength, i + BATCH * 8)));
  return out;
}

/** Accesses/s of a present-page pattern: cycles through the batches for ~ms, best of the rounds' medians. */
function presentRate(s: Sga, bs: Uint8Array[], rounds: number, ms: number): { rate: number; rounds: number[] } {
  const out = new Uint8Array(BATCH);
  const rates: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    let n = 0;
    let present = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (let i = 0; i < bs.length; i++) {
        const c = s.kernel.accessBatch(s.client, 'read', bs[i], out);
        present += c.present;
        n += bs[i].byteLength / 8;
      }
      t = performance.now();
    }
    if (present !== n) throw new Error(`expected present pages only, got ${present} of ${n}`);
    if (r > 0) rates.push(n / ((t - t0) / 1000)); // round 0 warms the JIT up
  }
  return { rate: median(rates), rounds: rates };
}

/** Minor faults/s: a fresh SGA per round, every address a page never touched. */
function faultRate(sharing: boolean, pages: Float64Array, rounds: number): { rate: number; rounds: number[] } {
  const bs = batches(pages);
  const out = new Uint8Array(BATCH);
  const rates: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const s = sga(sharing, false);
    let faults = 0;
    const t0 = performance.now();
    for (let i = 0; i < bs.length; i++) faults += s.kernel.accessBatch(s.client, 'write', bs[i], out).minorFault;
    const dt = (performance.now() - t0) / 1000;
    if (faults !== pages.length) throw new Error(`expected ${pages.length} minor faults, got ${faults}`);
    if (r > 0) rates.push(faults / dt);
  }
  return { rate: median(rates), rounds: rates };
}

/** One touch of the whole 300 GiB, ms: on a fresh SGA (every page faults) and again (all present). */
function touchMs(sharing: boolean, rounds: number): { fresh: number[]; present: number[] } {
  const fresh: number[] = [];
  const present: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const s = sga(sharing, false);
    let t0 = performance.now();
    const a = s.kernel.touch(s.client, SGA_ADDR, BigInt(SGA_BYTES), 'write');
    const f = performance.now() - t0;
    t0 = performance.now();
    const b = s.kernel.touch(s.client, SGA_ADDR, BigInt(SGA_BYTES), 'write');
    const p = performance.now() - t0;
    if (a.minorFault !== SGA_PAGES || b.present !== SGA_PAGES) throw new Error('touch did not cover the SGA');
    if (r > 0) { fresh.push(f); present.push(p); }
  }
  return { fresh, present };
}

/**
 * Simulator memory per populated page: heap + off-heap (typed arrays) and RSS after a full GC,
 * before and after populating `n` distinct random pages of an empty SGA. The addresses are
 * allocated before the first reading, so only the tables (and what the kernel keeps beside them)
 * count. Shared mode holds two trees for the pattern: the host's and the client's counterfactual.
 */
function memoryPerPage(sharing: boolean, n: number, seed: number): { heap: number; rss: number; pages: number } {
  if (!gc) throw new Error('run with node --expose-gc');
  const bs = batches(randomPages(n, seed, true));
  const s = sga(sharing, false);
  const reading = () => {
    gc(); gc();
    const m = process.memoryUsage();
    return { heap: m.heapUsed + m.external, rss: m.rss };
  };
  const before = reading();
  let faults = 0;
  for (const b of bs) faults += s.kernel.accessBatch(s.client, 'write', b).minorFault;
  const after = reading();
  if (faults !== n) throw new Error(`expected ${n} faults, got ${faults}`);
  const result = { heap: (after.heap - before.heap) / n, rss: (after.rss - before.rss) / n, pages: n };
  void s.kernel.accounting(); // keeps the kernel alive past the second reading
  return result;
}

const PRESENT_TARGET = { op: '>=' as const, limit: 20e6, unit: 'accesses/s' };
const FAULT_TARGET = { op: '>=' as const, limit: 8e6, unit: 'faults/s' };
const TOUCH_TARGET = { op: '<' as const, limit: 20, unit: 'ms' };
const RATIO_TARGET = { op: '>=' as const, limit: 0.75, unit: 'ratio' };

/**
 * Shared mode against unshared mode, same pattern: the cost of keeping the counterfactual. The
 * modes alternate round by round and each round's ratio is taken (as the gRPC comparisons do),
 * so that the load of a shared machine, which moves between rounds, falls on both sides of each
 * ratio; the figure is the median of the rounds' ratios.
 */
function sharedRatio(name: string, round: (sharing: boolean) => number, rounds: number, judged = true): Figure {
  const ratios: number[] = [];
  const rates: { shared: number[]; unshared: number[] } = { shared: [], unshared: [] };
  for (let r = 0; r < rounds + 1; r++) {
    const shared = round(true);
    const unshared = round(false);
    if (r === 0) continue; // round 0 warms the JIT up
    ratios.push(shared / unshared);
    rates.shared.push(shared);
    rates.unshared.push(unshared);
  }
  return judge({
    section: 'core', name: `${name}, shared / unshared`, value: median(ratios), unit: 'ratio',
    note: `modes alternating round by round; median of the rounds' ratios${judged ? '' : '; shown, not judged'}`,
    ...(judged ? { target: RATIO_TARGET } : {}),
    detail: { rounds: ratios, sharedRate: median(rates.shared), unsharedRate: median(rates.unshared) },
  });
}

function main(): void {
  const figures: Figure[] = [];
  const ACCESSES = 1 << 20; // 8 MiB of addresses, cycled
  const seq = batches(sequentialPages(ACCESSES));
  const uni = batches(randomPages(ACCESSES, 1, false));
  const hot = batches(Float64Array.from(zipfPages(ACCESSES, SGA_PAGES, 65_536, 0.99, mulberry32(2)), (p) => p + SGA_FIRST_PAGE));
  for (const sharing of [true, false]) {
    const mode = sharing ? 'shared' : 'unshared';
    const s = sga(sharing, true);
    for (const [pattern, bs, judged] of [['uniform random', uni, true], ['sequential', seq, false], ['zipf 0.99 over 64 Ki hot pages', hot, false]] as const) {
      const r = presentRate(s, bs, 5, 300);
      figures.push(judge({
        section: 'core', name: `present accesses/s, ${pattern}, ${mode}`, value: r.rate, unit: 'accesses/s',
        note: judged ? 'the target is judged on this pattern' : 'shown, not judged',
        ...(judged ? { target: PRESENT_TARGET } : {}),
        detail: { rounds: r.rounds, batch: BATCH, populated: '300 GiB (every page)' },
      }));
    }
    const FAULTS = 1 << 20;
    for (const [pattern, pages, judged] of [['random fresh pages', randomPages(FAULTS, 3, true), true], ['sequential fresh pages', sequentialPages(FAULTS), false]] as const) {
      const r = faultRate(sharing, pages, 5);
      figures.push(judge({
        section: 'core', name: `minor faults/s, ${pattern}, ${mode}`, value: r.rate, unit: 'faults/s',
        note: judged ? 'the target is judged on this pattern' : 'shown, not judged',
        ...(judged ? { target: FAULT_TARGET } : {}),
        detail: { rounds: r.rounds, batch: BATCH, faults: FAULTS },
      }));
    }
    const t = touchMs(sharing, 7);
    figures.push(judge({
      section: 'core', name: `touch 300 GiB, fresh (every page faults), ${mode}`, value: median(t.fresh), unit: 'ms',
      note: 'median of 7', target: TOUCH_TARGET, detail: { rounds: t.fresh },
    }));
    figures.push(judge({
      section: 'core', name: `touch 300 GiB, again (every page present), ${mode}`, value: median(t.present), unit: 'ms',
      note: 'median of 7', target: TOUCH_TARGET, detail: { rounds: t.present },
    }));
    for (const [label, n] of [['1%', Math.round(SGA_PAGES / 100)], ['0.1%', Math.round(SGA_PAGES / 1000)]] as const) {
      const m = memoryPerPage(sharing, n, 4);
      figures.push({
        section: 'core', name: `simulator bytes per populated page, sparse random ${label} of 300 GiB, ${mode}`,
        value: m.heap, unit: 'B/page',
        note: `heap+external delta after gc; RSS delta ${m.rss.toFixed(0)} B/page`,
        detail: { pages: m.pages, rssBytesPerPage: m.rss },
      });
    }
  }
  const populated = { shared: sga(true, true), unshared: sga(false, true), donorFirst: sga(true, true, true) };
  figures.push(sharedRatio('present accesses/s, uniform random',
    (sharing) => presentRate(sharing ? populated.shared : populated.unshared, uni, 1, 300).rate, 5));
  const fresh = randomPages(1 << 20, 3, true);
  figures.push(sharedRatio('minor faults/s, random fresh pages', (sharing) => faultRate(sharing, fresh, 1).rate, 5));
  // The client no mirror: the donor populated the SGA, the client's own tree fills as it goes.
  figures.push(sharedRatio('present accesses/s, uniform random, donor populated first',
    (sharing) => presentRate(sharing ? populated.donorFirst : populated.unshared, uni, 1, 300).rate, 5, false));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main();
