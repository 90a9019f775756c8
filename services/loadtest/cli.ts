/**
 * The load test's command line: flags to ScenarioOptions and thresholds, the human report, and
 * the threshold verdicts. Bad flags throw UsageError naming the flag (main.ts exits 2).
 */
import { parseArgs } from 'node:util';
import { GEOMETRY_NAMES, type GeometryName } from '../../shared/kernel/geometry.js';
import { formatBytes, formatCount, parseSizeAs } from '../../shared/units.js';
import { PATTERNS, type Pattern } from '../worker/config.js';
import { DEFAULT_OPTIONS, type ScenarioOptions } from './scenario.js';
import type { Report } from './report.js';

export class UsageError extends Error {
  constructor(readonly flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.name = 'UsageError';
  }
}

export interface Thresholds {
  /** saved_ratio must be at least this. */
  minSavedRatio?: number;
  /** pagetable_bytes must be at most this. */
  maxPagetableBytes?: number;
  /** wall_seconds must be at most this. */
  maxWallSeconds?: number;
}

export interface Cli {
  options: Partial<ScenarioOptions>;
  thresholds: Thresholds;
  json: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm start -- [flags]   (or: node dist/services/loadtest/main.js [flags])

Runs the seed's field case through real gRPC: a donor creates a PGDIR-aligned shared region
holding the SGA, the clients attach and touch it, and the report compares page-table memory
with and without sharing against the RFC's baseline.

Scenario
  --clients N              client processes (default ${DEFAULT_OPTIONS.clients})
  --workers N              in-process workers the clients are spread over (default ${DEFAULT_OPTIONS.workers})
  --sga SIZE               SGA size: 300GiB, 8GiB, 512MiB ... (default 300GiB)
  --pattern P              sequential | sparse | hotset (default sequential: every page)
  --sparse-fraction F      sparse: share of the SGA's pages each client touches (default ${DEFAULT_OPTIONS.sparseFraction})
  --hotset-rate R          hotset: accesses per second per worker (default ${DEFAULT_OPTIONS.hotsetRate})
  --hotset-fraction F      hotset: share of the SGA's pages in the hot set (default ${DEFAULT_OPTIONS.hotsetFraction})
  --duration S             hotset: seconds (default ${DEFAULT_OPTIONS.durationS})
  --hotset-accesses N      hotset: stop each worker after N accesses (default 0: duration only)
  --seed N                 PRNG seed of the sparse and hotset addresses (default ${DEFAULT_OPTIONS.seed})
  --machine-memory SIZE    the machine of the capacity figures (default 512GiB)
Broker
  --broker HOST:PORT       use a running broker (default: an embedded one on 127.0.0.1)
  --region NAME            region name (default: sga embedded, a unique name otherwise)
  --geometry G             embedded broker: ${GEOMETRY_NAMES.join(' | ')} (default ${DEFAULT_OPTIONS.geometry})
  --sharing, --no-sharing  embedded broker: with mshare (default) or without
Output and gates
  --json                   the report as JSON on stdout (progress stays on stderr)
  --quiet                  no progress lines
  --min-saved-ratio R      fail unless saved_ratio >= R
  --max-pagetable-bytes N  fail unless pagetable_bytes <= N (a size: 700MiB, 636530688)
  --max-wall-seconds S     fail unless wall_seconds <= S
  --help

Exit status: 0 all thresholds pass, 1 a threshold failed, 2 bad flags, 3 the run failed.`;

export function parseCli(argv: string[]): Cli & { quiet: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        clients: { type: 'string' }, workers: { type: 'string' }, sga: { type: 'string' },
        pattern: { type: 'string' }, 'sparse-fraction': { type: 'string' }, 'hotset-rate': { type: 'string' },
        'hotset-fraction': { type: 'string' }, duration: { type: 'string' }, 'hotset-accesses': { type: 'string' },
        seed: { type: 'string' }, 'machine-memory': { type: 'string' }, broker: { type: 'string' },
        region: { type: 'string' }, geometry: { type: 'string' }, sharing: { type: 'boolean' },
        'no-sharing': { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean' },
        'min-saved-ratio': { type: 'string' }, 'max-pagetable-bytes': { type: 'string' },
        'max-wall-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // parseArgs names the offending option in its message ("Unknown option '--x'").
    const msg = err instanceof Error ? err.message : String(err);
    const flag = /'(-{1,2}[^'\s]+)/.exec(msg)?.[1] ?? 'flags';
    throw new UsageError(flag, msg);
  }
  const v = parsed.values;
  const options: Partial<ScenarioOptions> = {};
  const thresholds: Thresholds = {};
  if (v.clients !== undefined) options.clients = integer('--clients', v.clients, 1, 1_000_000);
  if (v.workers !== undefined) options.workers = integer('--workers', v.workers, 1, 10_000);
  if (v.sga !== undefined) options.sgaBytes = size('--sga', v.sga);
  if (v.pattern !== undefined) options.pattern = oneOf('--pattern', v.pattern, PATTERNS) as Pattern;
  if (v['sparse-fraction'] !== undefined) options.sparseFraction = fraction('--sparse-fraction', v['sparse-fraction']);
  if (v['hotset-rate'] !== undefined) options.hotsetRate = number('--hotset-rate', v['hotset-rate'], 1, 1e9);
  if (v['hotset-fraction'] !== undefined) options.hotsetFraction = fraction('--hotset-fraction', v['hotset-fraction']);
  if (v.duration !== undefined) options.durationS = number('--duration', v.duration, 0, 86_400);
  if (v['hotset-accesses'] !== undefined) options.hotsetAccesses = integer('--hotset-accesses', v['hotset-accesses'], 0, Number.MAX_SAFE_INTEGER);
  if (v.seed !== undefined) options.seed = integer('--seed', v.seed, 0, 2 ** 32 - 1);
  if (v['machine-memory'] !== undefined) options.machineMemoryBytes = size('--machine-memory', v['machine-memory']);
  if (v.broker !== undefined) {
    if (!/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/.test(v.broker)) throw new UsageError('--broker', `'${v.broker}' is not host:port`);
    options.broker = v.broker;
  }
  if (v.region !== undefined) {
    if (v.region === '' || v.region === '.' || v.region === '..' || /[/\0]/.test(v.region)) throw new UsageError('--region', `'${v.region}' is not an msharefs name`);
    options.region = v.region;
  }
  if (v.geometry !== undefined) options.geometry = oneOf('--geometry', v.geometry, GEOMETRY_NAMES) as GeometryName;
  if (v.sharing && v['no-sharing']) throw new UsageError('--no-sharing', 'contradicts --sharing');
  if (v['no-sharing']) options.sharing = false;
  if (options.broker !== undefined) {
    // An external broker's geometry and sharing are its own configuration (MSHARE_GEOMETRY, MSHARE_SHARING).
    if (v.geometry !== undefined) throw new UsageError('--geometry', 'applies to the embedded broker only, not with --broker');
    if (v.sharing || v['no-sharing']) throw new UsageError(v.sharing ? '--sharing' : '--no-sharing', 'applies to the embedded broker only, not with --broker');
  }
  if (v['min-saved-ratio'] !== undefined) thresholds.minSavedRatio = number('--min-saved-ratio', v['min-saved-ratio'], 0, 1);
  if (v['max-pagetable-bytes'] !== undefined) thresholds.maxPagetableBytes = size('--max-pagetable-bytes', v['max-pagetable-bytes']);
  if (v['max-wall-seconds'] !== undefined) thresholds.maxWallSeconds = number('--max-wall-seconds', v['max-wall-seconds'], 0, 1e7);
  return { options, thresholds, json: v.json ?? false, quiet: v.quiet ?? false, help: v.help ?? false };
}

function integer(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new UsageError(flag, `'${value}' is not a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(flag, `${n} is outside ${min}..${max}`);
  return n;
}

