// The broker's contract pieces: generated types up to date with the proto, the errno -> status
// table, the configuration, request decoding, and `npm run broker`'s start and SIGTERM shutdown.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { ERRNO_NAMES, KernelError } from '../shared/kernel/errors.js';
import { ERRNO_TO_STATUS, errorFromStatus, statusFromError } from '../shared/grpc/status.js';
import { ConfigError, loadConfig } from '../services/broker/config.js';
import { decodeBatch, decodePid, decodeU64 } from '../shared/grpc/wire.js';
import { BrokerClient } from '../shared/client/broker-client.js';
import { startBroker } from './fixtures/broker.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  }).sort();
}

describe('broker contract', () => {
  it('has committed generated types equal to a fresh run of scripts/generate-proto-types.sh', function () {
    this.timeout(60_000);
    const out = mkdtempSync(path.join(tmpdir(), 'mshare-gen-'));
    try {
      const r = spawnSync('bash', ['scripts/generate-proto-types.sh', out], { cwd: repoRoot, encoding: 'utf8', timeout: 50_000 });
      assert.equal(r.status, 0, r.stderr);
      const committed = path.join(repoRoot, 'shared', 'generated');
      assert.deepEqual(listFiles(out), listFiles(committed), 'generated file list differs: run npm run generate');
      for (const file of listFiles(out)) {
        assert.equal(readFileSync(path.join(out, file), 'utf8'), readFileSync(path.join(committed, file), 'utf8'),
          `shared/generated/${file} is stale: run npm run generate`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("maps each errno to its gRPC status (the README's table), with mshare-errno, and back", () => {
    const expected: Record<string, grpc.status> = {
      EINVAL: grpc.status.INVALID_ARGUMENT, EEXIST: grpc.status.ALREADY_EXISTS, ENOENT: grpc.status.NOT_FOUND,
      ESRCH: grpc.status.NOT_FOUND, EACCES: grpc.status.PERMISSION_DENIED, EPERM: grpc.status.PERMISSION_DENIED,
      ENOMEM: grpc.status.RESOURCE_EXHAUSTED, EBUSY: grpc.status.FAILED_PRECONDITION,
      EAGAIN: grpc.status.RESOURCE_EXHAUSTED, ENOSPC: grpc.status.RESOURCE_EXHAUSTED,
      EBADF: grpc.status.INVALID_ARGUMENT, ENAMETOOLONG: grpc.status.INVALID_ARGUMENT,
    };
    assert.deepEqual(Object.keys(ERRNO_TO_STATUS).sort(), [...ERRNO_NAMES].sort());
    for (const errno of ERRNO_NAMES) {
      const status = statusFromError(new KernelError(errno, 'why'));
      assert.equal(status.code, expected[errno], errno);
      assert.deepEqual(status.metadata?.get('mshare-errno'), [errno]);
      assert.equal(status.details, 'why');
      const back = errorFromStatus(Object.assign(new Error('x'), { code: status.code, details: 'why', metadata: status.metadata! }));
      assert.ok(back instanceof KernelError && back.errno === errno && back.message === `${errno}: why`);
    }
    const unknown = statusFromError(new RangeError('internal detail'));
    assert.equal(unknown.code, grpc.status.UNKNOWN);
    assert.equal(unknown.details.includes('internal detail'), false);
  });

  it('decodes requests strictly: pid required, u64 decimal strings, batches of 8 bytes', () => {
    const einval = (e: unknown) => e instanceof KernelError && e.errno === 'EINVAL';
    assert.throws(() => decodePid(0), einval);
    assert.throws(() => decodePid(1.5), einval);
    assert.equal(decodePid(7), 7);
    for (const bad of ['abc', '', '-1', '0x10', '1e3', '18446744073709551616']) assert.throws(() => decodeU64(bad, 'addr'), einval, bad);
    assert.equal(decodeU64('18446744073709551615', 'addr'), (1n << 64n) - 1n);
    // A batch's bytes go to the kernel as they are: Kernel.accessBatch checks their length once.
    const whole = Buffer.alloc(17).subarray(1);
    assert.equal(decodeBatch({ pid: 1, kind: 'ACCESS_KIND_READ', addrs: whole }).addrs, whole);
    assert.throws(() => decodeBatch({ pid: 0, kind: 'ACCESS_KIND_READ', addrs: whole }), einval);
  });

  describe('config', () => {
    it('has the documented defaults and is frozen', () => {
      const c = loadConfig({});
      assert.deepEqual(
        [c.grpc.address, c.http.host, c.http.port, c.geometry, c.sharing, c.sessionGraceMs, c.shutdownGraceMs, c.baselineClients, c.baselineSgaBytes],
        ['127.0.0.1:50051', '127.0.0.1', 9464, 'x86_64-4level', true, 3000, 5000, 1500, 300 * 2 ** 30],
      );
      assert.ok(Object.isFrozen(c) && Object.isFrozen(c.grpc));
    });

    it('reads every variable', () => {
      const c = loadConfig({
        MSHARE_GRPC_ADDR: '[::]:7000', MSHARE_HTTP_ADDR: '0.0.0.0:7001', MSHARE_GEOMETRY: 'x86_64-5level', MSHARE_SHARING: 'false',
        MSHARE_SESSION_GRACE_MS: '250', MSHARE_SHUTDOWN_GRACE_MS: '100', MSHARE_BASELINE_CLIENTS: '10', MSHARE_BASELINE_SGA: '1.5TiB',
        MSHARE_INSECURE: 'true', MSHARE_MAX_MAP_COUNT: '100', MSHARE_MAX_PROCESSES_PER_UID: '7', MSHARE_MAX_REGIONS: '3',
        MSHARE_MAX_SESSIONS_PER_PRINCIPAL: '2', MSHARE_MAX_BATCH_ADDRESSES: '64', MSHARE_PID_MAX: '1000',
      });
      assert.deepEqual(c.limits, {
        maxMapCount: 100, maxProcessesPerUid: 7, maxRegions: 3, maxSessionsPerPrincipal: 2, maxBatchAddresses: 64, pidMax: 1000,
      });
      assert.equal(c.insecure, true);
      assert.deepEqual(
        [c.grpc.host, c.grpc.port, c.http.host, c.geometry, c.sharing, c.sessionGraceMs, c.shutdownGraceMs, c.baselineClients, c.baselineSgaBytes],
        ['::', 7000, '0.0.0.0', 'x86_64-5level', false, 250, 100, 10, 1.5 * 2 ** 40],
      );
    });

    for (const [variable, value] of [
      ['MSHARE_GRPC_ADDR', 'localhost'], ['MSHARE_HTTP_ADDR', '127.0.0.1:70000'], ['MSHARE_GEOMETRY', 'arm64'],
      ['MSHARE_SHARING', 'maybe'], ['MSHARE_SESSION_GRACE_MS', '-5'], ['MSHARE_SHUTDOWN_GRACE_MS', '1.5'],
      ['MSHARE_BASELINE_CLIENTS', '0'], ['MSHARE_BASELINE_SGA', '300 parsecs'],
      ['MSHARE_GRPC_ADDR', '0.0.0.0:50051'], ['MSHARE_HTTP_ADDR', '[::]:9464'], ['MSHARE_TLS_CERT', '/x.pem'],
      ['MSHARE_TLS_CLIENT_CA', '/ca.pem'], ['MSHARE_INSECURE', 'perhaps'], ['MSHARE_PID_MAX', '300'],
      ['MSHARE_MAX_MAP_COUNT', '0'],
    ] as const) {
      it(`refuses ${variable}=${value}, naming the variable`, () => {
        assert.throws(() => loadConfig({ [variable]: value }), (e: unknown) => e instanceof ConfigError && e.variable === variable && e.message.startsWith(variable));
      });
    }

    it('MSHARE_SHARING=false and MSHARE_GEOMETRY reach the kernel', async () => {
      const t = await startBroker({ MSHARE_SHARING: 'false', MSHARE_GEOMETRY: 'x86_64-5level' });
      try {
        const g = await t.client.geometry();
        assert.deepEqual([g.name, g.levels, g.sharing, g.mshareAlignment], ['x86_64-5level', 5, false, 1n << 48n]);
        assert.equal((await t.client.accounting()).sharing, false);
      } finally {
        await t.stop();
      }
    });
  });

  describe('npm run broker (services/broker/main.ts)', () => {
    it('stops at start on a bad variable, naming it', function () {
      this.timeout(30_000);
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'services/broker/main.ts'], {
        cwd: repoRoot, encoding: 'utf8', timeout: 25_000, env: { ...process.env, MSHARE_GEOMETRY: 'sparc' },
      });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /MSHARE_GEOMETRY/);
    });

    it('serves on the configured ports and exits 0 on SIGTERM', async function () {
      this.timeout(30_000);
      const child = spawn(process.execPath, ['--import', 'tsx', 'services/broker/main.ts'], {
        cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, MSHARE_GRPC_ADDR: '127.0.0.1:0', MSHARE_HTTP_ADDR: '127.0.0.1:0', MSHARE_SHUTDOWN_GRACE_MS: '1000' },
      });
      try {
        const lines = createInterface({ input: child.stdout! });
        let listening: { grpc: string; http: string } | undefined;
        for await (const line of lines) {
          const entry = JSON.parse(line) as { msg: string; grpc: string; http: string };
          if (entry.msg === 'mshare-broker listening') { listening = entry; break; }
        }
        assert.ok(listening, 'no listening line');
        const client = new BrokerClient(listening.grpc);
        try {
          assert.equal((await client.geometry()).name, 'x86_64-4level');
        } finally {
          client.close();
        }
        assert.equal((await fetch(`http://${listening.http}/healthz`)).status, 200);
        assert.ok(child.pid !== undefined && process.kill(child.pid, 'SIGTERM'));
        const [code] = await once(child, 'exit');
        assert.equal(code, 0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  });
});
