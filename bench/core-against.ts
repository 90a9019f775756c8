/**
 * The core cases on two kernels in one process, rounds alternating: this tree's kernel and the one
 * under ROOT (another revision's checkout, made by bench/against.ts). Run as a child process by
 * bench/main.ts (`--against REV`): `node --import tsx bench/core-against.ts ROOT LABEL`. Prints one
 * JSON line: Figure[], one per core figure, each the median over the rounds of this tree's speed
 * divided by the other's (for a touch, the other's time divided by this tree's: above 1 is faster).
 *
 * Why one process, alternating: this machine's speed moves by up to 2x between processes and for
 * seconds within one (other tenants share its caches), so separate runs of each side compare the
 * machine at two moments more than the code. Within a pair of rounds both sides see the same
 * machine; the order alternates (ABBA) so that a drift within a pair favours neither. Each side
 * runs the cases from a module instance of its own (core-cases.ts imported under two URLs), so
 * that V8 compiles the bench's loops for each kernel apart: a loop that called both kernels would
 * inline one kernel's calls and not the other's, and favour it.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kernel } from '../shared/kernel/kernel.js';
import { patterns, type KernelClass, type Sga } from './core-cases.js';
import { judge, median, type Figure } from './lib.js';

type Cases = typeof import('./core-cases.js');

/** One side: its kernel, and the bench's cases in a module instance of its own. */
interface Side { K: KernelClass; cases: Cases }

async function side(K: KernelClass, name: string): Promise<Side> {
  const cases = await import(`./core-cases.js?side=${name}`) as Cases;
  return { K, cases };
}

const ROUNDS = 8; // measured pairs per figure (as many AB as BA), after one pair that warms both JITs up
/** A full collection before each round (node --expose-gc), so that neither side pays for the other's garbage. */
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
/** A change may not make a core figure more than 10% slower. */
const TARGET = { op: '>=' as const, limit: 0.9, unit: 'ratio' };

/** Runs `round` for this tree (side 0) and the other (side 1) alternately; the pairs' ratios 0/1. */
function pairs(round: (side: 0 | 1) => number): { ratios: number[]; a: number[]; b: number[] } {
  const out = { ratios: [] as number[], a: [] as number[], b: [] as number[] };
  for (let r = 0; r < ROUNDS + 1; r++) {
    let a: number;
    let b: number;
    const timed = (side: 0 | 1) => {
      gc();
      return round(side);
    };
    if (r % 2 === 0) {
      a = timed(0);
      b = timed(1);
    } else {
      b = timed(1);
      a = timed(0);
    }
    if (r === 0) continue; // warms the JIT up
    out.ratios.push(a / b);
    out.a.push(a);
    out.b.push(b);
  }
  return out;
}

async function main(): Promise<void> {
  const [root, label] = process.argv.slice(2);
  if (!root || !label) throw new Error('usage: core-against.ts ROOT LABEL');
  const otherKernel = (await import(pathToFileURL(path.join(root, 'shared/kernel/kernel.ts')).href) as { Kernel: KernelClass }).Kernel;
  const sides = [await side(Kernel, 'this'), await side(otherKernel, 'other')] as const;
  const figures: Figure[] = [];
  const add = (name: string, unit: string, p: { ratios: number[]; a: number[]; b: number[] }, speed: 'rate' | 'time') => {
    figures.push(judge({
      section: 'against', name: `${name}: this tree / ${label}`, value: median(p.ratios), unit: 'ratio',
      note: `speed ratio, median of ${ROUNDS} alternating pairs; ${unit} ${median(p.a).toPrecision(3)} here, ${median(p.b).toPrecision(3)} at ${label}`,
      target: TARGET,
      detail: { rounds: p.ratios, [`this_${unit}`]: p.a, [`other_${unit}`]: p.b, speed },
    }));
  };
  const { present, fresh } = patterns();
  for (const sharing of [true, false]) {
    const mode = sharing ? 'shared' : 'unshared';
    const populated: Sga[] = sides.map((s) => s.cases.sga(s.K, sharing, true));
    for (const [pattern, bs] of present) {
      const round = (i: 0 | 1) => sides[i].cases.presentRound(populated[i], bs, 300);
      add(`present accesses/s, ${pattern}, ${mode}`, 'accesses/s', pairs(round), 'rate');
    }
    for (const [pattern, bs] of fresh) {
      add(`minor faults/s, ${pattern}, ${mode}`, 'faults/s', pairs((i) => sides[i].cases.faultRound(sides[i].K, sharing, bs)), 'rate');
    }
    // A touch is a few microseconds: each round is the median of 7, as the core figure is.
    const touches = (s: Side, which: 'fresh' | 'present') => median(Array.from({ length: 7 }, () => s.cases.touchRound(s.K, sharing)[which]));
    for (const [which, name] of [['fresh', 'fresh (every page faults)'], ['present', 'again (every page present)']] as const) {
      const p = pairs((i) => 1 / touches(sides[i], which));
      add(`touch 300 GiB, ${name}, ${mode}`, 'touches/ms', p, 'time');
    }
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`core-against: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
