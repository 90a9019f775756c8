// The worker as the deployment runs it: a child process configured by environment only, a donor
// then a client worker against a broker started here; the client's /metrics shows its accesses,
// and SIGTERM makes its processes unlink and exit (the broker shows them gone); a worker whose
// session ends under it exits 1.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoRoot } from './support/paths.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';

interface Child {
  proc: ChildProcess;
  /** Resolves with the first JSON log line whose msg is `msg`. */
  waitFor(msg: string, timeoutMs: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  output(): string;
}

function startWorker(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'services/worker/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', MSHARE_WORKER_HTTP_ADDR: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let text = '';
  const waiters: Array<() => void> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    text += `${line}\n`;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch { /* not a log line */ }
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr!.on('data', (d) => { text += String(d); });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    exited,
    output: () => text,
    waitFor(msg, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => l.msg === msg);
          if (hit) return resolve(hit);
          if (proc.exitCode !== null || Date.now() > deadline) return reject(new Error(`no '${msg}' from the worker:\n${text}`));
          waiters.push(check);
          setTimeout(check, 200);
        };
        check();
      });
    },
  };
}

const portOf = (listening: Record<string, unknown>) => Number(String(listening.http).split(':').pop());

describe('worker service as a child process', function () {
  this.timeout(60_000);
  let t: TestBroker;
  const children: Child[] = [];

  before(async () => { t = await startBroker({ MSHARE_SESSION_GRACE_MS: '100' }); });
  after(async () => {
    for (const c of children) {
      if (c.proc.exitCode === null && c.proc.signalCode === null && c.proc.pid) process.kill(c.proc.pid, 'SIGKILL');
    }
    await t.stop();
  });

  it('donor creates, client attaches and touches; /metrics counts accesses; SIGTERM exits its processes', async () => {
    const common = { MSHARE_BROKER_ADDR: t.grpcAddress, MSHARE_REGION: 'sga', MSHARE_SGA: '1GiB', MSHARE_PATTERN: 'sequential' };
    const donor = startWorker({ ...common, MSHARE_WORKER_ROLE: 'donor', MSHARE_WORKER_PROCESSES: '1' });
    children.push(donor);
    await donor.waitFor('pattern done', 30_000);
    assert.equal((await t.client.readRegion('sga')).refcount, 1);

    const client = startWorker({ ...common, MSHARE_WORKER_ROLE: 'client', MSHARE_WORKER_PROCESSES: '3' });
    children.push(client);
    const listening = await client.waitFor('listening', 30_000);
    await client.waitFor('pattern done', 30_000);
    const port = portOf(listening);
    assert.ok(port > 0);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const pages = 2 ** 30 / 4096;
    assert.match(metrics, new RegExp(`^mshare_worker_accesses_total\\{outcome="minor_fault"\\} ${pages}$`, 'm'));
    assert.match(metrics, new RegExp(`^mshare_worker_accesses_total\\{outcome="present"\\} ${2 * pages}$`, 'm'));
    assert.match(metrics, /^mshare_worker_processes 3$/m);
    assert.match(metrics, /^mshare_worker_rpc_duration_seconds_count\{method="Touch"\} 3$/m);
    const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as Record<string, unknown>;
    assert.equal(health.status, 'ok');
    assert.equal(health.phase, 'holding');

    let acc = await t.client.accounting();
    assert.equal(acc.processes, 4);
    assert.equal((await t.client.readRegion('sga')).mappedProcesses, 4);

    process.kill(client.proc.pid!, 'SIGTERM');
    assert.equal(await client.exited, 0, client.output());
    acc = await t.client.accounting();
    assert.equal(acc.processes, 1, 'only the donor process is left');
    const region = await t.client.readRegion('sga');
    assert.deepEqual([region.refcount, region.mappedProcesses], [1, 1]);

    process.kill(donor.proc.pid!, 'SIGTERM');
    assert.equal(await donor.exited, 0, donor.output());
    assert.equal((await t.client.accounting()).processes, 0);
    assert.deepEqual(await t.client.listRegions(), []);
  });

  it('exits 1 when its session ends under it (the broker went away), so a supervisor restarts it', async () => {
    const gone = await startBroker({ MSHARE_SESSION_GRACE_MS: '100' });
    const worker = startWorker({
      MSHARE_BROKER_ADDR: gone.grpcAddress, MSHARE_WORKER_ROLE: 'donor', MSHARE_WORKER_PROCESSES: '1', MSHARE_SGA: '1GiB',
    });
    children.push(worker);
    await worker.waitFor('pattern done', 30_000);
    assert.equal(worker.proc.exitCode, null, 'it holds its processes while the session lives');
    await gone.stop();
    assert.equal(await worker.exited, 1, worker.output());
    assert.match(worker.output(), /session lost/);
  });

  it('a bad setting stops the start with exit 2, naming the variable', async () => {
    const bad = startWorker({ MSHARE_BROKER_ADDR: t.grpcAddress, MSHARE_SGA: '12XB' });
    children.push(bad);
    assert.equal(await bad.exited, 2);
    assert.match(bad.output(), /MSHARE_SGA/);
  });
});
