// The OOM killer through the broker (issue 10): MSHARE_MACHINE_MEMORY, Spawn's oom_score_adj,
// SessionResponse.killed, ListOomEvents, GET /oom and the metrics.
import assert from 'node:assert/strict';
import { KernelError } from '../shared/kernel/errors.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { loadConfig } from '../services/broker/config.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';

const MiB = 1n << 20n;
const PRIVATE = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
const RW = PROT_READ | PROT_WRITE;

describe('broker: machine memory and the OOM killer', () => {
  let t: TestBroker | undefined;
  afterEach(async () => { await t?.stop(); t = undefined; });

  it('reads MSHARE_MACHINE_MEMORY and MSHARE_PROCESS_BASE_BYTES (sizes in any unit), unlimited when unset', () => {
    const c = loadConfig({ MSHARE_MACHINE_MEMORY: '512GB', MSHARE_PROCESS_BASE_BYTES: '2m' });
    assert.equal(c.machineMemoryBytes, 512 * 2 ** 30);
    assert.equal(c.processBaseBytes, 2 * 2 ** 20);
    assert.equal(loadConfig({}).machineMemoryBytes, Infinity);
    assert.equal(loadConfig({}).processBaseBytes, 0);
    assert.throws(() => loadConfig({ MSHARE_MACHINE_MEMORY: 'lots' }), /MSHARE_MACHINE_MEMORY/);
  });

  // Order: init (pid 1) spawns; A (pid 2) spawns in a session; B (pid 3) spawns with
  // oom_score_adj -1000; A maps and touches 40 MiB at 1 GiB, then B 32 MiB at 2 GiB on a 64 MiB
  // machine: B's touch runs out and the OOM killer kills A (the only killable process).
  it('kills the highest-badness process, tells its session, lists the kill over gRPC and HTTP, counts it', async () => {
    t = await startBroker({ MSHARE_MACHINE_MEMORY: '64MiB' });
    const c = t.client;
    const init = await c.spawn({ uid: 0, gid: 0, comm: 'init' });
    const session = await c.openSession('oom-test');
    const killed: number[] = [];
    session.onKilled((pid) => killed.push(pid));
    const a = await session.spawn({ uid: 1, gid: 1, comm: 'a' });
    const b = await c.spawn({ uid: 2, gid: 2, comm: 'b', oomScoreAdj: -1000 });
    assert.deepEqual([init, a, b], [1, 2, 3]);
    await c.mmap(a, 1n << 30n, 40n * MiB, RW, PRIVATE);
    await c.touch(a, 1n << 30n, 40n * MiB, 'write');
    await c.mmap(b, 2n << 30n, 32n * MiB, RW, PRIVATE);
    const counts = await c.touch(b, 2n << 30n, 32n * MiB, 'write');
    assert.equal(counts.minorFault, 8192);
    await assert.rejects(c.procStatus(a), (e: unknown) => e instanceof KernelError && e.errno === 'ESRCH');
    const events = await c.oomEvents();
    assert.deepEqual(events, [{ pid: a, comm: 'a', allocatingPid: b, residentBytes: 40 * 2 ** 20, pagetableBytes: (20 + 2) * 4096 }]);
    const http = await (await fetch(`${t.httpUrl}/oom`)).json() as { events: { pid: number; resident_bytes: string }[]; panicked: boolean };
    assert.deepEqual([http.events.map((e) => [e.pid, e.resident_bytes]), http.panicked], [[[a, String(40 * 2 ** 20)]], false]);
    for (let i = 0; i < 50 && killed.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(killed, [a]);
    const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
    assert.match(metrics, /^mshare_oom_kills_total 1$/m);
    assert.match(metrics, /^mshare_machine_memory_bytes 67108864$/m);
    assert.match(metrics, new RegExp(`^mshare_memory_bytes\\{kind="private"\\} ${32 * 2 ** 20}$`, 'm'));
    assert.match(metrics, new RegExp(`^mshare_memory_bytes\\{kind="pagetables"\\} ${(16 + 2 + 2) * 4096}$`, 'm'));
    await session.close();
  });

  it('leaves mshare_machine_memory_bytes out when the machine is unlimited', async () => {
    t = await startBroker({});
    const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
    assert.doesNotMatch(metrics, /^mshare_machine_memory_bytes /m);
    assert.match(metrics, /^mshare_oom_kills_total 0$/m);
  });
});
