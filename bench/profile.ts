/**
 * Sums a V8 .cpuprofile (node --cpu-prof; `BENCH_PROFILE=1 npm run bench -- --only grpc` writes the
 * broker's into bench/results) by function: self time, and inclusive time (each sample counted once
 * per function on its stack, so recursion does not double it). Prints the top rows of each, with
 * the share of the profile's samples that were not idle.
 *
 *   npx tsx bench/profile.ts bench/results/CPU....cpuprofile [--top 40] [--by file] [--skip SECONDS]
 *
 * `--by file` groups by script (node internals, grpc-js, protobufjs, the kernel ...) instead.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const wt = url.search(/\/(shared|services|bench)\//);
  return wt >= 0 ? url.slice(wt + 1) : url || '(native)';
}

export function summarize(p: Profile, by: 'function' | 'file', skipUs = 0): { self: Map<string, number>; total: Map<string, number>; busyUs: number; idleUs: number; gcUs: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const f = n.callFrame;
    if (IDLE.has(f.functionName)) return f.functionName;
    return by === 'file' ? shortUrl(f.url) : `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  let gcUs = 0;
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0; // a sample's time is the gap to the next one
    at += p.timeDeltas[i];
    if (at < skipUs) continue;
    const node = byId.get(p.samples[i])!;
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    if (node.callFrame.functionName === '(idle)') { idleUs += dt; continue; }
    if (node.callFrame.functionName === '(garbage collector)') gcUs += dt;
    busyUs += dt;
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const kk = key(byId.get(id)!);
      if (seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + dt);
    }
  }
  return { self, total, busyUs, idleUs, gcUs };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '40' }, by: { type: 'string', default: 'function' },
      skip: { type: 'string', default: '0' }, // seconds from the start left out (startup, setup)
    },
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const s = summarize(p, values.by === 'file' ? 'file' : 'function', Number(values.skip) * 1e6);
    const ms = (us: number) => (us / 1000).toFixed(1).padStart(9);
    const pct = (us: number) => `${((100 * us) / s.busyUs).toFixed(1).padStart(5)}%`;
    console.log(`${file}: ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s profiled, busy ${ms(s.busyUs)} ms (gc ${ms(s.gcUs)} ms), idle ${ms(s.idleUs)} ms`);
    console.log('self ms     % of busy  function');
    for (const [k, v] of [...s.self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ${pct(v)}  ${k}`);
    console.log('\ninclusive ms  % of busy  function');
    for (const [k, v] of [...s.total].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ${pct(v)}  ${k}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