function number(flag: string, value: string, min: number, max: number): number {
  const n = /^\d+(\.\d+)?(e[-+]?\d+)?$/i.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(flag, `'${value}' is not a non-negative number`);
  if (n < min || n > max) throw new UsageError(flag, `${n} is outside ${min}..${max}`);
  return n;
}

function fraction(flag: string, value: string): number {
  const n = number(flag, value, 0, 1);
  if (n === 0) throw new UsageError(flag, 'must be above 0');
  return n;
}

function size(flag: string, value: string): number {
  return parseSizeAs(value, (message) => new UsageError(flag, message));
}

function oneOf(flag: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw new UsageError(flag, `'${value}' is not one of ${allowed.join(', ')}`);
  return value;
}

export interface Verdict {
  name: string;
  /** The report field the threshold reads. */
  field: keyof Report;
  op: '>=' | '<=';
  limit: number;
  value: number;
  pass: boolean;
}

export function checkThresholds(report: Report, t: Thresholds): Verdict[] {
  const out: Verdict[] = [];
  const check = (name: string, field: keyof Report, op: '>=' | '<=', limit: number | undefined) => {
    if (limit === undefined) return;
    const value = report[field] as number;
    out.push({ name, field, op, limit, value, pass: op === '>=' ? value >= limit : value <= limit });
  };
  check('min-saved-ratio', 'saved_ratio', '>=', t.minSavedRatio);
  check('max-pagetable-bytes', 'pagetable_bytes', '<=', t.maxPagetableBytes);
  check('max-wall-seconds', 'wall_seconds', '<=', t.maxWallSeconds);
  return out;
}

