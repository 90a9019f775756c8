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
import {
  batches, faultRound, patterns, presentRound, randomPages, sga, touchRound, BATCH, type KernelClass, type Sga,
} from './core-cases.js';
import { judge, median, SGA_PAGES, type Figure } from './lib.js';

const gc = (globalThis as { gc?: () => void }).gc;
const K: KernelClass = Kernel;

/** Accesses/s of a present-page pattern: `rounds` rounds of ~ms after one that warms the JIT up; their median. */
function presentRate(s: Sga, bs: Uint8Array[], rounds: number, ms: number): { rate: number; rounds: number[] } {
  const rates: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const rate = presentRound(s, bs, ms);
    if (r > 0) rates.push(rate); // round 0 warms the JIT up
  }
  return { rate: median(rates), rounds: rates };
}

/** Minor faults/s: a fresh SGA per round, every address a page never touched. */
function faultRate(sharing: boolean, bs: Uint8Array[], rounds: number): { rate: number; rounds: number[] } {
  const rates: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const rate = faultRound(K, sharing, bs);
    if (r > 0) rates.push(rate);
  }
  return { rate: median(rates), rounds: rates };
}

/** One touch of the whole 300 GiB per round, ms: on a fresh SGA (every page faults) and again (all present). */
function touchMs(sharing: boolean, rounds: number): { fresh: number[]; present: number[] } {
  const fresh: number[] = [];
  const present: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const t = touchRound(K, sharing);
    if (r > 0) { fresh.push(t.fresh); present.push(t.present); }
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
  const s = sga(K, sharing, false);
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
  const { present: presentPatterns, fresh: freshPatterns } = patterns();
  for (const sharing of [true, false]) {
    const mode = sharing ? 'shared' : 'unshared';
    const s = sga(K, sharing, true);
    for (const [pattern, bs, judged] of presentPatterns) {
      const r = presentRate(s, bs, 5, 300);
      figures.push(judge({
        section: 'core', name: `present accesses/s, ${pattern}, ${mode}`, value: r.rate, unit: 'accesses/s',
        note: judged ? 'the target is judged on this pattern' : 'shown, not judged',
        ...(judged ? { target: PRESENT_TARGET } : {}),
        detail: { rounds: r.rounds, batch: BATCH, populated: '300 GiB (every page)' },
      }));
    }
    for (const [pattern, bs, judged] of freshPatterns) {
      const r = faultRate(sharing, bs, 5);
      figures.push(judge({
        section: 'core', name: `minor faults/s, ${pattern}, ${mode}`, value: r.rate, unit: 'faults/s',
        note: judged ? 'the target is judged on this pattern' : 'shown, not judged',
        ...(judged ? { target: FAULT_TARGET } : {}),
        detail: { rounds: r.rounds, batch: BATCH, faults: bs.length * BATCH },
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
  const populated = { shared: sga(K, true, true), unshared: sga(K, false, true), donorFirst: sga(K, true, true, true) };
  const uni = presentPatterns[0][1];
  figures.push(sharedRatio('present accesses/s, uniform random',
    (sharing) => presentRate(sharing ? populated.shared : populated.unshared, uni, 1, 300).rate, 5));
  const fresh = freshPatterns[0][1];
  figures.push(sharedRatio('minor faults/s, random fresh pages', (sharing) => faultRate(sharing, fresh, 1).rate, 5));
  // The client no mirror: the donor populated the SGA, the client's own tree fills as it goes.
  figures.push(sharedRatio('present accesses/s, uniform random, donor populated first',
    (sharing) => presentRate(sharing ? populated.donorFirst : populated.unshared, uni, 1, 300).rate, 5, false));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main();
