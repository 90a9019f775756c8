// Running the services as an operator does: `npm run build` (the real one, in the Dockerfile's
// build-stage layout: test/support/build.ts), then `node dist/services/<svc>/main.js` for the
// broker, the worker and the load test; probes, `promtool check metrics` on /metrics, the log
// format, one-line errors for a port in use and an unreachable broker, the donor ready only once
// its region exists, and signals reaching the broker through `npm run broker`.
// Every server listens on 127.0.0.1; every process started here is stopped by its pid.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import { buildOnce } from './support/build.js';
import { repoPath, repoRoot } from './support/paths.js';
import { freePort } from './support/prometheus.js';

type Line = Record<string, unknown>;

interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout lines that parse as JSON objects. */
  readonly lines: Line[];
  /** Everything printed, stdout and stderr. */
  output(): string;
  stderr(): string;
  waitFor(test: (l: Line) => boolean, what: string, timeoutMs: number): Promise<Line>;
  readonly exited: Promise<number | null>;
}

const procs: Proc[] = [];
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined>): Proc {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.ok(child.pid, `cannot start ${cmd}`);
  const lines: Line[] = [];
  let text = '';
  let err = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    text += `${line}\n`;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object') lines.push(v as Line);
    } catch { /* not a log line (npm's banner) */ }
  });
  child.stderr!.on('data', (d) => { text += String(d); err += String(d); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const p: Proc = {
    child, pid: child.pid, lines, exited,
    output: () => text,
    stderr: () => err,
    async waitFor(test, what, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find(test);
        if (hit) return hit;
        if (child.exitCode !== null || Date.now() > deadline) assert.fail(`no ${what} (exit ${child.exitCode}):\n${text}`);
        await sleep(50);
      }
    },
  };
  procs.push(p);
  return p;
}

async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (p.child.exitCode === null && p.child.signalCode === null) process.kill(p.pid, signal);
  return p.exited;
}

after(async () => {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null && alive(p.pid)) process.kill(p.pid, 'SIGKILL');
  }
});

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
}

