/**
 * The load test's command line: flags to ScenarioOptions (the flag table, options.ts) and
 * thresholds, the human report, and the threshold verdicts. Values are read by shared/config.ts's
 * parsers; bad flags throw UsageError naming the flag (main.ts exits 2).
 */
import { parseArgs } from 'node:util';
import { ConfigError, parseHostPort, parseNumber, parseRegionName, parseSize } from '../../shared/config.js';
import { SCHEME_NAMES } from '../../shared/kernel/schemes/index.js';
import { formatBytes, formatCount, SIZE_UNITS_HELP } from '../../shared/units.js';
import { compareList } from './compare.js';
import {
  BROKER_CONNECTION_FLAGS, DEFAULT_OPTIONS, EMBEDDED_REGION, OPTION_FLAGS, brokerClientFromFlags, type ScenarioOptions,
} from './options.js';
import type { OomFigures, Report } from './report.js';

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
  /** Each unary method's client-side p99 latency (rpc_latency_ms.<method>.p99) must be at most this, ms. */
  maxP99Ms?: number;
  /** rate_ratio (achieved / requested access rate) must be at least this: rate-limited patterns only. */
  minRateRatio?: number;
}

export interface Cli {
  options: Partial<ScenarioOptions>;
  thresholds: Thresholds;
  json: boolean;
  help: boolean;
  /** --out files, in the order given: each ends in .html or .json. */
  out: string[];
  /** --replay FILE: replay a capture instead of running the field case. */
  replay?: string;
  /** --compare: the schemes to run side by side (undefined: one run). */
  compare?: string[];
  /** --replay with --scheme or --compare: the what-if's schemes. */
  whatIf?: string[];
}

/** One --help line: the flag and its argument, then what it does, in two columns. */
const row = (left: string, text: string) => `  ${left.padEnd(23)}  ${text}`;
const optionRow = (name: string) => {
  const f = OPTION_FLAGS[name];
  return row(`--${name} ${f.arg}`, `${f.help} (default ${f.default}${f.note ?? ''})`);
};
const SCENARIO_FLAGS = Object.keys(OPTION_FLAGS).filter((name) => name !== 'geometry');

export const USAGE = `Usage: npm start -- [flags]   (or: node dist/services/loadtest/main.js [flags])

Runs the seed's field case through real gRPC: a donor creates a PGDIR-aligned shared region
holding the SGA, the clients attach and touch it, and the report compares page-table memory
with and without sharing against the RFC's baseline.

Scenario
${SCENARIO_FLAGS.map(optionRow).join('\n')}
Broker
${row('--broker HOST:PORT', 'use a running broker (default: an embedded one on 127.0.0.1)')}
${row('--broker-ca FILE', 'with --broker: TLS, the PEM CA of the broker\'s certificate')}
${row('--broker-cert FILE', 'with --broker: mutual TLS, a PEM client certificate (its CN names the principal)')}
${row('--broker-key FILE', 'with --broker: the client certificate\'s PEM key')}
${row('--broker-token-file FILE', 'with --broker: a file holding the bearer token')}
${row('--broker-server-name N', 'with --broker: the name in the broker\'s certificate, when HOST is not it')}
${row('--region NAME', `region name (default: ${EMBEDDED_REGION} embedded, a unique name otherwise)`)}
${optionRow('geometry')}
${row('--sharing, --no-sharing', 'embedded broker: with mshare (default) or without (= --scheme none)')}
${row('--scheme NAME', `embedded broker: the sharing scheme, one of ${SCHEME_NAMES.join(', ')}`)}
${row('--compare [LIST]', 'every scheme (or a comma list) on its own fresh embedded broker, one table (unlimited memory unless --machine-memory)')}
${row('--pti', 'embedded broker: page-table isolation (8 KiB PGDs)')}
Output and gates
${row('--json', 'the report as JSON on stdout (progress stays on stderr)')}
${row('--quiet', 'no progress lines')}
${row('--out FILE', 'also write the report to FILE: .html (charts) or .json (what --json prints); repeatable')}
${row('--replay FILE', 'replay a capture (npm run capture) into the broker instead of the field case;')}
${row('', 'with --scheme NAME or --compare [LIST]: and what if it ran under those schemes')}
${row('--min-saved-ratio R', 'fail unless saved_ratio >= R')}
${row('--max-pagetable-bytes N', 'fail unless pagetable_bytes <= N (a size: 700MiB, 636530688)')}
${row('--max-wall-seconds S', 'fail unless wall_seconds <= S')}
${row('--max-p99-ms MS', "fail unless each unary method's client-side p99 latency <= MS")}
${row('--min-rate-ratio R', 'hotset: fail unless achieved / requested access rate >= R')}
  --help

Sizes (SIZE): ${SIZE_UNITS_HELP}: 300GB = 300G = 300GiB.

Exit status: 0 all thresholds pass, 1 a threshold failed, 2 bad flags, 3 the run failed.`;

