/**
 * The broker's own clients over TLS (issue 12): the worker (MSHARE_BROKER_CA, _CERT, _KEY,
 * _TOKEN_FILE, _SERVER_NAME) and the load test (the --broker-* flags) against a real TLS broker on
 * 127.0.0.1, with a bearer token and with mutual TLS; and their settings' errors, each naming the
 * variable or flag.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { BrokerClient } from '../shared/client/broker-client.js';
import { tokenSha256 } from '../services/broker/auth.js';
import { ConfigError, loadConfig } from '../services/worker/config.js';
import { Worker } from '../services/worker/worker.js';
import { UsageError, parseCli } from '../services/loadtest/cli.js';
import { runScenario } from '../services/loadtest/scenario.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';
import { makePki, type TestPki } from './support/certs.js';

const token = () => randomBytes(32).toString('hex');

describe('broker clients over TLS: the worker and the load test', function () {
  this.timeout(120_000);
  let dir: string;
  let pki: TestPki;
  const admin = token();
  const fleet = token();
  let adminFile: string;
  let fleetFile: string;
  before(function () {
    this.timeout(60_000);
    dir = mkdtempSync(path.join(tmpdir(), 'mshare-clients-'));
    pki = makePki();
    adminFile = path.join(dir, 'admin.token');
    fleetFile = path.join(dir, 'fleet.token');
    writeFileSync(adminFile, `${admin}\n`); // a trailing newline, as `openssl rand -hex 32 > file` leaves
    writeFileSync(fleetFile, fleet);
  });
  after(() => {
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const policy = (principals: object[]) => {
    const file = path.join(dir, `policy-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify({ principals }));
    return file;
  };
  const tlsBroker = (env: Record<string, string>) => startBroker({ MSHARE_TLS_CERT: pki.serverCert, MSHARE_TLS_KEY: pki.serverKey, ...env });
  /** A worker built from its environment, as services/worker/main.ts builds it. */
  const workerFrom = (env: Record<string, string>) => {
    const { http: _http, ...options } = loadConfig({ MSHARE_SGA: '64MiB', MSHARE_WORKER_PROCESSES: '2', ...env });
    return new Worker({ ...options, connectTimeoutMs: 5_000 });
  };

  describe('TLS with a bearer token', () => {
    let t: TestBroker;
    let ops: BrokerClient;
    before(async () => {
      t = await tlsBroker({
        MSHARE_POLICY_FILE: policy([
          { name: 'ops', token_sha256: tokenSha256(admin), admin: true },
          { name: 'fleet', token_sha256: tokenSha256(fleet), uids: [1000], gids: [1000] },
        ]),
      });
      ops = new BrokerClient(t.grpcAddress, {
        credentials: grpc.credentials.createSsl(pki.read(pki.caCert)), token: admin,
        channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
      });
    });
    after(async () => {
      ops?.close();
      await t?.stop();
    });

    it('a worker configured by MSHARE_BROKER_CA, _TOKEN_FILE and _SERVER_NAME creates its region', async () => {
      const env = {
        MSHARE_BROKER_ADDR: t.grpcAddress, MSHARE_BROKER_CA: pki.caCert, MSHARE_BROKER_TOKEN_FILE: fleetFile,
        MSHARE_BROKER_SERVER_NAME: 'localhost', MSHARE_WORKER_ROLE: 'donor', MSHARE_REGION: 'tls-sga',
      };
      const w = workerFrom(env);
      try {
        await w.start();
        const region = await ops.readRegion('tls-sga');
        assert.equal(region.uid, 1000);
        for (const pid of w.pids) assert.equal((await ops.procStatus(pid)).uid, 1000);
      } finally {
        await w.stop();
      }
      // The same worker without its token is no principal: the broker refuses it.
      const { MSHARE_BROKER_TOKEN_FILE: _token, ...anonymous } = env;
      const stranger = workerFrom(anonymous);
      try {
        await assert.rejects(stranger.start(), /UNAUTHENTICATED|unauthenticated|token|principal/i);
      } finally {
        await stranger.stop();
      }
    });

    it('the load test with --broker-ca, --broker-token-file and --broker-server-name runs the field case', async () => {
      const cli = parseCli([
        '--broker', t.grpcAddress, '--broker-ca', pki.caCert, '--broker-token-file', fleetFile, '--broker-server-name', 'localhost',
        '--clients', '4', '--workers', '2', '--sga', '64MiB', '--quiet',
      ]);
      const report = await runScenario(cli.options);
      assert.equal(report.clients, 4);
      assert.ok(report.minor_faults > 0, 'the clients touched the SGA');
      assert.equal(report.broker, t.grpcAddress);
    });
  });

  it("mutual TLS: a worker's MSHARE_BROKER_CERT and _KEY name its principal by the certificate's CN", async () => {
    const t = await tlsBroker({ MSHARE_TLS_CLIENT_CA: pki.caCert, MSHARE_POLICY_FILE: policy([{ name: 'worker-a', uids: [1000], gids: [1000] }]) });
    const a = pki.client('worker-a');
    const w = workerFrom({
      MSHARE_BROKER_ADDR: t.grpcAddress, MSHARE_BROKER_CA: pki.caCert, MSHARE_BROKER_CERT: a.cert, MSHARE_BROKER_KEY: a.key,
      MSHARE_BROKER_SERVER_NAME: 'localhost', MSHARE_WORKER_ROLE: 'donor', MSHARE_REGION: 'mtls-sga',
    });
    try {
      await w.start();
      assert.equal(w.pids.length, 2);
    } finally {
      await w.stop();
      await t.stop();
    }
  });

  it('names the variable or flag of a bad setting', () => {
    const names = (env: Record<string, string>, variable: string, reason: RegExp) =>
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === variable && reason.test(e.reason));
    const a = pki.client('worker-b');
    names({ MSHARE_BROKER_CA: pki.caCert, MSHARE_BROKER_CERT: a.cert }, 'MSHARE_BROKER_KEY', /set together/);
    names({ MSHARE_BROKER_CA: path.join(dir, 'missing.pem') }, 'MSHARE_BROKER_CA', /cannot read .*missing\.pem/);
    names({ MSHARE_BROKER_SERVER_NAME: 'localhost' }, 'MSHARE_BROKER_SERVER_NAME', /TLS is off/);
    const blank = path.join(dir, 'blank.token');
    writeFileSync(blank, '\n');
    names({ MSHARE_BROKER_TOKEN_FILE: blank }, 'MSHARE_BROKER_TOKEN_FILE', /must hold one token/);
    assert.deepEqual(loadConfig({}).brokerClient, {}, 'unset: plaintext and anonymous, as before');
    assert.throws(() => parseCli(['--broker-ca', pki.caCert]), (e: unknown) => e instanceof UsageError && /--broker-ca: applies to a running broker/.test(e.message));
    assert.throws(() => parseCli(['--broker', '127.0.0.1:1', '--broker-key', a.key]),
      (e: unknown) => e instanceof UsageError && /--broker-cert/.test(e.message));
  });
});
