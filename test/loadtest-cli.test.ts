// `npm start` as users run it (a child process): --json on stdout with the required keys,
// thresholds that fail exit 1, bad flags exit 2 naming the flag; and the flag parser itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeCapture } from '../shared/capture/format.js';
import { smallFleet } from './fixtures/capture/synthetic.js';
import { checkThresholds, parseCli, UsageError } from '../services/loadtest/cli.js';
import type { Report } from '../services/loadtest/report.js';
import { repoRoot } from './support/paths.js';

interface Run { code: number | null; stdout: string; stderr: string }

/** `npm start --silent -- ...args`; --silent keeps npm's banner off stdout. Killed after 90 s. */
function npmStart(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent', '--', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += String(d); });
    child.stderr.on('data', (d) => { stderr += String(d); });
    const timer = setTimeout(() => { if (child.pid) process.kill(child.pid, 'SIGKILL'); }, 90_000);
    child.once('error', reject);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

const REQUIRED = [
  'clients', 'sga_bytes', 'pagetable_bytes', 'unshared_pagetable_bytes', 'saved_bytes', 'baseline_pte_bytes',
  'minor_faults', 'unshared_minor_faults', 'saved_ratio', 'baseline_pte_pmd_pud_bytes', 'capacity', 'wall_seconds',
];

describe('npm start (load test CLI, child process)', function () {
  this.timeout(120_000);

  it('--json prints the report as JSON on stdout, progress on stderr', async () => {
    const r = await npmStart(['--json', '--clients', '20', '--workers', '4', '--sga', '2GiB', '--min-saved-ratio', '0.9']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of REQUIRED) assert.ok(key in report, `missing ${key}`);
    assert.equal(report.clients, 20);
    assert.equal(report.sga_bytes, 2 * 2 ** 30);
    // 2 GiB: 1024 PTE + 2 PMD + 1 PUD tables and the host PGD, 21 PGDs.
    assert.equal(report.pagetable_bytes, (1024 + 2 + 1 + 1 + 21) * 4096);
    assert.equal(report.minor_faults, 2 * 2 ** 30 / 4096);
    assert.equal(report.passed, true);
    assert.match(r.stderr, /attached \d+\/20/);
    assert.match(r.stderr, /PASS saved_ratio/);
  });

  it('exits 1 when a threshold fails, and says which', async () => {
    const r = await npmStart(['--json', '--quiet', '--clients', '3', '--sga', '1GiB', '--min-saved-ratio', '0.99', '--max-wall-seconds', '600']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { passed: boolean; thresholds: { name: string; pass: boolean }[] };
    assert.equal(report.passed, false);
    assert.deepEqual(report.thresholds.map((t) => [t.name, t.pass]), [['min-saved-ratio', false], ['max-wall-seconds', true]]);
    assert.match(r.stderr, /FAIL saved_ratio/);
  });

  it('prints the human report with PASS/FAIL lines', async () => {
    const r = await npmStart(['--quiet', '--clients', '3', '--sga', '1GiB', '--max-pagetable-bytes', '1MiB']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Seed baseline/);
    assert.match(r.stdout, /Capacity on a 512\.0 GiB machine/);
    assert.match(r.stdout, /FAIL {2}pagetable_bytes \d+ <= 1048576/);
  });

  it('--out writes the HTML report and a .json holding exactly what --json prints', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loadtest-out-'));
    try {
      const html = path.join(dir, 'report.html');
      const json = path.join(dir, 'report.json');
      const r = await npmStart(['--json', '--quiet', '--clients', '6', '--workers', '2', '--sga', '1GiB', '--out', html, '--out', json]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(json, 'utf8'), r.stdout);
      const report = JSON.parse(r.stdout) as { clients: number; pagetable_bytes: number };
      assert.equal(report.clients, 6);
      const page = readFileSync(html, 'utf8');
      assert.match(page, /^<!DOCTYPE html>/);
      assert.equal((page.match(/<svg/g) ?? []).length >= 3, true, 'the charts are inline SVG');
      assert.ok(page.includes(`>${report.pagetable_bytes}<`) || page.includes(report.pagetable_bytes.toLocaleString('en-US')), 'the page shows the run\'s pagetable_bytes');
      assert.ok(page.includes('--out'), 'the page names the command');
      // Without --json, the .json file still holds what --json would have printed.
      const text = await npmStart(['--quiet', '--clients', '6', '--workers', '2', '--sga', '1GiB', '--out', json]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /Seed baseline/);
      const again = JSON.parse(readFileSync(json, 'utf8')) as { pagetable_bytes: number; passed: boolean };
      assert.equal(again.pagetable_bytes, report.pagetable_bytes);
      assert.equal(again.passed, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--compare --out: the .json is what --json prints, the page has one bar per scheme', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loadtest-compare-out-'));
    try {
      const html = path.join(dir, 'r.html');
      const json = path.join(dir, 'r.json');
      const r = await npmStart(['--json', '--quiet', '--compare', 'none,mshare', '--clients', '4', '--workers', '2', '--sga', '1GiB', '--out', html, '--out', json]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(json, 'utf8'), r.stdout);
      const schemes = (JSON.parse(r.stdout) as { schemes: { scheme: string; pagetable_bytes: number }[] }).schemes;
      assert.deepEqual(schemes.map((s) => s.scheme), ['none', 'mshare']);
      const page = readFileSync(html, 'utf8');
      for (const s of schemes) assert.ok(page.includes(s.pagetable_bytes.toLocaleString('en-US')), `${s.scheme}'s bytes on the page`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--replay FILE replays a capture into the embedded broker: JSON under "replay", --out too', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loadtest-replay-'));
    try {
      const file = path.join(dir, 'fleet.capture');
      writeFileSync(file, encodeCapture(smallFleet()));
      const json = path.join(dir, 'replay.json');
      const r = await npmStart(['--replay', file, '--json', '--out', json]);
      assert.equal(r.code, 0, r.stderr);
      const { replay } = JSON.parse(r.stdout) as { replay: { processes: { pid: number; matches: boolean }[]; captured_vmpte_bytes: number; simulated_vmpte_bytes: number } };
      assert.deepEqual(replay.processes.map((p) => p.pid), [100, 101]);
      assert.equal(replay.simulated_vmpte_bytes, replay.captured_vmpte_bytes);
      assert.equal(readFileSync(json, 'utf8'), r.stdout);
      const page = path.join(dir, 'replay.html');
      const text = await npmStart(['--replay', file, '--out', page]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^exact check: 2 of 2 processes exact/m);
      const html = readFileSync(page, 'utf8');
      assert.match(html, /^<!DOCTYPE html>/);
      assert.ok(html.includes('exact check: 2 of 2 processes exact'), 'the page holds the replay report');
      const refused = await npmStart(['--replay', path.join(dir, 'missing.capture')]);
      assert.equal(refused.code, 4, refused.stderr);
      assert.match(refused.stderr, /missing\.capture/);
      const stray = await npmStart(['--replay', file, '--clients', '3']);
      assert.equal(stray.code, 2);
      assert.match(stray.stderr, /--clients/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hotset: requested against achieved rate, the 90% warning, --min-rate-ratio and --max-p99-ms', async () => {
    // 2 workers asking 10^9 accesses/s each for half a second: far beyond what the broker answers.
    const r = await npmStart(['--json', '--quiet', '--clients', '4', '--workers', '2', '--sga', '1GiB', '--pattern', 'hotset',
      '--hotset-rate', '1e9', '--duration', '0.5', '--min-rate-ratio', '0.9', '--max-p99-ms', '0']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as {
      phases: { phase: string; accesses: number; requested_access_rate_per_s: number | null; achieved_access_rate_per_s: number; seconds: number }[];
      rate_ratio: number; warnings: string[]; rpc_errors: unknown[]; accesses: Record<string, number>;
      rpc_latency_ms: Record<string, { type: string; count: number; p50: number; p99: number }>;
      thresholds: { name: string; method?: string; pass: boolean }[];
    };
    const pattern = report.phases.find((p) => p.phase === 'pattern');
    assert.ok(pattern);
    assert.equal(pattern.requested_access_rate_per_s, 2e9);
    const total = Object.values(report.accesses).reduce((a, b) => a + b, 0);
    assert.equal(pattern.accesses, total);
    assert.equal(pattern.achieved_access_rate_per_s, total / pattern.seconds);
    assert.equal(report.rate_ratio, pattern.achieved_access_rate_per_s / 2e9);
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0], /^WARNING: achieved [\d,]+ accesses\/s, [\d.]+% of the requested 2,000,000,000\/s/);
    assert.ok(r.stderr.includes(report.warnings[0]), 'the warning is on stderr too');
    assert.deepEqual(report.rpc_errors, [], 'a clean run and stop: no failed RPC');
    assert.equal(report.rpc_latency_ms.AccessStream.type, 'stream');
    assert.ok(report.rpc_latency_ms.AccessStream.count > 0);
    assert.equal(report.rpc_latency_ms.Spawn.count, 5, '4 clients and the donor\'s creator');
    const rate = report.thresholds.find((t) => t.name === 'min-rate-ratio');
    assert.equal(rate?.pass, false);
    const p99 = report.thresholds.filter((t) => t.name === 'max-p99-ms');
    assert.deepEqual(p99.map((t) => t.method).sort(), Object.entries(report.rpc_latency_ms).filter(([, l]) => l.type === 'unary').map(([m]) => m).sort());
    assert.ok(p99.every((t) => !t.pass), 'no call takes 0 ms');
    // --min-rate-ratio without a rate-limited pattern: a usage error.
    const bad = await npmStart(['--clients', '2', '--min-rate-ratio', '0.5']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--min-rate-ratio/);
  });

  it('exits 2 on a bad flag, naming it', async () => {
    for (const [args, flag] of [[['--sga', '12XB'], '--sga'], [['--clients', '-3'], '--clients'], [['--bogus'], '--bogus'], [['--out', 'report.txt'], '--out']] as const) {
      const r = await npmStart([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.includes(flag), r.stderr);
      assert.equal(r.stdout, '');
    }
  });
});

describe('load test flags', () => {
  it('maps flags to scenario options and thresholds', () => {
    const c = parseCli(['--clients', '50', '--workers', '5', '--sga', '8GiB', '--pattern', 'hotset', '--no-sharing',
      '--geometry', 'x86_64-5level', '--machine-memory', '1TiB', '--min-saved-ratio', '0.99', '--max-pagetable-bytes', '700MiB', '--json']);
    assert.deepEqual(c.options, {
      clients: 50, workers: 5, sgaBytes: 8 * 2 ** 30, pattern: 'hotset', sharing: false, geometry: 'x86_64-5level', machineMemoryBytes: 2 ** 40,
    });
    assert.deepEqual(c.thresholds, { minSavedRatio: 0.99, maxPagetableBytes: 700 * 2 ** 20 });
    assert.equal(c.json, true);
  });

  it('refuses embedded-only flags with --broker, and contradictions', () => {
    const flagOf = (args: string[]) => {
      try {
        parseCli(args);
      } catch (err) {
        assert.ok(err instanceof UsageError);
        return err.flag;
      }
      return 'accepted';
    };
    assert.equal(flagOf(['--broker', 'broker:50051', '--geometry', 'x86_64-5level']), '--geometry');
    assert.equal(flagOf(['--broker', 'broker:50051', '--no-sharing']), '--no-sharing');
    assert.equal(flagOf(['--sharing', '--no-sharing']), '--no-sharing');
    assert.equal(flagOf(['--broker', 'nohost']), '--broker');
    assert.equal(flagOf(['--pattern', 'random']), '--pattern');
    assert.equal(flagOf(['--min-saved-ratio', '2']), '--min-saved-ratio');
    assert.equal(flagOf(['--broker', 'broker:50051', '--clients', '1500']), 'accepted');
  });

  it('checks each threshold against its report field', () => {
    const report = { saved_ratio: 0.98, pagetable_bytes: 100, wall_seconds: 5 } as Report;
    const v = checkThresholds(report, { minSavedRatio: 0.99, maxPagetableBytes: 100, maxWallSeconds: 4 });
    assert.deepEqual(v.map((x) => [x.field, x.pass]), [['saved_ratio', false], ['pagetable_bytes', true], ['wall_seconds', false]]);
    assert.deepEqual(checkThresholds(report, {}), []);
  });
});