/** A shared/config.ts parser run on a flag's value: its ConfigError becomes a UsageError. */
function flagValue<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.variable, err.reason);
    throw err;
  }
}

/** `--compare` takes an optional list: alone (or before another flag) it means every scheme. */
function compareArgv(argv: string[]): string[] {
  return argv.flatMap((a, i) => (a === '--compare' && (i + 1 === argv.length || argv[i + 1].startsWith('--')) ? ['--compare=all'] : [a]));
}

export function parseCli(argvIn: string[]): Cli & { quiet: boolean } {
  const argv = compareArgv(argvIn);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.keys(OPTION_FLAGS).map((name) => [name, { type: 'string' as const }])),
        broker: { type: 'string' }, region: { type: 'string' }, sharing: { type: 'boolean' },
        'no-sharing': { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean' },
        'min-saved-ratio': { type: 'string' }, 'max-pagetable-bytes': { type: 'string' },
        'max-wall-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h' },
        out: { type: 'string', multiple: true }, replay: { type: 'string' },
        'max-p99-ms': { type: 'string' }, 'min-rate-ratio': { type: 'string' },
        scheme: { type: 'string' }, compare: { type: 'string' }, pti: { type: 'boolean' },
        ...Object.fromEntries(Object.values(BROKER_CONNECTION_FLAGS).map((f) => [f.slice(2), { type: 'string' as const }])),
      },
    });
  } catch (err) {
    // parseArgs names the offending option in its message ("Unknown option '--x'").
    const msg = err instanceof Error ? err.message : String(err);
    const flag = /'(-{1,2}[^'\s]+)/.exec(msg)?.[1] ?? 'flags';
    throw new UsageError(flag, msg);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const str = (name: string) => v[name] as string | undefined;
  const options: Partial<ScenarioOptions> = {};
  const thresholds: Thresholds = {};
  for (const [name, f] of Object.entries(OPTION_FLAGS)) {
    const value = str(name);
    if (value !== undefined) Object.assign(options, { [f.option]: flagValue(() => f.parse(`--${name}`, value)) });
  }
  const broker = str('broker');
  if (broker !== undefined) options.broker = flagValue(() => parseHostPort('--broker', broker).address);
  const brokerClient = flagValue(() => brokerClientFromFlags((flag) => str(flag.slice(2))));
  if (brokerClient !== undefined) {
    const given = Object.values(BROKER_CONNECTION_FLAGS).find((f) => v[f.slice(2)] !== undefined) ?? '--broker-ca';
    if (broker === undefined) throw new UsageError(given, 'applies to a running broker (--broker): the embedded one is plaintext on 127.0.0.1');
    options.brokerClient = brokerClient;
  }
  const region = str('region');
  if (region !== undefined) options.region = flagValue(() => parseRegionName('--region', region));
  if (v.sharing && v['no-sharing']) throw new UsageError('--no-sharing', 'contradicts --sharing');
  if (v['no-sharing']) options.sharing = false;
  if (options.broker !== undefined) {
    // An external broker's geometry and sharing are its own configuration (MSHARE_GEOMETRY, MSHARE_SHARING).
    if (v.geometry !== undefined) throw new UsageError('--geometry', 'applies to the embedded broker only, not with --broker');
    if (v.sharing || v['no-sharing']) throw new UsageError(v.sharing ? '--sharing' : '--no-sharing', 'applies to the embedded broker only, not with --broker');
  }
  const schemeFlags = schemeOptions(v, options);
  const gate = <T>(name: string, parse: (flag: string, value: string) => T): T | undefined => {
    const value = str(name);
    return value === undefined ? undefined : flagValue(() => parse(`--${name}`, value));
  };
  const minSavedRatio = gate('min-saved-ratio', (f, x) => parseNumber(f, x, 0, 1));
  const maxPagetableBytes = gate('max-pagetable-bytes', parseSize);
  const maxWallSeconds = gate('max-wall-seconds', (f, x) => parseNumber(f, x, 0, 1e7));
  if (minSavedRatio !== undefined) thresholds.minSavedRatio = minSavedRatio;
  if (maxPagetableBytes !== undefined) thresholds.maxPagetableBytes = maxPagetableBytes;
  if (maxWallSeconds !== undefined) thresholds.maxWallSeconds = maxWallSeconds;
  const maxP99Ms = gate('max-p99-ms', (f, x) => parseNumber(f, x, 0, 1e9));
  if (maxP99Ms !== undefined) thresholds.maxP99Ms = maxP99Ms;
  const minRateRatio = gate('min-rate-ratio', (f, x) => parseNumber(f, x, 0, 1e6));
  if (minRateRatio !== undefined) {
    // Only a rate-limited pattern has a requested rate to compare with.
    const pattern = options.pattern ?? DEFAULT_OPTIONS.pattern;
    if (pattern !== 'hotset') throw new UsageError('--min-rate-ratio', `needs a rate-limited pattern (--pattern hotset), not ${pattern}`);
    thresholds.minRateRatio = minRateRatio;
  }
  const out = (parsed.values.out ?? []) as string[];
  for (const file of out) {
    if (!/\.(html|json)$/i.test(file)) throw new UsageError('--out', `${JSON.stringify(file)}: the file name must end in .html or .json`);
  }
  const replay = str('replay');
  if (replay !== undefined) {
    if (replay === '') throw new UsageError('--replay', 'needs a capture file');
    const scenario = Object.keys(OPTION_FLAGS).filter((name) => name !== 'geometry' && v[name] !== undefined);
    const gates = ['min-saved-ratio', 'max-pagetable-bytes', 'max-wall-seconds', 'max-p99-ms', 'min-rate-ratio', 'region', 'no-sharing', 'sharing', 'pti'].filter((name) => v[name] !== undefined);
    const stray = [...scenario, ...gates][0];
    if (stray !== undefined) throw new UsageError(`--${stray}`, 'applies to the field case, not with --replay');
    // With --replay, --scheme NAME and --compare [LIST] ask for the what-if under those schemes;
    // the replay itself stays as captured, on a broker of the default scheme.
    const whatIf = schemeFlags.compare ?? (options.scheme !== undefined ? [options.scheme] : undefined);
    delete options.scheme;
    delete options.sharing;
    return {
      options, thresholds, json: v.json === true, quiet: v.quiet === true, help: v.help === true, out, replay,
      ...(whatIf !== undefined ? { whatIf } : {}),
    };
  }
  return {
    options, thresholds, json: v.json === true, quiet: v.quiet === true, help: v.help === true, out, ...schemeFlags,
  };
}

