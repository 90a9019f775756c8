// Worker.stop() racing Worker.start(): whatever start() had opened or spawned when stop() came
// is released, so the broker's session ends and the worker's connection can close.
import assert from 'node:assert/strict';
import { Worker } from '../services/worker/worker.js';
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
    sessions.open = (name: string) => {
      stopped = w.stop();
      return open(name);
    };
    const started = w.start().then(() => 'started', (err: unknown) => String(err));
    assert.match(await started, /stopped/);
    await stopped;
    assert.equal(await eventually(() => sessions.counts().open === 0, 2_000), true, 'the session stream is still open');
    assert.equal((await t.client.accounting()).processes, 0);
  });
});
