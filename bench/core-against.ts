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
 * machine; the order alternates (ABBA) so that a drift within a pair favours neither.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kernel } from '../shared/kernel/kernel.js';
import { faultRound, patterns, presentRound, sga, touchRound, type KernelClass } from './core-cases.js';
import { judge, median, type Figure } from './lib.js';

const ROUNDS = 7; // measured pairs per figure, after one pair that warms both JITs up
/** A change may not make a core figure more than 10% slower. */
const TARGET = { op: '>=' as const, limit: 0.9, unit: 'ratio' };

/** Runs `round` for this tree (A) and the other (B) alternately; the pairs' ratios A/B. */
function pairs(round: (K: KernelClass) => number, A: KernelClass, B: KernelClass): { ratios: number[]; a: number[]; b: number[] } {
  const out = { ratios: [] as number[], a: [] as number[], b: [] as number[] };
  for (let r = 0; r < ROUNDS + 1; r++) {
    let a: number;
    let b: number;
    if (r % 2 === 0) {
      a = round(A);
      b = round(B);
    } else {
      b = round(B);
      a = round(A);
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
  const other = (await import(pathToFileURL(path.join(root, 'shared/kernel/kernel.ts')).href) as { Kernel: KernelClass }).Kernel;
  const self: KernelClass = Kernel;
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
    const populated = new Map([self, other].map((K) => [K, sga(K, sharing, true)]));
    for (const [pattern, bs] of present) {
      add(`present accesses/s, ${pattern}, ${mode}`, 'accesses/s', pairs((K) => presentRound(populated.get(K)!, bs, 300), self, other), 'rate');
    }
    for (const [pattern, bs] of fresh) {
      add(`minor faults/s, ${pattern}, ${mode}`, 'faults/s', pairs((K) => faultRound(K, sharing, bs), self, other), 'rate');
    }
    // A touch is a few microseconds: each round is the median of 7, as the core figure is.
    const touches = (K: KernelClass, which: 'fresh' | 'present') => median(Array.from({ length: 7 }, () => touchRound(K, sharing)[which]));
    for (const [which, name] of [['fresh', 'fresh (every page faults)'], ['present', 'again (every page present)']] as const) {
      const p = pairs((K) => 1 / touches(K, which), self, other);
      add(`touch 300 GiB, ${name}, ${mode}`, 'touches/ms', p, 'time');
    }
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`core-against: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
