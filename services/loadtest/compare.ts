/**
 * `npm start -- --compare [list]`: the same workload under each sharing scheme, each on a fresh
 * embedded broker, and one table of the figures side by side. Savings are against `none` (private
 * 4 KiB tables) when it ran, else against each run's own counterfactual.
 *
 * The schemes run in lanes, one worker thread each (compare-lane.ts; by default as many as the
 * machine has cores, at most 2): every scheme still has its own broker, kernel and clients, and a
 * lane runs its schemes one after another. A lane's young generation is sized for the run's
 * short-lived RPC garbage (LANE_YOUNG_MB: fewer scavenges than Node's default). A row's wall time
 * is its run's, taken while the other lane runs too; `lanes: 0` runs every scheme in this thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { scheme as schemeOf, SCHEME_NAMES } from '../../shared/kernel/schemes/index.js';
import type { LaneJob } from './compare-lane.js';
import type { ScenarioOptions } from './options.js';
import type { OomFigures, Report } from './report.js';

export interface SchemeRow {
  scheme: string;
  /** Where the scheme's rule comes from (RFC, ptshare RFC, hugetlbfs, shmem THP). */
  source: string;
  pagetable_bytes: number;
  /** Mean VmPTE of the clients (PTE + PMD + PUD pages x 4 KiB, shared hugetlb PMD pages included). */
  per_client_vmpte_bytes: number;
  minor_faults: number;
  syncs: number;
  /** none's page-table bytes minus this scheme's (or its own counterfactual when none did not run). */
  saved_bytes: number;
  unshared_pagetable_bytes: number;
  unshared_minor_faults: number;
  wall_seconds: number;
  /** The run's OOM figures, when --machine-memory limited it. */
  oom?: OomFigures;
  report: Report;
}

/** The schemes of a --compare value: 'all' or a comma list of names (checked). */
export function compareList(value: string): string[] {
  if (value === '' || value === 'all') return [...SCHEME_NAMES];
  const names = value.split(',').map((n) => n.trim());
  for (const n of names) schemeOf(n);
  return names;
}

/**
 * Lanes by default: the machine's cores, at most 2 (the field case is sized for a 2-core machine);
 * MSHARE_COMPARE_LANES overrides it (0: every scheme in the calling thread; the bench's 1-lane runs).
 */
export const DEFAULT_LANES = lanesOf(process.env.MSHARE_COMPARE_LANES);

function lanesOf(value: string | undefined): number {
  if (value === undefined || value === '') return Math.min(2, availableParallelism());
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 8) throw new Error(`MSHARE_COMPARE_LANES=${value}: expected a whole number 0..8`);
  return n;
}
/** A lane's young generation, MiB (V8: three semi-spaces' worth; 192 = 64 MiB semi-spaces). */
export const LANE_YOUNG_MB = 192;

export async function runCompare(options: Partial<ScenarioOptions>, schemes: readonly string[],
  say: (line: string) => void = () => {}, lanes = DEFAULT_LANES): Promise<SchemeRow[]> {
  // The machine limits each run only when --machine-memory was given (each scheme's `oom` then
  // comes from its limited run); the comparison itself runs no second, unshared run.
  const unlimitedMachine = options.machineMemoryBytes === undefined;
  const optionsOf = (name: string): Partial<ScenarioOptions> => ({ ...options, scheme: name, sharing: name !== 'none', unsharedRun: false, unlimitedMachine });
  const reports = new Map<string, Report>();
  if (lanes <= 0) {
    // Imported here: with lanes, only the lanes load the broker and the workers (compare-lane.ts).
    const { runScenario } = await import('./scenario.js');
    for (const name of schemes) {
      say(`--- scheme ${name}`);
      reports.set(name, await runScenario(optionsOf(name)));
    }
  } else {
    const queue = [...schemes];
    const { onProgress: _progress, ...plain } = options; // a function does not cross to a thread
    await Promise.all(Array.from({ length: Math.min(lanes, schemes.length) }, () => runLane(queue, (name) => ({
      scheme: name, options: { ...plain, ...optionsOf(name), onProgress: undefined },
    }), reports, say)));
  }
  const rows = schemes.map((name) => rowOf(name, reports.get(name) as Report, !unlimitedMachine));
  const none = rows.find((r) => r.scheme === 'none');
  for (const r of rows) {
    r.saved_bytes = (none ? none.pagetable_bytes : r.unshared_pagetable_bytes) - r.pagetable_bytes;
  }
  return rows;
}

/** One worker thread taking schemes from `queue` until it is empty. */
function runLane(queue: string[], jobOf: (name: string) => LaneJob, reports: Map<string, Report>,
  say: (line: string) => void): Promise<void> {
  // Run from TypeScript (tsx), the thread registers tsx's loader before it imports the lane: a
  // worker thread does not inherit the --import hooks of Node 20's main thread.
  const ts = import.meta.url.endsWith('.ts');
  const lane = JSON.stringify(new URL(`./compare-lane.${ts ? 'ts' : 'js'}`, import.meta.url).href);
  const code = ts ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${lane}); });` : `import(${lane});`;
  const worker = new Worker(code, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: LANE_YOUNG_MB } });
  return new Promise<void>((resolve, reject) => {
    let current = '';
    const next = () => {
      const name = queue.shift();
      if (name === undefined) {
        worker.postMessage(null);
        void worker.terminate().then(() => resolve());
        return;
      }
      current = name;
      say(`--- scheme ${name}`);
      worker.postMessage(jobOf(name));
    };
    worker.on('message', (m: { kind: string; line?: string; scheme?: string; report?: Report; message?: string }) => {
      if (m.kind === 'progress') say(`[${current}] ${m.line}`);
      else if (m.kind === 'report') {
        reports.set(m.scheme as string, m.report as Report);
        next();
      } else {
        void worker.terminate();
        reject(new Error(`scheme ${m.scheme}: ${m.message}`));
      }
    });
    worker.on('error', reject);
    next();
  });
}

function rowOf(name: string, report: Report, limited: boolean): SchemeRow {
  return {
    scheme: name,
    source: schemeOf(name).source,
    pagetable_bytes: report.system_pagetable_bytes,
    per_client_vmpte_bytes: report.clients_vmpte_bytes / report.clients,
    minor_faults: report.minor_faults,
    syncs: report.syncs,
    saved_bytes: 0,
    unshared_pagetable_bytes: report.system_unshared_pagetable_bytes,
    unshared_minor_faults: report.unshared_minor_faults,
    wall_seconds: report.wall_seconds,
    ...(limited ? { oom: report.oom } : {}),
    report,
  };
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** The comparison table, with each scheme's source under it. */
export function formatCompare(rows: readonly SchemeRow[]): string {
  const head = ['scheme', 'page-table bytes', 'per-client VmPTE', 'minor faults', 'syncs', 'saved vs none', 'wall s'];
  const body = rows.map((r) => [r.scheme, n(r.pagetable_bytes), n(r.per_client_vmpte_bytes), n(r.minor_faults), n(r.syncs),
    n(r.saved_bytes), r.wall_seconds.toFixed(1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    'Sharing schemes on one workload (each on a fresh embedded broker)',
    line(head),
    ...body.map(line),
    'Sources',
    ...rows.map((r) => `  ${r.scheme.padEnd(widths[0])}  ${r.source}`),
  ].join('\n');
}

/** The --json shape: {"schemes": [...]} without the full per-scheme reports. */
export function compareJson(rows: readonly SchemeRow[]): { schemes: Omit<SchemeRow, 'report'>[] } {
  return { schemes: rows.map(({ report: _report, ...rest }) => rest) };
}