/** --scheme, --pti and --compare, checked against each other and --broker. */
function schemeOptions(v: Record<string, string | boolean | undefined>, options: Partial<ScenarioOptions>): { compare?: string[] } {
  const scheme = v.scheme as string | undefined;
  const compare = v.compare as string | undefined;
  const external = options.broker !== undefined;
  if (compare !== undefined && external) throw new UsageError('--compare', 'runs each scheme on its own embedded broker, not with --broker');
  if (scheme !== undefined && external) throw new UsageError('--scheme', 'applies to the embedded broker only, not with --broker');
  if (v.pti === true && external) throw new UsageError('--pti', 'applies to the embedded broker only, not with --broker');
  if (compare !== undefined && (scheme !== undefined || v['no-sharing'] || v.sharing)) {
    throw new UsageError('--compare', 'runs every scheme it lists: no --scheme or --sharing beside it');
  }
  if (v.pti === true) options.pti = true;
  if (scheme !== undefined) {
    if (!SCHEME_NAMES.includes(scheme)) throw new UsageError('--scheme', `'${scheme}' is not one of ${SCHEME_NAMES.join(', ')}`);
    if (v['no-sharing'] && scheme !== 'none') throw new UsageError('--scheme', `${scheme} contradicts --no-sharing (= --scheme none)`);
    if (v.sharing && scheme === 'none') throw new UsageError('--scheme', 'none contradicts --sharing');
    options.scheme = scheme;
    options.sharing = scheme !== 'none';
  }
  if (compare === undefined) return {};
  let list: string[];
  try {
    list = compareList(compare);
  } catch (err) {
    throw new UsageError('--compare', err instanceof Error ? err.message : String(err));
  }
  return { compare: list };
}

