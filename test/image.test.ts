// The container image without Docker (no engine runs here): lay out the runtime stage of the
// Dockerfile in a temp dir (the build's dist/ plus every COPY from the context), start the
// entry points from it as the image's CMD would, and run the image's own HEALTHCHECK command and
// the gRPC health check the Kubernetes probes use against them.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { repoPath } from './support/paths.js';
import { DOCKERFILE, buildOnce } from './support/build.js';
import { freePort } from './support/prometheus.js';

const dockerfile = DOCKERFILE;

/** The HEALTHCHECK's exec-form command, as JSON in the Dockerfile. */
function healthcheckCommand(): string[] {
  const m = /^HEALTHCHECK .*?CMD (\[.*\])\s*$/m.exec(dockerfile);
  assert.ok(m, 'HEALTHCHECK with an exec-form CMD');
  return JSON.parse(m[1]!) as string[];
}

function runHealthcheck(url: string): number | null {
  const [cmd, ...args] = healthcheckCommand();
  return spawnSync(cmd!, args, { env: { PATH: process.env.PATH, HEALTHCHECK_URL: url }, timeout: 10_000 }).status;
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (runHealthcheck(url) !== 0) {
    if (child.exitCode !== null) assert.fail(`exited with ${child.exitCode} before healthy:\n${log()}`);
    if (Date.now() > deadline) assert.fail(`not healthy within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      child.once('exit', () => (clearTimeout(t), resolve(true)));
    });
  child.kill('SIGTERM');
  if (!(await exited(10_000))) {
    child.kill('SIGKILL');
    await exited(2_000);
  }
}

function grpcHealth(addr: string): Promise<string> {
  const Client = grpc.makeGenericClientConstructor(healthService, 'Health');
  const client = new Client(addr, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (x: object) => Buffer.from(healthService.Check.requestSerialize(x)),
      (b: Buffer) => healthService.Check.responseDeserialize(b) as { status: string },
      { service: '' },
      { deadline: Date.now() + 5_000 },
      (err: grpc.ServiceError | null, res?: { status: string }) => {
        client.close();
        if (err) reject(err);
        else resolve(String(res?.status));
      },
    );
  });
}

describe('container image layout (the Dockerfile runtime stage, without Docker)', function () {
  this.timeout(120_000);
  let app: string;
  const children: ChildProcess[] = [];

  before(function () {
    this.timeout(180_000);
    // Stage 1 runs the real `npm run build`; stage 2 copies what the runtime stage copies.
    app = buildOnce().app;
  });

  after(async () => {
    await Promise.all(children.map(stopChild));
  });

  it('imports only production dependencies from the compiled code', () => {
    const deps = new Set(Object.keys((JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies));
    const missing = new Set<string>();
    const walk = (dir: string): void => {
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith('.js')) {
          const src = readFileSync(p, 'utf8');
          for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
            const spec = m[1]!;
            if (spec.startsWith('.') || spec.startsWith('node:')) continue;
            const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
            if (!deps.has(pkg)) missing.add(`${pkg} (${path.relative(app, p)})`);
          }
        }
      }
    };
    walk(path.join(app, 'dist'));
    assert.deepEqual([...missing], []);
  });

  it('starts the broker from dist/ and passes the image HEALTHCHECK and the grpc health probe', async () => {
    const grpcPort = await freePort();
    const httpPort = await freePort();
    let log = '';
    const broker = spawn(process.execPath, ['dist/services/broker/main.js'], {
      cwd: app,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', MSHARE_GRPC_ADDR: `127.0.0.1:${grpcPort}`, MSHARE_HTTP_ADDR: `127.0.0.1:${httpPort}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(broker);
    const keep = (b: Buffer) => (log = (log + b.toString()).slice(-8_000));
    broker.stdout?.on('data', keep);
    broker.stderr?.on('data', keep);
    const url = `http://127.0.0.1:${httpPort}/readyz`;
    await waitHealthy(url, broker, () => log, 20_000);
    assert.equal(await grpcHealth(`127.0.0.1:${grpcPort}`), 'SERVING');
    await stopChild(broker);
    assert.equal(runHealthcheck(url), 1, 'the healthcheck fails once the broker is gone');
  });

  it('starts the worker from dist/ next to a broker and passes the image HEALTHCHECK', async () => {
    const grpcPort = await freePort();
    const brokerHttp = await freePort();
    const workerHttp = await freePort();
    let log = '';
    const keep = (b: Buffer) => (log = (log + b.toString()).slice(-8_000));
    const start = (entry: string, env: Record<string, string>) => {
      const c = spawn(process.execPath, [entry], { cwd: app, env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      c.stdout?.on('data', keep);
      c.stderr?.on('data', keep);
      children.push(c);
      return c;
    };
    const broker = start('dist/services/broker/main.js', { MSHARE_GRPC_ADDR: `127.0.0.1:${grpcPort}`, MSHARE_HTTP_ADDR: `127.0.0.1:${brokerHttp}` });
    await waitHealthy(`http://127.0.0.1:${brokerHttp}/readyz`, broker, () => log, 20_000);
    const worker = start('dist/services/worker/main.js', {
      MSHARE_BROKER_ADDR: `127.0.0.1:${grpcPort}`,
      MSHARE_WORKER_HTTP_ADDR: `127.0.0.1:${workerHttp}`,
      MSHARE_WORKER_ROLE: 'donor',
      MSHARE_WORKER_PROCESSES: '1',
      MSHARE_SGA: '1GiB',
    });
    const workerUrl = `http://127.0.0.1:${workerHttp}/metrics`;
    await waitHealthy(`http://127.0.0.1:${workerHttp}/readyz`, worker, () => log, 20_000);
    // The donor created the region and holds it: the worker from dist/ did its job.
    for (const deadline = Date.now() + 20_000; ;) {
      const health = await (await fetch(`http://127.0.0.1:${workerHttp}/healthz`)).json() as { phase: string };
      if (health.phase === 'holding') break;
      assert.ok(Date.now() < deadline && worker.exitCode === null, `the worker never reached 'holding' (${health.phase}):\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const region = () => fetch(`http://127.0.0.1:${brokerHttp}/msharefs/sga`).then((r) => r.status);
    assert.equal(await region(), 200);
    await stopChild(worker);
    assert.equal(worker.exitCode, 0, `the worker exits 0 on SIGTERM:\n${log}`);
    assert.equal(runHealthcheck(workerUrl), 1, 'the healthcheck fails once the worker is gone');
    assert.equal(await region(), 404, 'its last unlink removed the region');
    await stopChild(broker);
  });
});
