/**
 * `npm start -- --compare` on the field case (1500 clients x 300 GiB, every page, under every
 * scheme, each on its own fresh embedded broker), run as the user runs it: a child process
 * `node --import tsx services/loadtest/main.ts --compare --json --quiet`, its wall time taken from
 * spawn to exit (module loading included) and its CPU time (user + system) read from /proc while it
 * runs. Each scheme's wall time is the command's own row (taken while the other lane runs too).
 * Every round checks the exact page-table figures of every scheme against EXACT: a faster run that
 * changed a figure is a failure, not a result. Rounds alternate the default lanes (2 worker
 * threads) and one lane (MSHARE_COMPARE_LANES=1: the schemes one after another), medians reported.
 */
import { readFileSync } from 'node:fs';
import { judge, median, runLoadtestJson, type Figure } from './lib.js';

/** System page-table bytes of the field case, per scheme: the figures no speed-up may change. */
export const EXACT: Readonly<Record<string, number>> = Object.freeze({
  none: 945_573_892_096,
  mshare: 636_530_688,
  ptshare: 2_485_874_688,
  hugetlb: 13_520_896,
  'hugetlb-1g': 12_292_096,
  thp: 1_855_492_096,
});
const TARGET_S = 20;
const TIMEOUT_MS = 240_000;

interface Row { scheme: string; pagetable_bytes: number; wall_seconds: number }
interface Run { lanes: number; wall: number; cpu: number; rows: Row[] }

/** utime + stime of a live process, seconds (Linux /proc/PID/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

async function once(lanes: number): Promise<Run> {
  let cpu = 0;
  const { wall, report } = await runLoadtestJson<{ schemes: Row[] }>(['--compare'], {
    env: { MSHARE_COMPARE_LANES: String(lanes) }, timeoutMs: TIMEOUT_MS, pollMs: 100,
    poll: (pid) => { cpu = cpuSeconds(pid) ?? cpu; },
  });
  const rows = report.schemes;
  for (const r of rows) {
    if (r.pagetable_bytes !== EXACT[r.scheme]) throw new Error(`--compare: ${r.scheme} gave ${r.pagetable_bytes} page-table bytes, not ${EXACT[r.scheme]}`);
  }
  if (rows.length !== Object.keys(EXACT).length) throw new Error(`--compare: ${rows.length} schemes`);
  return { lanes, wall, cpu, rows };
}

export async function runCompareBench(rounds: number, log: (line: string) => void): Promise<Figure[]> {
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const lanes of round % 2 === 0 ? [2, 1] : [1, 2]) {
      const r = await once(lanes);
      runs.push(r);
      log(`compare round ${round + 1}, ${lanes} lane(s): wall ${r.wall.toFixed(1)} s, CPU ${r.cpu.toFixed(1)} s; `
        + r.rows.map((x) => `${x.scheme} ${x.wall_seconds.toFixed(1)}`).join(', '));
    }
  }
  const figures: Figure[] = [];
  for (const lanes of [2, 1]) {
    const rs = runs.filter((r) => r.lanes === lanes);
    const perScheme = Object.keys(EXACT).map((s) => `${s} ${median(rs.map((r) => r.rows.find((x) => x.scheme === s)?.wall_seconds ?? NaN)).toFixed(1)}`);
    figures.push(judge({
      section: 'compare', name: `--compare, field case, 6 schemes, ${lanes === 2 ? '2 lanes (default)' : '1 lane'}: wall time`,
      value: median(rs.map((r) => r.wall)), unit: 's', target: { op: '<', limit: TARGET_S, unit: 's' },
      note: `median of ${rs.length}; CPU ${median(rs.map((r) => r.cpu)).toFixed(1)} s; per scheme (s): ${perScheme.join(', ')}; figures exact in every round`,
      detail: { rounds: rs },
    }));
  }
  return figures;
}