export interface Verdict {
  name: string;
  /** The report field the threshold reads (a dotted path for a nested one: rpc_latency_ms.Touch.p99). */
  field: string;
  op: '>=' | '<=';
  limit: number;
  value: number;
  pass: boolean;
  /** --max-p99-ms: the method this verdict is about. */
  method?: string;
}

export function checkThresholds(report: Report, t: Thresholds): Verdict[] {
  const out: Verdict[] = [];
  const check = (name: string, field: string, value: number, op: '>=' | '<=', limit: number | undefined, method?: string) => {
    if (limit === undefined) return;
    out.push({ name, field, op, limit, value, pass: op === '>=' ? value >= limit : value <= limit, ...(method ? { method } : {}) });
  };
  check('min-saved-ratio', 'saved_ratio', report.saved_ratio, '>=', t.minSavedRatio);
  check('max-pagetable-bytes', 'pagetable_bytes', report.pagetable_bytes, '<=', t.maxPagetableBytes);
  check('max-wall-seconds', 'wall_seconds', report.wall_seconds, '<=', t.maxWallSeconds);
  for (const [method, l] of Object.entries(report.rpc_latency_ms ?? {})) {
    if (l.type === 'unary') check('max-p99-ms', `rpc_latency_ms.${method}.p99`, l.p99, '<=', t.maxP99Ms, method);
  }
  // No requested rate (the run was not rate-limited): 0, which fails any positive ratio.
  check('min-rate-ratio', 'rate_ratio', report.rate_ratio ?? 0, '>=', t.minRateRatio);
  return out;
}

const pct = (r: number) => `${(r * 100).toFixed(2)}%`;
const both = (n: number) => `${formatBytes(n)} (${formatCount(n)} bytes)`;

const fixed = (x: number) => x.toFixed(2).padStart(9);