/** `promtool check metrics` on an exposition text: its exit status and what it printed. */
function promtoolCheckMetrics(text: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (r.error) assert.fail(`cannot run promtool: ${r.error.message} (bash scripts/test-tools.sh installs it)`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The compose healthcheck of `service` (docker-compose.yml), pointed at `port` instead of the container's. */
function composeHealthcheck(service: string, port: number): number | null {
  const compose = parse(readFileSync(repoPath('docker-compose.yml'), 'utf8')) as {
    services: Record<string, { healthcheck?: { test?: string[] } }>;
  };
  const test = compose.services[service]?.healthcheck?.test;
  assert.ok(test && test[0] === 'CMD', `${service} has an exec-form healthcheck`);
  const args = test.slice(2).map((a) => a.replace(/^http:\/\/127\.0\.0\.1:\d+\//, `http://127.0.0.1:${port}/`));
  assert.ok(args.some((a) => a === `http://127.0.0.1:${port}/readyz`), test.join(' '));
  return spawnSync(test[1]!, args, { env: { PATH: process.env.PATH }, timeout: 10_000 }).status;
}

const portOf = (hostPort: unknown) => Number(String(hostPort).split(':').pop());
const LOG_FIELDS = ['hostname', 'level', 'msg', 'pid', 'service', 'time'];

/** Every JSON line has the shared fields: level by name, ISO time, the service's name. */
function assertLogFormat(p: Proc, service: string): void {
  assert.ok(p.lines.length >= 1, p.output());
  for (const l of p.lines) {
    for (const f of LOG_FIELDS) assert.ok(f in l, `${f} missing in ${JSON.stringify(l)}`);
    assert.equal(l.service, service);
    assert.equal(l.pid, p.pid);
    assert.match(String(l.level), /^(fatal|error|warn|info|debug|trace)$/);
    assert.match(String(l.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
}

describe('operations: npm run build && node dist/services/<svc>/main.js', function () {
  this.timeout(90_000);
  let app: string;
  const env = (vars: Record<string, string>) => ({ PATH: process.env.PATH, NODE_ENV: 'production', ...vars });
  const node = (entry: string, vars: Record<string, string>, args: string[] = []) =>
    start(process.execPath, [`dist/services/${entry}/main.js`, ...args], app, env(vars));

  before(function () {
    this.timeout(180_000);
    app = buildOnce().app;
  });

  it('builds every entry point, and copies the .proto files the services load into dist/', () => {
    const proto = readFileSync(repoPath('proto', 'mshare', 'v1', 'broker.proto'), 'utf8');
    // `npm run build` itself (the build stage, before anything else is copied) ...
    const { buildDir } = buildOnce();
    const built = path.join(buildDir, 'dist', 'proto', 'mshare', 'v1', 'broker.proto');
    assert.ok(existsSync(built), 'npm run build leaves dist/ without proto/: node dist/... cannot load the services');
    assert.equal(readFileSync(built, 'utf8'), proto);
    // ... and the runtime image, which holds dist/ and nothing of the sources.
    for (const svc of ['broker', 'worker', 'loadtest']) assert.ok(existsSync(path.join(app, 'dist', 'services', svc, 'main.js')), svc);
    assert.equal(readFileSync(path.join(app, 'dist', 'proto', 'mshare', 'v1', 'broker.proto'), 'utf8'), proto);
    assert.equal(existsSync(path.join(app, 'proto')), false, 'the runtime image holds proto/ only in dist/');
  });

  it('runs the built broker: probes answer, /metrics passes promtool, request lines of scrapes at debug, SIGTERM exits 0', async () => {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const b = node('broker', { MSHARE_GRPC_ADDR: `127.0.0.1:${grpcPort}`, MSHARE_HTTP_ADDR: `127.0.0.1:${httpPort}`, MSHARE_LOG_LEVEL: 'debug' });
    const listening = await b.waitFor((l) => l.msg === 'mshare-broker listening', 'listening line', 30_000);
    assert.deepEqual([listening.grpc, listening.http], [`127.0.0.1:${grpcPort}`, `127.0.0.1:${httpPort}`]);
    const base = `http://127.0.0.1:${httpPort}`;
    assert.deepEqual(await get(`${base}/healthz`), { status: 200, body: '{"status":"ok"}' });
    assert.deepEqual(await get(`${base}/readyz`), { status: 200, body: '{"status":"ready"}' });

    const metrics = (await get(`${base}/metrics`)).body;
    assert.match(metrics, /^process_cpu_seconds_total /m, 'Node process metrics are on');
    assert.doesNotMatch(metrics, /^nodejs_active_handles_total /m);
    assert.match(metrics, /^grpc_server_handled_total\{.*grpc_method="Mmap".*grpc_code="OK"\} 0$/m);
    const lint = promtoolCheckMetrics(metrics);
    assert.deepEqual(lint, { status: 0, out: '' });
    assert.equal((await get(`${base}/msharefs`)).status, 200);

    assert.equal(await stop(b), 0, b.output());
    assert.equal(b.lines.at(-1)?.msg, 'stopped');
    assertLogFormat(b, 'mshare-broker');
    // Request lines: /metrics and the probes at debug, anything else at info.
    const urls = new Map(b.lines.filter((l) => l.msg === 'incoming request').map((l) => [l.reqId, (l.req as { url: string }).url]));
    const completed = b.lines.filter((l) => l.msg === 'request completed').map((l) => [urls.get(l.reqId), l.level]);
    assert.deepEqual(completed, [['/healthz', 'debug'], ['/readyz', 'debug'], ['/metrics', 'debug'], ['/msharefs', 'info']]);
  });

  it('promtool rejects prom-client\'s default metrics as they come, so the check above can fail', async () => {
    const { Registry, collectDefaultMetrics } = await import('prom-client');
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const lint = promtoolCheckMetrics(await registry.metrics());
    assert.notEqual(lint.status, 0);
    assert.match(lint.out, /nodejs_active_handles_total non-counter metrics should not have "_total" suffix/);
  });

  it('runs the built worker: the donor is ready only once its region exists; an unreachable broker is one line naming it', async () => {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const b = node('broker', { MSHARE_GRPC_ADDR: `127.0.0.1:${grpcPort}`, MSHARE_HTTP_ADDR: `127.0.0.1:${httpPort}` });
    await b.waitFor((l) => l.msg === 'mshare-broker listening', 'broker listening', 30_000);
    const brokerHttp = `http://127.0.0.1:${httpPort}`;
    const donorEnv = { MSHARE_WORKER_ROLE: 'donor', MSHARE_WORKER_PROCESSES: '1', MSHARE_SGA: '1GiB', MSHARE_WORKER_HTTP_ADDR: '127.0.0.1:0' };

    // A donor whose broker does not answer: alive, not ready; after its connect timeout, one line and exit 1.
    const nowhere = `127.0.0.1:${await freePort()}`;
    const lost = node('worker', { ...donorEnv, MSHARE_BROKER_ADDR: nowhere });
    const lostPort = portOf((await lost.waitFor((l) => l.msg === 'listening', 'listening', 30_000)).http);
    const lostHealth = await get(`http://127.0.0.1:${lostPort}/healthz`);
    assert.equal(lostHealth.status, 200);
    assert.equal((JSON.parse(lostHealth.body) as Line).phase, 'starting');
    const lostReady = await get(`http://127.0.0.1:${lostPort}/readyz`);
    assert.deepEqual([lostReady.status, (JSON.parse(lostReady.body) as Line).status], [503, 'not ready']);
    assert.equal(composeHealthcheck('donor', lostPort), 1);

    // A donor with a broker: from its first 200 on /readyz, the region exists.
    const donor = node('worker', { ...donorEnv, MSHARE_BROKER_ADDR: `127.0.0.1:${grpcPort}`, MSHARE_REGION: 'sga' });
    const donorPort = portOf((await donor.waitFor((l) => l.msg === 'listening', 'listening', 30_000)).http);
    const deadline = Date.now() + 30_000;
    while ((await get(`http://127.0.0.1:${donorPort}/readyz`)).status !== 200) {
      assert.ok(Date.now() < deadline, `donor never ready:\n${donor.output()}`);
      await sleep(10);
    }
    const region = await get(`${brokerHttp}/msharefs/sga`);
    assert.equal(region.status, 200, 'ready before the region exists');
    assert.equal((JSON.parse(region.body) as { refcount: number }).refcount, 1);
    assert.equal(composeHealthcheck('donor', donorPort), 0);
    const lint = promtoolCheckMetrics((await get(`http://127.0.0.1:${donorPort}/metrics`)).body);
    assert.deepEqual(lint, { status: 0, out: '' });

    assert.equal(await lost.exited, 1, lost.output());
    const mentions = lost.output().split('\n').filter((l) => l.includes(nowhere));
    assert.equal(mentions.filter((l) => /cannot reach the broker at/.test(l)).length, 1, lost.output());
    assert.match(mentions.find((l) => /cannot reach/.test(l))!, new RegExp(`cannot reach the broker at ${nowhere} \\(MSHARE_BROKER_ADDR\\)`));
    assert.doesNotMatch(lost.output(), /^\s+at /m, 'no stack trace');

    assert.equal(await stop(donor), 0, donor.output());
    assert.deepEqual(JSON.parse((await get(`${brokerHttp}/msharefs`)).body), { regions: [], next_page_token: '' });
    // The same log format as the broker's; at the default level no line per scrape or probe.
    assertLogFormat(donor, 'mshare-worker');
    assertLogFormat(lost, 'mshare-worker');
    for (const route of ['/metrics', '/healthz', '/readyz']) assert.equal((await get(`${brokerHttp}${route}`)).status, 200);
    assert.equal(await stop(b), 0);
    assertLogFormat(b, 'mshare-broker');
    assert.deepEqual(donor.lines.filter((l) => 'reqId' in l), [], donor.output());
    // The broker logged its two /msharefs answers (info), none of its scrapes and probes.
    assert.deepEqual(b.lines.filter((l) => 'reqId' in l).map((l) => [l.msg, l.level]), [['request completed', 'info'], ['request completed', 'info']]);
  });

  it('runs the built load test; an unreachable --broker is one line naming it, exit 3', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    const ok = node('loadtest', {}, ['--clients', '3', '--workers', '1', '--sga', '1GiB', '--quiet', '--json']);
    const lost = node('loadtest', {}, ['--broker', nowhere, '--clients', '3', '--sga', '1GiB', '--quiet']);
    const [okCode, lostCode] = await Promise.all([ok.exited, lost.exited]);
    assert.equal(okCode, 0, ok.output());
    const report = JSON.parse(ok.output().slice(ok.output().indexOf('{'))) as Record<string, unknown>;
    assert.deepEqual([report.clients, report.sga_bytes, report.minor_faults, report.unshared_minor_faults, report.passed],
      [3, 2 ** 30, 2 ** 18, 3 * 2 ** 18, true]);
    assert.equal(lostCode, 3);
    assert.equal(lost.stderr(), `mshare-loadtest: cannot reach the broker at ${nowhere} (--broker): no connection within 10 s\n`);
  });

  it('a port in use: broker (gRPC or HTTP) and worker print one line naming the address, and exit 1', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = `127.0.0.1:${(holder.address() as { port: number }).port}`;
    try {
      const free = async () => `127.0.0.1:${await freePort()}`;
      const runs = [
        [node('broker', { MSHARE_GRPC_ADDR: taken, MSHARE_HTTP_ADDR: await free() }), `mshare-broker: cannot listen on ${taken} for gRPC (MSHARE_GRPC_ADDR): address already in use\n`],
        [node('broker', { MSHARE_GRPC_ADDR: await free(), MSHARE_HTTP_ADDR: taken }), `mshare-broker: cannot listen on ${taken} for HTTP (MSHARE_HTTP_ADDR): address already in use\n`],
        [node('worker', { MSHARE_BROKER_ADDR: await free(), MSHARE_WORKER_HTTP_ADDR: taken }), `mshare-worker: cannot listen on ${taken} for HTTP (MSHARE_WORKER_HTTP_ADDR): address already in use\n`],
      ] as const;
      for (const [p, expected] of runs) {
        assert.equal(await p.exited, 1, p.output());
        assert.equal(p.stderr(), expected);
        assert.equal(p.output(), expected, 'nothing else printed');
      }
    } finally {
      holder.close();
    }
  });
});

describe('npm run broker', function () {
  this.timeout(60_000);

  it('stops the broker when npm gets SIGTERM: npm forwards it to the node process it execs', async () => {
    const npm = start('npm', ['run', '--silent', 'broker'], repoRoot, {
      ...process.env, MSHARE_GRPC_ADDR: '127.0.0.1:0', MSHARE_HTTP_ADDR: '127.0.0.1:0', MSHARE_SHUTDOWN_GRACE_MS: '1000',
    });
    const listening = await npm.waitFor((l) => l.msg === 'mshare-broker listening', 'listening line', 45_000);
    const brokerPid = Number(listening.pid);
    assert.ok(brokerPid > 0 && brokerPid !== npm.pid && alive(brokerPid));
    try {
      process.kill(npm.pid, 'SIGTERM');
      await npm.exited;
      const deadline = Date.now() + 10_000;
      while (alive(brokerPid) && Date.now() < deadline) await sleep(50);
      assert.equal(alive(brokerPid), false, `the broker (pid ${brokerPid}) outlived npm:\n${npm.output()}`);
      assert.deepEqual(npm.lines.filter((l) => l.pid === brokerPid).slice(-2).map((l) => l.msg), ['shutting down', 'stopped']);
    } finally {
      if (alive(brokerPid)) process.kill(brokerPid, 'SIGKILL');
    }
  });
});
