// Worker.stop() racing Worker.start(): whatever start() had opened or spawned when stop() came
// is released, so the broker's session ends and the worker's connection can close.
import assert from 'node:assert/strict';
import { Worker } from '../services/worker/worker.js';
import { BrokerClient } from '../shared/client/broker-client.js';
import { KernelError } from '../shared/kernel/errors.js';
import { O_RDWR } from '../shared/kernel/uapi.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';

const GiB = 2 ** 30;

/** Polls `check` every 20 ms for up to `ms`; returns its last answer. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    if (check()) return true;
  }
  return check();
}

describe('worker stop() during start()', function () {
  this.timeout(30_000);
  let t: TestBroker;
  let worker: Worker | undefined;

  beforeEach(async () => { t = await startBroker({ MSHARE_SESSION_GRACE_MS: '50' }); });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await t.stop();
  });

  it('closes the session whose open was in flight when stop() came', async () => {
    worker = new Worker({ brokerAddress: t.grpcAddress, role: 'client', processes: 2, region: 'sga', sgaBytes: GiB, pattern: 'sequential' });
    const w = worker;
    const sessions = t.broker.sessions;
    const open = sessions.open.bind(sessions);
    let stopped: Promise<void> | undefined;
    // The broker opens the session; before its reply reaches the worker, the worker is stopped.
    sessions.open = (...args: Parameters<typeof open>) => {
      stopped = w.stop();
      return open(...args);
    };
    const started = w.start().then(() => 'started', (err: unknown) => String(err));
    assert.match(await started, /stopped/);
    await stopped;
    assert.equal(await eventually(() => sessions.counts().open === 0, 2_000), true, 'the session stream is still open');
    assert.equal((await t.client.accounting()).processes, 0);
  });
});

describe('a clean stop makes no syscall error', function () {
  this.timeout(30_000);
  let t: TestBroker;
  const workers: Worker[] = [];

  beforeEach(async () => { t = await startBroker({ MSHARE_SESSION_GRACE_MS: '50' }); });
  afterEach(async () => {
    await Promise.allSettled(workers.splice(0).map((w) => w.stop()));
    await t.stop();
  });

  /** mshare_syscalls_total's series as `syscall errno` -> count. */
  async function syscalls(): Promise<Map<string, number>> {
    const text = await (await fetch(`${t.httpUrl}/metrics`)).text();
    const out = new Map<string, number>();
    for (const m of text.matchAll(/^mshare_syscalls_total\{([^}]*)\} (\S+)$/gm)) {
      const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      if (Number(m[2]) > 0) out.set(`${labels.syscall} ${labels.errno}`, Number(m[2]));
    }
    return out;
  }

  const common = { region: 'sga', sgaBytes: GiB, pattern: 'sequential' as const };

  it('donor and clients run and stop: every syscall series is errno="OK", and each attached process unlinked once', async () => {
    const donor = new Worker({ ...common, brokerAddress: t.grpcAddress, role: 'donor', processes: 1, name: 'd' });
    const client = new Worker({ ...common, brokerAddress: t.grpcAddress, role: 'client', processes: 3, name: 'c' });
    workers.push(donor, client);
    await donor.start();
    await client.start();
    await client.run();
    await client.stop();
    await donor.stop();
    const series = await syscalls();
    const errors = [...series.keys()].filter((k) => !k.endsWith(' OK'));
    assert.deepEqual(errors, [], `syscall errors on a clean stop: ${errors.join(', ')}`);
    assert.equal(series.get('mshare_unlink OK'), 4, 'three clients and the creator dropped their reference');
    assert.equal(series.get('exit OK'), 4);
    assert.deepEqual(await t.client.listRegions(), []);
  });

  it('a client stopped while waiting for the region exits its processes without unlinking', async () => {
    const client = new Worker({ ...common, brokerAddress: t.grpcAddress, role: 'client', processes: 3, name: 'c', attachTimeoutMs: 20_000 });
    workers.push(client);
    const started = client.start().catch((err: unknown) => String(err));
    assert.equal(await eventually(() => client.progress.spawned === 3, 10_000), true);
    await client.stop();
    assert.match(String(await started), /stopped/);
    const series = await syscalls();
    const errors = [...series.keys()].filter((k) => !k.endsWith(' OK'));
    assert.deepEqual(errors, [], `syscall errors on a clean stop: ${errors.join(', ')}`);
    assert.equal(series.get('mshare_unlink OK'), undefined, 'no process attached, so none unlinks');
    assert.equal(series.get('exit OK'), 3);
  });
});

describe('donor restart after a client worker crash', function () {
  this.timeout(30_000);
  let t: TestBroker;
  beforeEach(async () => { t = await startBroker({ MSHARE_SESSION_GRACE_MS: '20' }); });
  afterEach(async () => { await t.stop(); });

  const donor = () => new Worker({ brokerAddress: t.grpcAddress, role: 'donor', processes: 1, region: 'sga', sgaBytes: GiB, pattern: 'sequential' });

  /** A client whose processes attach the region, then its connection dies without unlinking. */
  async function crashedClient(): Promise<void> {
    const c = new BrokerClient(t.grpcAddress);
    const session = await c.openSession('client-crashes');
    const r = await c.readRegion('sga');
    for (let i = 0; i < 2; i++) {
      const pid = await session.spawn({ uid: 1000, gid: 1000 });
      await c.mshare(pid, 'sga', r.start, r.size, O_RDWR, 0);
    }
    // The crash: no unlink, no Exit; the broker sees the session's stream end.
    t.broker.sessions.end(session.id);
    c.close();
    assert.equal(await eventually(() => t.broker.kernel.pids().length === 1, 5_000), true, 'the crashed client\'s processes exited');
  }

  it('a restarted donor reclaims the orphaned references and creates the region again (no EEXIST loop)', async () => {
    const first = donor();
    await first.start();
    await crashedClient();
    await first.stop();
    assert.equal((await t.client.readRegion('sga')).refcount, 2, 'the crashed processes\' references outlive them');
    const second = donor();
    try {
      await second.start();
      const r = await t.client.readRegion('sga');
      assert.deepEqual([r.refcount, r.mappedProcesses], [1, 1]);
    } finally {
      await second.stop();
    }
    await assert.rejects(t.client.readRegion('sga'), (e: unknown) => e instanceof KernelError && e.errno === 'ENOENT');
  });

  it('with a live client still attached, the restarted donor answers EEXIST and changes nothing', async () => {
    const first = donor();
    await first.start();
    const c = new BrokerClient(t.grpcAddress);
    const r0 = await c.readRegion('sga');
    const live = await c.spawn({ uid: 1000, gid: 1000 });
    await c.mshare(live, 'sga', r0.start, r0.size, O_RDWR, 0);
    await first.stop();
    const second = donor();
    try {
      await assert.rejects(second.start(), (e: unknown) => e instanceof KernelError && e.errno === 'EEXIST');
      const r = await t.client.readRegion('sga');
      assert.deepEqual([r.refcount, r.mappedProcesses], [1, 1]);
    } finally {
      await second.stop();
      await c.exit(live);
      c.close();
    }
  });
});