/** The load-test part of the human report: phases, RPC latency, errors (ghz/k6's figures). */
function formatLoad(r: Report): string[] {
  const lines = ['Load (client-side: the workers\' RPCs, an AccessStream batch counting as one)'];
  for (const p of r.phases ?? []) {
    const rates = p.phase !== 'pattern' ? ''
      : `, ${formatCount(Math.round(p.achieved_access_rate_per_s))} accesses/s achieved${p.requested_access_rate_per_s === null
        ? ' (not rate-limited)'
        : ` of ${formatCount(Math.round(p.requested_access_rate_per_s))}/s requested (${pct(r.rate_ratio ?? 0)})`}`;
    lines.push(`  ${p.phase.padEnd(17)}  ${p.seconds.toFixed(2)} s, ${formatCount(p.rpcs)} RPCs${rates}`);
  }
  lines.push(`RPC latency, ms     ${'count'.padStart(9)}${['p50', 'p90', 'p99', 'max'].map((h) => h.padStart(9)).join('')}`);
  for (const [method, l] of Object.entries(r.rpc_latency_ms ?? {})) {
    const name = l.type === 'stream' ? `${method} (${method === 'AccessStream' ? 'batch' : 'open'})` : method;
    lines.push(`  ${name.padEnd(17)}  ${formatCount(l.count).padStart(9)}${[l.p50, l.p90, l.p99, l.max].map(fixed).join('')}`);
  }
  lines.push('Errors by code');
  if ((r.rpc_errors ?? []).length === 0) lines.push('  none');
  for (const e of r.rpc_errors ?? []) lines.push(`  ${e.method.padEnd(17)}  ${e.code}${e.errno ? ` (${e.errno})` : ''}  ${formatCount(e.count)}`);
  return lines;
}

/** One run's OOM figures in words. */
function oomSummary(o: OomFigures, clients: number): string {
  if (o.kills === 0 && !o.panicked) return `all ${formatCount(clients)} clients ran, no OOM kill`;
  const first = o.first_kill_at_clients === null ? '' : `first kill after ${formatCount(o.first_kill_at_clients)} clients completed; `;
  return `${first}${formatCount(o.kills)} OOM kill${o.kills === 1 ? '' : 's'} in all, ${formatCount(o.clients_completed)} clients completed`
    + `${o.panicked ? '; the machine PANICKED (out of memory and no killable processes)' : ''}`;
}

/** Where the machine fell over (issue 10): the run's OOM figures and those of the run without sharing. */
function oomLines(r: Report): string[] {
  const c = r.capacity;
  const machine = `${formatBytes(c.machine_memory_bytes)} machine, process base ${formatBytes(c.process_base_bytes)}`;
  if (r.broker !== 'embedded') {
    return [`Out of memory: the broker at ${r.broker} has its own memory (MSHARE_MACHINE_MEMORY); --machine-memory only sizes the capacity figures`,
      `  this run          ${oomSummary(r.oom, r.clients)}`];
  }
  const lines = [`Out of memory on the ${machine} (the OOM killer, as mm/oom_kill.c)`,
    `  ${r.sharing ? 'with sharing   ' : 'without sharing'}    ${oomSummary(r.oom, r.clients)}`];
  const u = r.oom_unshared;
  if (u !== null && r.sharing) {
    lines.push(`  without sharing    ${oomSummary(u, r.clients)}`);
    if (u.first_kill_at_clients !== null) {
      const tables = c.without_sharing.fixed_bytes + u.first_kill_at_clients * c.without_sharing.per_client_bytes;
      lines.push(`                     fell over at client ${formatCount(u.first_kill_at_clients + 1)}: page tables then ${both(tables)}; capacity estimate ${formatCount(c.without_sharing.clients)}`);
    }
  }
  return lines;
}

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
    ...oomLines(r),
    `Time: ${r.wall_seconds.toFixed(2)} s (setup ${r.setup_seconds.toFixed(2)} s, pattern ${r.run_seconds.toFixed(2)} s)`,
    ...formatLoad(r),
    ...(r.warnings ?? []),
  ];
  if (verdicts.length > 0) {
    lines.push('Thresholds');
    for (const v of verdicts) lines.push(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.field} ${v.value} ${v.op} ${v.limit} (--${v.name}${v.method ? `, ${v.method}` : ''})`);
  }
  return lines.join('\n');
}
