/**
 * `npm start -- --compare [list]`: the same workload under each sharing scheme, each on a fresh
 * embedded broker, one after another, and one table of the figures side by side. Savings are
 * against `none` (private 4 KiB tables) when it ran, else against each run's own counterfactual.
 */
import { scheme as schemeOf, SCHEME_NAMES } from '../../shared/kernel/schemes/index.js';
import type { ScenarioOptions } from './options.js';
import type { OomFigures, Report } from './report.js';
import { runScenario } from './scenario.js';

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

export async function runCompare(options: Partial<ScenarioOptions>, schemes: readonly string[],
  say: (line: string) => void = () => {}): Promise<SchemeRow[]> {
  const rows: SchemeRow[] = [];
  for (const name of schemes) {
    say(`--- scheme ${name}`);
    // The machine limits each run only when --machine-memory was given (each scheme's `oom` then
    // comes from its limited run); the comparison itself runs no second, unshared run.
    const unlimitedMachine = options.machineMemoryBytes === undefined;
    const report = await runScenario({ ...options, scheme: name, sharing: name !== 'none', unsharedRun: false, unlimitedMachine });
    rows.push(rowOf(name, report, !unlimitedMachine));
  }
  const none = rows.find((r) => r.scheme === 'none');
  for (const r of rows) {
    r.saved_bytes = (none ? none.pagetable_bytes : r.unshared_pagetable_bytes) - r.pagetable_bytes;
  }
  return rows;
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
