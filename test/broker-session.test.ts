// Process lifecycle: processes spawned into a Session exit within the grace period after the
// client's stream ends, whether it closes the session or is killed; regions stay.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { KernelError } from '../shared/kernel/errors.js';
import { MAP_ANONYMOUS, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { expectStatus, startBroker, type TestBroker } from './fixtures/broker.js';

const GRACE_MS = 1_000;
/** Date.now() and the broker's timer clock may disagree by a few ms. */
const CLOCK_SLACK_MS = 50;
const SGA_ADDR = 2n << 40n;
const SGA_SIZE = 512n << 30n;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Waits until none of `pids` is alive (polling the kernel every 25 ms, for at most limitMs) and
 * returns when that was seen, as a Date.now() time.
 */
async function waitGone(t: TestBroker, pids: number[], limitMs: number): Promise<number> {
  const t0 = Date.now();
  for (let i = 0; Date.now() - t0 < limitMs && i < 1_000; i++) {
    if (pids.every((pid) => !t.broker.kernel.hasProcess(pid))) return Date.now();
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`processes ${pids.join(', ')} still alive after ${limitMs} ms`);
}

describe('broker sessions', () => {
  let t: TestBroker;
  let child: ChildProcess | undefined;
  beforeEach(async () => { t = await startBroker({ MSHARE_SESSION_GRACE_MS: String(GRACE_MS) }); });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
    await t.stop();
  });

  async function donor(): Promise<number> {
    const pid = await t.client.spawn({ uid: 1000, gid: 1000, comm: 'donor' });
    await t.client.mmap(pid, SGA_ADDR, SGA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
    await t.client.mshare(pid, 'sga', SGA_ADDR, SGA_SIZE, O_CREAT | O_RDWR | O_EXCL, 0o660);
    return pid;
  }

  it('exits the processes of a client killed with SIGKILL within the grace; the region stays', async function () {
    this.timeout(30_000);
    const donorPid = await donor();
    child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/session-client.ts', t.grpcAddress, 'sga', '3'], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const [line] = await Promise.race([
      once(lines, 'line') as Promise<[string]>,
      once(child, 'exit').then(([code]) => assert.fail(`session client exited early (${code})`)),
    ]);
    const { pids } = JSON.parse(line) as { pids: number[] };
    assert.equal(pids.length, 3);
    assert.equal((await t.client.readRegion('sga')).mappedProcesses, 4);
    for (const pid of pids) assert.deepEqual((await t.client.procStatus(pid)).regions, ['sga']);

    // The broker sees the stream end after the kill, and exits the processes a grace later: not
    // before, and within a few seconds of it.
    const killedAt = Date.now();
    assert.ok(child.pid !== undefined && process.kill(child.pid, 'SIGKILL'));
    await once(child, 'exit');
    const goneAt = await waitGone(t, pids, GRACE_MS + 3_000);
    assert.ok(goneAt - killedAt >= GRACE_MS - CLOCK_SLACK_MS, `processes exited ${goneAt - killedAt} ms after the kill, before the ${GRACE_MS} ms grace`);
    for (const pid of pids) await expectStatus(t.client, 'ProcStatus', { pid }, grpc.status.NOT_FOUND, 'ESRCH');

    const region = await t.client.readRegion('sga');
    assert.equal(region.mappedProcesses, 1); // the donor, which has no session
    assert.equal(region.refcount, 4); // the exited processes' references stay (orphaned)
    assert.equal((await t.client.access(donorPid, SGA_ADDR, 'read')).outcome, 'present'); // touched by the clients
    assert.equal((await t.client.accounting()).processes, 1);
  });

  it('exits the processes after the client closes its session, not before', async () => {
    await donor();
    const session = await t.client.openSession('test');
    assert.equal(session.graceMs, GRACE_MS);
    const a = await session.spawn({ uid: 1000, gid: 1000 });
    const b = await session.spawn({ uid: 1000, gid: 1000 });
    const free = await t.client.spawn({ uid: 1000, gid: 1000 });
    await t.client.exit(b); // exited by hand: the expiry must not trip over it
    const closedAt = Date.now();
    await session.close();
    const goneAt = await waitGone(t, [a], GRACE_MS + 3_000);
    assert.ok(goneAt - closedAt >= GRACE_MS - CLOCK_SLACK_MS, `the process exited ${goneAt - closedAt} ms after the close, before the ${GRACE_MS} ms grace`);
    assert.equal(t.broker.kernel.hasProcess(free), true);
    // A closed session takes no new processes.
    await assert.rejects(session.spawn({ uid: 1, gid: 1 }), (e: unknown) => e instanceof KernelError && e.errno === 'ENOENT');
    assert.equal((await t.client.readRegion('sga')).refcount, 1);
  });

  it('rejects a Session whose first request is not open with INVALID_ARGUMENT (EINVAL)', async () => {
    const call = t.client.raw.Session();
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      call.on('error', resolve);
      call.on('data', () => {});
      call.write({ ping: { nonce: '1' } });
    });
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.deepEqual(err.metadata.get('mshare-errno'), ['EINVAL']);
  });

  it('answers pings on an open session', async () => {
    const call = t.client.raw.Session();
    const replies: unknown[] = [];
    const done = new Promise<void>((resolve) => call.on('data', (m) => { replies.push(m); if (replies.length === 2) resolve(); }));
    call.write({ open: { client_name: 'pinger' } });
    call.write({ ping: { nonce: '42' } });
    await done;
    call.end();
    assert.equal((replies[1] as { msg: string; pong: { nonce: string } }).pong.nonce, '42');
    assert.equal((replies[0] as { msg: string }).msg, 'opened');
  });
});
