// The load-test figures (services/loadtest/load.ts) from hand-made RPC samples: nearest-rank
// percentiles per method, errors by method and code, requested against achieved rate per phase,
// the 90% warning; and the thresholds that read them (--max-p99-ms per unary method,
// --min-rate-ratio only with a rate-limited pattern).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkThresholds, formatReport, parseCli, UsageError } from '../services/loadtest/cli.js';
import { loadFigures, percentile, type PhasedSample } from '../services/loadtest/load.js';
import type { Report } from '../services/loadtest/report.js';
import { repoPath } from './support/paths.js';

const SECONDS = { setup: 2, pattern: 10, teardown: 1 };

/** `n` samples of `method` taking 1, 2, ..., n ms, in a shuffled order. */
function ramp(method: string, n: number, phase: PhasedSample['phase'] = 'setup'): PhasedSample[] {
  const out = Array.from({ length: n }, (_, i) => ({ method, ms: i + 1, code: 'OK', phase }));
  for (let i = out.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('load test figures (load.ts)', () => {
  it('percentile is nearest-rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual([0.5, 0.9, 0.99, 1].map((q) => percentile(xs, q)), [50, 90, 99, 100]);
    assert.equal(percentile([7], 0.99), 7);
    assert.equal(percentile([], 0.5), 0);
    assert.equal(percentile([1, 2, 3], 0.5), 2);
  });

  it('latency per method with its type, errors by method, code and errno, RPCs per phase', () => {
    const samples: PhasedSample[] = [
      ...ramp('Spawn', 200),
      ...ramp('AccessStream', 10, 'pattern'),
      { method: 'Mshare', ms: 3, code: 'NOT_FOUND', errno: 'ENOENT', phase: 'setup' },
      { method: 'Mshare', ms: 4, code: 'NOT_FOUND', errno: 'ENOENT', phase: 'setup' },
      { method: 'Exit', ms: 5, code: 'UNAVAILABLE', phase: 'teardown' },
    ];
    const f = loadFigures({ requestedRatePerS: null, samples }, SECONDS, 5_000);
    assert.deepEqual(f.rpc_latency_ms.Spawn, { type: 'unary', count: 200, p50: 100, p90: 180, p99: 198, max: 200 });
    assert.deepEqual(f.rpc_latency_ms.AccessStream, { type: 'stream', count: 10, p50: 5, p90: 9, p99: 10, max: 10 });
    assert.deepEqual(Object.keys(f.rpc_latency_ms), ['AccessStream', 'Exit', 'Mshare', 'Spawn']);
    assert.deepEqual(f.rpc_errors, [
      { method: 'Mshare', code: 'NOT_FOUND', errno: 'ENOENT', count: 2 },
      { method: 'Exit', code: 'UNAVAILABLE', count: 1 },
    ]);
    assert.deepEqual(f.phases.map((p) => [p.phase, p.rpcs, p.accesses, p.requested_access_rate_per_s, p.achieved_access_rate_per_s]), [
      ['setup', 202, 0, null, 0], ['pattern', 10, 5_000, null, 500], ['teardown', 1, 0, null, 0],
    ]);
    assert.equal(f.rate_ratio, null);
    assert.deepEqual(f.warnings, []);
  });

  it('requested against achieved: the ratio, and a warning below 90%', () => {
    const short = loadFigures({ requestedRatePerS: 3_000_000, samples: [] }, SECONDS, 210_000);
    assert.equal(short.phases[1].achieved_access_rate_per_s, 21_000);
    assert.equal(short.rate_ratio, 0.007);
    assert.deepEqual(short.warnings, ['WARNING: achieved 21,000 accesses/s, 0.7% of the requested 3,000,000/s (below 90%)']);
    const enough = loadFigures({ requestedRatePerS: 1_000, samples: [] }, SECONDS, 9_000);
    assert.equal(enough.rate_ratio, 0.9);
    assert.deepEqual(enough.warnings, []);
  });
});

describe('load test thresholds', () => {
  const report = (over: Partial<Report>) => ({
    saved_ratio: 1, pagetable_bytes: 1, wall_seconds: 1, rate_ratio: null, rpc_errors: [], phases: [], warnings: [],
    rpc_latency_ms: {
      Spawn: { type: 'unary', count: 3, p50: 1, p90: 2, p99: 4, max: 4 },
      Touch: { type: 'unary', count: 3, p50: 10, p90: 20, p99: 40, max: 40 },
      AccessStream: { type: 'stream', count: 3, p50: 100, p90: 200, p99: 400, max: 400 },
    },
    ...over,
  }) as Report;

  it('--max-p99-ms: one verdict per unary method, naming it; streams left out', () => {
    const v = checkThresholds(report({}), { maxP99Ms: 20 });
    assert.deepEqual(v.map((x) => [x.name, x.method, x.field, x.value, x.pass]), [
      ['max-p99-ms', 'Spawn', 'rpc_latency_ms.Spawn.p99', 4, true],
      ['max-p99-ms', 'Touch', 'rpc_latency_ms.Touch.p99', 40, false],
    ]);
  });

  it('--min-rate-ratio reads rate_ratio; a run with no requested rate fails it', () => {
    assert.deepEqual(checkThresholds(report({ rate_ratio: 0.5 }), { minRateRatio: 0.4 }).map((x) => [x.field, x.value, x.pass]), [['rate_ratio', 0.5, true]]);
    assert.equal(checkThresholds(report({ rate_ratio: 0.5 }), { minRateRatio: 0.9 })[0].pass, false);
    assert.equal(checkThresholds(report({}), { minRateRatio: 0.1 })[0].pass, false);
  });

  it('--min-rate-ratio is a usage error without a rate-limited pattern', () => {
    assert.deepEqual(parseCli(['--pattern', 'hotset', '--min-rate-ratio', '0.9', '--max-p99-ms', '50']).thresholds, { minRateRatio: 0.9, maxP99Ms: 50 });
    for (const args of [['--min-rate-ratio', '0.9'], ['--pattern', 'sparse', '--min-rate-ratio', '0.9']]) {
      assert.throws(() => parseCli(args), (err: unknown) => err instanceof UsageError && err.flag === '--min-rate-ratio' && /hotset/.test(err.message));
    }
    assert.throws(() => parseCli(['--max-p99-ms', '-1']), (err: unknown) => err instanceof UsageError && err.flag === '--max-p99-ms');
  });

  it('the human report: phases, latency table, errors, the warning, and a failed p99 verdict naming its method', () => {
    const base = JSON.parse(readFileSync(repoPath('test/fixtures/report-field-case.json'), 'utf8')) as Report;
    const samples = [...ramp('Touch', 100, 'pattern'), ...ramp('AccessStream', 4, 'pattern'),
      { method: 'Mshare', ms: 3, code: 'NOT_FOUND', errno: 'ENOENT', phase: 'setup' as const }];
    const r = { ...base, ...loadFigures({ requestedRatePerS: 3_000_000, samples }, SECONDS, 210_000) };
    const text = formatReport(r, checkThresholds(r, { maxP99Ms: 20 }));
    assert.match(text, /^ {2}pattern {12}10\.00 s, 104 RPCs, 21,000 accesses\/s achieved of 3,000,000\/s requested \(0\.70%\)$/m);
    assert.match(text, /^ {2}Touch +100 +50\.00 +90\.00 +99\.00 +100\.00$/m);
    assert.match(text, /^ {2}AccessStream \(batch\) +4 +2\.00 +4\.00 +4\.00 +4\.00$/m);
    assert.match(text, /^ {2}Mshare +NOT_FOUND \(ENOENT\) {2}1$/m);
    assert.match(text, /^WARNING: achieved 21,000 accesses\/s, 0\.7% of the requested 3,000,000\/s/m);
    assert.match(text, /^ {2}FAIL {2}rpc_latency_ms\.Touch\.p99 99 <= 20 \(--max-p99-ms, Touch\)$/m);
  });
});
