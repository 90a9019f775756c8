// Workers against a real broker on 127.0.0.1:0: the donor's aligned window and O_CREAT|O_EXCL,
// clients waiting for the region, the three patterns, metrics, and stop() (unlink and exit).
import assert from 'node:assert/strict';
import { KernelError } from '../shared/kernel/errors.js';
import { Worker, type WorkerOptions } from '../services/worker/worker.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';

const GiB = 2 ** 30;
const PAGES_PER_GIB = GiB / 4096;

/** Sums of a metric's samples in exposition text, by the value of one label. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

describe('worker (in-process, real broker)', function () {
  this.timeout(30_000);
  let t: TestBroker;
  const workers: Worker[] = [];
  const make = (o: Partial<WorkerOptions>) => {
    const w = new Worker({
      brokerAddress: t.grpcAddress, role: 'client', processes: 3, region: 'sga', sgaBytes: GiB, pattern: 'sequential', ...o,
    });
    workers.push(w);
    return w;
  };

  beforeEach(async () => { t = await startBroker({ MSHARE_SESSION_GRACE_MS: '100' }); });
  afterEach(async () => {
    await Promise.allSettled(workers.splice(0).map((w) => w.stop()));
    await t.stop();
  });

  it('donor maps the SGA in a PGDIR-aligned window and creates the region; clients attach and touch every page', async () => {
    const donor = make({ role: 'donor', processes: 1 });
    await donor.start();
    const geometry = await t.client.geometry();
    const region = await t.client.readRegion('sga');
    assert.equal(region.start % geometry.mshareAlignment, 0n);
    assert.ok(region.start >= 2n << 40n);
    assert.equal(region.size, geometry.mshareAlignment); // 1 GiB rounded up to 512 GiB
    const vmas = (await t.client.procStatus(donor.creatorPid!)).vmas;
    assert.deepEqual(vmas.map((v) => v.region), ['sga']);
    const hostVma = (await t.client.readRegion('sga')).vmaCount;
    assert.equal(hostVma, 1);

    const client = make({ processes: 4 });
    await client.start();
    assert.equal((await t.client.readRegion('sga')).refcount, 5);
    const totals = await client.run();
    // Each client's link entry is copied once, after the first toucher populated the host.
    assert.deepEqual(totals, { present: 3 * PAGES_PER_GIB, minorFault: PAGES_PER_GIB, sigsegv: 0, sigbus: 0, synced: 4 });
    const usage = await client.usage();
    assert.equal(usage.pattern.processes, 4);
    assert.equal(usage.pattern.minorFaults, PAGES_PER_GIB);
    assert.equal(usage.pattern.unsharedMinorFaults, 4 * PAGES_PER_GIB);

    const text = await client.metrics.scrape();
    const acc = samples(text, 'mshare_worker_accesses_total');
    assert.equal(acc.get('outcome="minor_fault"'), PAGES_PER_GIB);
    assert.equal(acc.get('outcome="present"'), 3 * PAGES_PER_GIB);
    assert.match(text, /mshare_worker_rpc_duration_seconds_count\{method="Touch"\} 4/);
    assert.match(text, /mshare_worker_processes 4/);
  });

  it('the donor refuses an existing region (O_EXCL): EEXIST', async () => {
    await make({ role: 'donor', processes: 1 }).start();
    await assert.rejects(make({ role: 'donor', processes: 1 }).start(), (err: unknown) => err instanceof KernelError && err.errno === 'EEXIST');
  });

  it('a client started before the donor waits for the region, then attaches', async () => {
    // The broker's answers to the client's msharefs reads, seen from the kernel: a second ENOENT
    // means the client took the first one and asked again, i.e. it is waiting.
    const kernel = t.broker.kernel;
    const readRegion = kernel.readRegion.bind(kernel);
    const refusedTwice = new Promise<void>((resolve) => {
      let refusals = 0;
      kernel.readRegion = (name) => {
        try {
          return readRegion(name);
        } catch (err) {
          if (err instanceof KernelError && err.errno === 'ENOENT' && ++refusals === 2) resolve();
          throw err;
        }
      };
    });
    const client = make({ processes: 2, attachTimeoutMs: 10_000 });
    const started = client.start();
    await Promise.race([
      refusedTwice,
      started.then(() => assert.fail('start() resolved without a region'), (err: unknown) => assert.fail(`start() gave up: ${err}`)),
    ]);
    assert.deepEqual([client.progress.spawned, client.progress.attached], [2, 0]);
    await make({ role: 'donor', processes: 1 }).start();
    await started;
    assert.equal(client.progress.attached, 2);
    assert.equal((await t.client.readRegion('sga')).mappedProcesses, 3);
  });

  it('gives up after attachTimeoutMs with ENOENT when no donor comes', async () => {
    const t0 = Date.now();
    await assert.rejects(make({ attachTimeoutMs: 300 }).start(), (err: unknown) => err instanceof KernelError && err.errno === 'ENOENT');
    assert.ok(Date.now() - t0 < 5_000);
  });

  it('stop(): every process unlinks and exits, the last unlink removes the region', async () => {
    const donor = make({ role: 'donor', processes: 2 }); // its second process attaches and runs the pattern
    await donor.start();
    const client = make({ processes: 3 });
    await client.start();
    await Promise.all([donor.run(), client.run()]);
    assert.equal((await t.client.accounting()).processes, 5);
    const pids = client.pids;
    await client.stop();
    for (const pid of pids) {
      await assert.rejects(t.client.procStatus(pid), (err: unknown) => err instanceof KernelError && err.errno === 'ESRCH');
    }
    assert.equal((await t.client.readRegion('sga')).refcount, 2);
    await donor.stop();
    assert.equal((await t.client.accounting()).processes, 0);
    assert.deepEqual(await t.client.listRegions(), []);
    await donor.stop(); // idempotent
  });

  it('sparse: each process accesses the fraction of the SGA pages, in batches over AccessStream', async () => {
    await make({ role: 'donor', processes: 1 }).start();
    const client = make({ processes: 3, pattern: 'sparse', sparseFraction: 0.01 });
    await client.start();
    const totals = await client.run();
    const perProcess = Math.round(0.01 * PAGES_PER_GIB); // 2621: three batches each
    assert.equal(totals.present + totals.minorFault, 3 * perProcess);
    assert.equal(totals.sigsegv + totals.sigbus, 0);
    // Uniform pages with replacement: the first process faults on distinct pages only.
    assert.ok(totals.minorFault <= perProcess * 3 && totals.minorFault > perProcess / 2);
    const text = await client.metrics.scrape();
    assert.match(text, /mshare_worker_rpc_duration_seconds_count\{method="AccessStream"\} 9/);
  });

  it('hotset: stops at its access count, and at its duration', async () => {
    await make({ role: 'donor', processes: 1 }).start();
    const counted = make({ processes: 2, pattern: 'hotset', hotsetRate: 1e6, durationS: 30, hotsetAccesses: 5000 });
    await counted.start();
    let totals = await counted.run();
    assert.equal(totals.present + totals.minorFault, 5000);
    // The hot set is 1% of the pages: zipf over it faults on far fewer distinct pages than accesses.
    assert.ok(totals.minorFault < 2700, `${totals.minorFault} faults`);

    const timed = make({ processes: 2, pattern: 'hotset', hotsetRate: 10_000, durationS: 0.5, hotsetAccesses: 0 });
    await timed.start();
    const t0 = Date.now();
    totals = await timed.run();
    const elapsed = (Date.now() - t0) / 1000;
    const n = totals.present + totals.minorFault;
    assert.ok(elapsed < 3, `ran ${elapsed} s`);
    assert.ok(n > 0 && n <= 10_000 * 0.5 + 1024, `${n} accesses at 10000/s for 0.5 s`);
  });

  it('the window leaves room for an SGA of several PGDIRs and refuses one above the address space', async () => {
    const donor = make({ role: 'donor', processes: 1, sgaBytes: 600 * GiB });
    await donor.start();
    assert.equal((await t.client.readRegion('sga')).size, 1024n * BigInt(GiB));
    const hole = make({ role: 'donor', processes: 1, region: 'huge', sgaBytes: 2 ** 47 });
    await assert.rejects(hole.start(), /above the user address limit/);
  });
});
