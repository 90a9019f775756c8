/**
 * `npm run bench`: the core in process, the broker over gRPC against a plain echo service, and the
 * field case end to end. Prints a table (each figure with its target and MET/MISSED) and writes
 * the same figures to bench/results/latest.json. Not part of `npm test`.
 *
 *   npm run bench                      everything (a few minutes on 2 cores)
 *   npm run bench -- --only core,grpc  some sections; the JSON then goes to bench/results/partial.json
 *   npm run bench -- --rounds 5        gRPC and field rounds (default 5)
 *   npm run bench -- --only grpc --grpc-cases stream   one of the gRPC comparisons (with profiling)
 *   npm run bench -- --against 422709b the core figures against another revision's, in one process
 *                                      (with --only, as well as those sections)
 *   BENCH_PROFILE=1 npm run bench      the broker children write .cpuprofile files to bench/results
 *
 * Every server is a child process on 127.0.0.1:0, stopped by its pid; the whole run is bounded
 * by a watchdog that kills them and exits.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runGrpc } from './grpc.js';
import { runField } from './field.js';
import { runCompareBench } from './compare.js';
import { runOom } from './oom.js';
import { runScale } from './postgres-scale.js';
import { runReplay } from './replay.js';
import { resolveRevision, runAgainst } from './against.js';
import { fmt, killChildren, ROOT, runChildJson, type Figure } from './lib.js';

const SECTIONS = ['core', 'grpc', 'field', 'compare', 'replay', 'oom', 'scale'] as const;
type Section = (typeof SECTIONS)[number];
const WATCHDOG_MS = 45 * 60_000; // the scale section alone runs six 16,384-process cases

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const pkg = (name: string) => {
    try {
      return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return {
    nproc: os.availableParallelism(),
    cpu_model: model,
    memory_bytes: os.totalmem(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    grpc_js: pkg('@grpc/grpc-js'),
    proto_loader: pkg('@grpc/proto-loader'),
  };
}

function value(f: Figure): string {
  if (f.unit === 'ratio') return f.value.toFixed(3);
  if (f.unit.endsWith('/s')) return `${fmt(f.value)} ${f.unit}`;
  if (f.unit === 'ms' && f.value < 1) return `${f.value.toFixed(3)} ms`;
  return `${f.value.toFixed(f.value < 10 ? 2 : 0)} ${f.unit}`;
}

function target(f: Figure): string {
  if (!f.target) return '';
  const t = f.target;
  const limit = t.unit === 'ratio' ? t.limit.toFixed(2) : t.unit.endsWith('/s') ? `${fmt(t.limit)} ${t.unit}` : `${t.limit} ${t.unit}`;
  return `${t.op} ${limit}`;
}

/** A Markdown table: readable in a terminal, pasted as is into docs/performance.md. */
export function table(figures: Figure[]): string {
  const rows = figures.map((f) => [f.section, f.name, value(f), target(f), f.met === undefined ? '' : f.met ? 'MET' : 'MISSED', f.note ?? '']);
  const head = ['part', 'figure', 'value', 'target', 'verdict', 'note'];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' }, rounds: { type: 'string', default: '5' }, 'grpc-cases': { type: 'string', default: 'unary,stream' },
      against: { type: 'string' },
    },
    strict: true,
  });
  // --against alone runs that comparison only; with --only, those sections as well.
  const only = values.only ? values.only.split(',') as Section[] : values.against !== undefined ? [] : [...SECTIONS];
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section '${s}' (${SECTIONS.join(', ')})`);
  const against = values.against === undefined ? undefined : resolveRevision(values.against); // before anything runs
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) throw new Error('--rounds must be 1..9');

  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = new Date();
  const t0 = performance.now();
  const figures: Figure[] = [];
  if (only.includes('core')) {
    log('core: in process, a fresh node with --expose-gc (about 30 s)');
    figures.push(...await runChildJson<Figure[]>('bench/core.ts', { nodeArgs: ['--expose-gc'], timeoutMs: 180_000 }));
  }
  if (only.includes('grpc')) {
    log(`grpc: broker and echo as child processes, ${rounds} rounds`);
    const cases = values['grpc-cases'].split(',').filter((c): c is 'unary' | 'stream' => c === 'unary' || c === 'stream');
    figures.push(...await runGrpc({ rounds, runMs: 1500, warmMs: 1000, cases, log }));
  }
  if (only.includes('field')) {
    log('field: 1500 clients x 300 GiB, shared then unshared');
    figures.push(...await runField(rounds, log));
  }
  if (only.includes('compare')) figures.push(...await runCompareBench(1, log)); // 2 runs of up to 3 min under load
  if (only.includes('replay')) {
    log('replay: a real PostgreSQL captured and replayed (about 2 minutes, most of it loading pgbench)');
    figures.push(...await runReplay(Math.min(rounds, 3), log));
  }
  if (only.includes('oom')) {
    log(`oom: npm start (mshare, and without sharing on 512 GiB), ${Math.min(rounds, 3)} rounds`);
    figures.push(...await runOom(Math.min(rounds, 3), log));
  }
  if (only.includes('scale')) figures.push(...await runScale(log));
  if (values.against !== undefined && against !== undefined) figures.push(...await runAgainst(values.against, against, log));
  const seconds = (performance.now() - t0) / 1000;

  const out = table(figures);
  process.stdout.write(`\n${out}\n\n`);
  const missed = figures.filter((f) => f.met === false);
  process.stdout.write(`${figures.filter((f) => f.met).length} targets met, ${missed.length} missed; ${seconds.toFixed(0)} s\n`);

  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, only.length === SECTIONS.length && values.against === undefined ? 'latest.json' : 'partial.json');
  writeFileSync(file, `${JSON.stringify({
    started: started.toISOString(), seconds, sections: only, against: values.against, grpc_rounds: rounds, machine: machine(), figures,
  }, null, 2)}\n`);
  process.stdout.write(`written to ${path.relative(ROOT, file)}\n`);
  return 0;
}

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: still running after ${WATCHDOG_MS / 1000} s, giving up\n`);
  killChildren();
  process.exit(3);
}, WATCHDOG_MS);
watchdog.unref();

main().then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`); process.exitCode = 1; },
);