const pct = (r: number) => `${(r * 100).toFixed(2)}%`;
const both = (n: number) => `${formatBytes(n)} (${formatCount(n)} bytes)`;

/** The human report. */
export function formatReport(r: Report, verdicts: Verdict[]): string {
  const c = r.capacity;
  const lines = [
    '',
    `mshare load test: ${formatCount(r.clients)} clients x ${formatBytes(r.sga_bytes)} SGA, pattern ${r.pattern}`,
    `  broker ${r.broker} (${r.geometry}, sharing ${r.sharing ? 'on' : 'off'}), region '${r.region}', ${formatCount(r.processes)} processes in ${r.workers} workers + donor`,
    '',
    'Page-table memory (PTE + PMD + PUD + PGD pages, as /proc/meminfo PageTables counts them)',
    `  with sharing       ${both(r.pagetable_bytes)}   host tables ${formatBytes(r.host_pagetable_bytes)}`,
    `  without sharing    ${both(r.unshared_pagetable_bytes)}`,
    `  saved              ${both(r.saved_bytes)} = ${pct(r.saved_ratio)}`,
    `Seed baseline (RFC: ${formatCount(r.clients)} x ${formatBytes(r.sga_bytes)} / 4 KiB x 8 B)`,
    `  PTEs only          ${both(r.baseline_pte_bytes)}`,
    `  PTE + PMD + PUD    ${both(r.baseline_pte_pmd_pud_bytes)}`,
    'Minor faults',
    `  with sharing       ${formatCount(r.minor_faults)}`,
    `  without sharing    ${formatCount(r.unshared_minor_faults)}${r.minor_faults > 0 ? ` (${(r.unshared_minor_faults / r.minor_faults).toFixed(1)}x)` : ''}`,
    `  accesses           ${formatCount(r.accesses.present)} present, ${formatCount(r.accesses.minor_fault)} minor fault, ${formatCount(r.accesses.sigsegv)} SIGSEGV, ${formatCount(r.accesses.sigbus)} SIGBUS`,
    `Capacity on a ${formatBytes(c.machine_memory_bytes)} machine: clients whose page tables fit in the ${formatBytes(c.available_bytes)} beside the SGA`,
    `  with sharing       ${formatCount(c.with_sharing.clients)} (fixed ${formatBytes(c.with_sharing.fixed_bytes)} + ${formatBytes(c.with_sharing.per_client_bytes)} per client)${c.with_sharing.fits ? '' : ` -- ${formatCount(r.clients)} do not fit`}`,
    `  without sharing    ${formatCount(c.without_sharing.clients)} (fixed ${formatBytes(c.without_sharing.fixed_bytes)} + ${formatBytes(c.without_sharing.per_client_bytes)} per client)${c.without_sharing.fits ? '' : ` -- ${formatCount(r.clients)} do not fit`}`,
    `Time: ${r.wall_seconds.toFixed(2)} s (setup ${r.setup_seconds.toFixed(2)} s, pattern ${r.run_seconds.toFixed(2)} s)`,
  ];
  if (verdicts.length > 0) {
    lines.push('Thresholds');
    for (const v of verdicts) lines.push(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.field} ${v.value} ${v.op} ${v.limit} (--${v.name})`);
  }
  return lines.join('\n');
}
