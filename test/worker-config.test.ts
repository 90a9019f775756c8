// The worker's environment contract (docs/metrics-and-config.md) and the shared size parser.
import assert from 'node:assert/strict';
import { ConfigError, DEFAULTS, loadConfig } from '../services/worker/config.js';
import { formatBytes, parseSize, SizeError } from '../shared/units.js';

describe('shared/units', () => {
  it('parses bytes and binary units', () => {
    assert.equal(parseSize('300GiB'), 300 * 2 ** 30);
    assert.equal(parseSize('8GiB'), 8 * 2 ** 30);
    assert.equal(parseSize('512MiB'), 512 * 2 ** 20);
    assert.equal(parseSize('4096'), 4096);
    assert.equal(parseSize('1.5TiB'), 1.5 * 2 ** 40);
    assert.equal(parseSize(' 2 KiB '), 2048);
  });

  it('reads K..P, KB..PB and KiB..PiB in any case, all as powers of 1024 (the RFC\'s "300GB" is 300 GiB)', () => {
    assert.equal(parseSize('300GB'), 300 * 2 ** 30);
    assert.equal(parseSize('300gb'), 300 * 2 ** 30);
    assert.equal(parseSize('512G'), 512 * 2 ** 30);
    assert.equal(parseSize('512gib'), 512 * 2 ** 30);
    assert.equal(parseSize('4k'), 4096);
    assert.equal(parseSize('4KB'), 4096);
    assert.equal(parseSize('2M'), 2 * 2 ** 20);
    assert.equal(parseSize('1T'), 2 ** 40);
    assert.equal(parseSize('1pb'), 2 ** 50);
    assert.equal(parseSize('7b'), 7);
  });

  it('refuses what is not a positive whole number of bytes', () => {
    for (const bad of ['', 'GiB', '12XB', '300GiBB', '3Gi', '1EB', '-1', '0', '0.5', '1.5B', '9PiB9']) {
      assert.throws(() => parseSize(bad), SizeError, bad);
    }
  });

  it('formats the seed figure as 878.9 GiB', () => {
    assert.equal(formatBytes(943_718_400_000), '878.9 GiB');
    assert.equal(formatBytes(512), '512 B');
  });
});

describe('worker config', () => {
  it('has the documented defaults, frozen', () => {
    const c = loadConfig({});
    assert.equal(c.brokerAddress, '127.0.0.1:50051');
    assert.deepEqual({ host: c.http.host, port: c.http.port }, { host: '127.0.0.1', port: 9465 });
    assert.equal(c.processes, 100);
    assert.equal(c.role, 'client');
    assert.equal(c.region, 'sga');
    assert.equal(c.sgaBytes, 300 * 2 ** 30);
    assert.equal(c.pattern, 'sequential');
    assert.equal(c.sparseFraction, 0.01);
    assert.equal(c.hotsetRate, 100_000);
    assert.equal(c.durationS, 60);
    assert.ok(Object.isFrozen(c));
  });

  it('reads every variable the deployment sets', () => {
    const c = loadConfig({
      MSHARE_BROKER_ADDR: 'broker:50051', MSHARE_WORKER_HTTP_ADDR: '0.0.0.0:9465', MSHARE_WORKER_PROCESSES: '7',
      MSHARE_WORKER_ROLE: 'donor', MSHARE_REGION: 'db', MSHARE_SGA: '8GiB', MSHARE_PATTERN: 'hotset',
      MSHARE_SPARSE_FRACTION: '0.5', MSHARE_HOTSET_RATE: '2500', MSHARE_DURATION_S: '1.5',
    });
    assert.deepEqual(
      [c.brokerAddress, c.http.host, c.processes, c.role, c.region, c.sgaBytes, c.pattern, c.sparseFraction, c.hotsetRate, c.durationS],
      ['broker:50051', '0.0.0.0', 7, 'donor', 'db', 8 * 2 ** 30, 'hotset', 0.5, 2500, 1.5],
    );
  });

  it('stops on a bad value, naming the variable', () => {
    const cases: Record<string, string> = {
      MSHARE_SGA: '12XB', MSHARE_WORKER_PROCESSES: '0', MSHARE_WORKER_ROLE: 'leader', MSHARE_PATTERN: 'random',
      MSHARE_SPARSE_FRACTION: '1.5', MSHARE_HOTSET_RATE: 'fast', MSHARE_BROKER_ADDR: 'broker', MSHARE_WORKER_HTTP_ADDR: 'x:99999',
      MSHARE_REGION: 'a/b', MSHARE_DURATION_S: '-3',
    };
    for (const [variable, value] of Object.entries(cases)) {
      assert.ok(variable in DEFAULTS, variable);
      assert.throws(() => loadConfig({ [variable]: value }), (err: unknown) => err instanceof ConfigError && err.variable === variable, `${variable}=${value}`);
    }
  });
});
