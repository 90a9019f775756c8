// The load test's flag table (services/loadtest/options.ts): the defaults it states or takes from
// the worker's and the broker's tables, as --help and docs/loadtest.md show them, and flag values
// read by shared/config.ts's parsers (a region name by msharefs's rule).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DEFAULT_OPTIONS, OPTION_FLAGS } from '../services/loadtest/options.js';
import { parseCli, USAGE, UsageError } from '../services/loadtest/cli.js';
import { DEFAULT_CONFIG } from '../services/worker/config.js';
import { repoPath, repoRoot } from './support/paths.js';

const GiB = 2 ** 30;

const usageFlag = (args: string[]) => {
  try {
    parseCli(args);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.flag;
  }
  return 'accepted';
};

describe('load test flag table', () => {
  it('has the defaults it always had', () => {
    assert.deepEqual({ ...DEFAULT_OPTIONS }, {
      clients: 1500, workers: 15, sgaBytes: 300 * GiB, pattern: 'sequential', sparseFraction: 0.01, hotsetRate: 100_000,
      hotsetFraction: 0.01, durationS: 10, hotsetAccesses: 0, geometry: 'x86_64-4level', sharing: true,
      machineMemoryBytes: 512 * GiB, processBaseBytes: 0, unsharedRun: true, seed: 1,
    });
  });

  it("shares the worker's defaults but for --duration, deliberately shorter (10 s against 60 s)", () => {
    const o = DEFAULT_OPTIONS;
    const w = DEFAULT_CONFIG;
    assert.deepEqual(
      [o.sgaBytes, o.pattern, o.sparseFraction, o.hotsetRate, o.hotsetFraction, o.hotsetAccesses],
      [w.sgaBytes, w.pattern, w.sparseFraction, w.hotsetRate, w.hotsetFraction, w.hotsetAccesses],
    );
    assert.deepEqual([o.durationS, w.durationS], [10, 60]);
    assert.match(USAGE, /--duration S {13}hotset: seconds \(default 10, deliberately shorter than a worker's 60\)/);
  });

  it('--help and docs/loadtest.md show each default of the table', () => {
    const docs = readFileSync(repoPath('docs/loadtest.md'), 'utf8');
    for (const [name, f] of Object.entries(OPTION_FLAGS)) {
      assert.ok(USAGE.includes(`--${name} ${f.arg}`) && USAGE.includes(`(default ${f.default}`), `--help: --${name}`);
      const row = new RegExp(`^\\| \`--${name} ${f.arg}\` \\| ([^|]*) \\|`, 'm').exec(docs);
      assert.equal(row?.[1].trim(), f.default, `docs/loadtest.md: --${name}`);
    }
  });

  it('reads flag values with the shared parsers, each error naming the flag', () => {
    assert.deepEqual(parseCli(['--min-saved-ratio', '1e-3', '--duration', '2.5', '--broker', 'mshare_broker:50051']).thresholds, { minSavedRatio: 0.001 });
    assert.equal(parseCli(['--duration', '2.5']).options.durationS, 2.5);
    assert.equal(parseCli(['--broker', 'mshare_broker:50051']).options.broker, 'mshare_broker:50051');
    assert.equal(usageFlag(['--broker', 'broker:65536']), '--broker', 'one host:port rule: the port is at most 65535');
    assert.equal(usageFlag(['--hotset-fraction', '0']), '--hotset-fraction');
    assert.equal(usageFlag(['--workers', '1.5']), '--workers');
    assert.equal(usageFlag(['--max-wall-seconds', 'soon']), '--max-wall-seconds');
  });

  it("refuses a region name msharefs would refuse, a too-long one included: exit 2", () => {
    assert.equal(parseCli(['--region', 'db']).options.region, 'db');
    for (const bad of ['', '.', 'a/b', 'x'.repeat(256)]) assert.equal(usageFlag(['--region', bad]), '--region', bad);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'services/loadtest/main.ts', '--region', 'x'.repeat(256)], {
      cwd: repoRoot, encoding: 'utf8', timeout: 30_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /bad flag --region: .*256 bytes, the limit is 255/);
    assert.equal(r.stdout, '');
  });
});
