// Fuzzing the running broker (issue 12): fast-check drives every unary RPC with random and
// malformed requests over gRPC. After every failed call the kernel's whole state (accounting,
// regions, every process's status) is unchanged; after every run the accounting invariants hold
// and, once every process has exited and every region is unlinked, the table bytes are back to 0.
//
// FUZZ_RUNS sets the number of calls (default 10,000, within CI's time); `npm run fuzz` runs
// 100,000. FUZZ_SEED replays a run.
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { startBroker, type TestBroker } from './fixtures/broker.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, PROT_READ, PROT_WRITE,
} from '../shared/kernel/uapi.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

const TiB = 1n << 40n;
const WINDOW = 512n << 30n;
const u64 = (n: bigint) => n.toString();

/** The kernel's state as one string (bigints as decimals). */
function stateOf(t: TestBroker): string {
  const k = t.broker.kernel;
  const procs = k.pids().sort((a, b) => a - b).map((pid) => k.procStatus(pid));
  return JSON.stringify({ a: k.accounting(), r: k.listRegions(), procs }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** A unary call with a raw (wire-shaped) request: resolves with the error, or null. */
function call(t: TestBroker, method: string, request: object): Promise<grpc.ServiceError | null> {
  const fn = (t.client.raw as unknown as Record<string, (...args: unknown[]) => unknown>)[method];
  return new Promise((resolve) => { fn.call(t.client.raw, request, (err: grpc.ServiceError | null) => resolve(err)); });
}

// ---- request arbitraries: mostly plausible values, some malformed ------------------------------

const pid = fc.oneof(fc.constantFrom(1, 2, 3, 4), fc.constantFrom(0, 999, 4_194_305, -1, 2 ** 32 - 1));
const addr = fc.oneof(
  fc.constantFrom(0n, 4096n, TiB, 2n * TiB, 2n * TiB + 4096n, 4n * TiB, (1n << 47n) - (128n << 20n) - 8192n, (1n << 47n) - 4096n, 1n << 47n, (1n << 64n) - 1n),
  fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }).map((n) => n & ~4095n),
).map(u64);
const length = fc.constantFrom(0n, 1n, 4096n, 8192n, 2n << 20n, 1n << 30n, WINDOW, 1n << 47n, (1n << 64n) - 1n).map(u64);
/** Touch lengths stay small enough that a run's cost is bounded. */
const touchLength = fc.constantFrom(0n, 4096n, 64n << 10n, 2n << 20n, 64n << 20n).map(u64);
const prot = fc.constantFrom(0, PROT_READ, PROT_READ | PROT_WRITE, 7, 8, -1);
const flags = fc.constantFrom(
  MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
  MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, MAP_PRIVATE, 0, 0xffff,
);
const name = fc.oneof(fc.constantFrom('sga', 'ro', 'x', '', '.', '..', 'a/b', 'x'.repeat(256), '\u00e9t\u00e9'), fc.string({ maxLength: 8 }));
const oflags = fc.constantFrom(O_RDWR, O_RDONLY, O_CREAT | O_RDWR, O_CREAT | O_EXCL | O_RDWR, O_CREAT | O_EXCL | O_RDONLY, 3, 0o4000);
const mode = fc.constantFrom(0, 0o600, 0o644, 0o777, 0o1000);
const kind = fc.constantFrom('ACCESS_KIND_READ', 'ACCESS_KIND_WRITE', 'ACCESS_KIND_EXEC', 'ACCESS_KIND_UNSPECIFIED', 'BOGUS');
const stride = fc.constantFrom('0', '1', '512', '262144', '9007199254740993');
const uid = fc.option(fc.constantFrom(0, 1000, 2000, 4294967295), { nil: undefined });

const request = fc.oneof(
  fc.record({ m: fc.constant('Spawn'), r: fc.record({ uid, gid: uid, comm: fc.string({ maxLength: 20 }) }) }),
  fc.record({ m: fc.constant('Exit'), r: fc.record({ pid }) }),
  fc.record({ m: fc.constant('Mmap'), r: fc.record({ pid, addr, length, prot, flags, file: fc.constantFrom('', 'f') }) }),
  fc.record({ m: fc.constant('Munmap'), r: fc.record({ pid, addr, length }) }),
  fc.record({ m: fc.constant('Mprotect'), r: fc.record({ pid, addr, length, prot }) }),
  fc.record({ m: fc.constant('Mshare'), r: fc.record({ pid, name, addr, length, oflags, mode }) }),
  fc.record({ m: fc.constant('MshareUnlink'), r: fc.record({ pid, name }) }),
  fc.record({ m: fc.constant('ReadRegion'), r: fc.record({ name }) }),
  fc.record({ m: fc.constant('ListRegions'), r: fc.record({ page_size: fc.constantFrom(0, 1, -1), page_token: fc.constantFrom('', 'bogus') }) }),
  fc.record({ m: fc.constant('Access'), r: fc.record({ pid, addr, kind }) }),
  fc.record({ m: fc.constant('Touch'), r: fc.record({ pid, addr, length: touchLength, kind, stride_pages: stride }) }),
  fc.record({ m: fc.constant('ProcStatus'), r: fc.record({ pid }) }),
);

/** The accounting identities that hold whatever happened. */
function checkInvariants(t: TestBroker): void {
  const k = t.broker.kernel;
  const a = k.accounting();
  assert.equal(a.pagetableBytes, a.privateTableBytes + a.hostTableBytes + a.pgdBytes, 'PageTables = private + host + PGDs');
  assert.equal(a.savedBytes, a.unsharedPagetableBytes - a.pagetableBytes);
  assert.equal(a.processes, k.pids().length);
  assert.equal(a.regions, k.listRegions().length);
  for (const r of k.listRegions()) {
    assert.ok(r.refcount >= 1, `${r.name}: a listed region holds a reference`);
    assert.ok(r.mappedProcesses <= a.processes, `${r.name}: mapped by at most the live processes`);
  }
  let pgd = 0;
  for (const p of k.pids()) pgd += k.procStatus(p).pgdBytes;
  assert.ok(pgd <= a.pgdBytes, 'every process PGD is counted');
}

describe(`broker fuzz (${RUNS} calls)`, function () {
  this.timeout(Math.max(120_000, RUNS * 20));
  let t: TestBroker;

  before(async () => {
    t = await startBroker({ MSHARE_MAX_MAP_COUNT: '64', MSHARE_MAX_REGIONS: '8', MSHARE_PID_MAX: '400' });
  });
  after(async () => { await t?.stop(); });

  it('a failed call changes nothing; the invariants hold; everything released leaves 0 table bytes', async () => {
    // A starting point with processes, mappings and a region, so that calls reach deep paths.
    const c = t.client;
    const donor = await c.spawn({ uid: 1000, gid: 1000 });
    await c.spawn({ uid: 1000, gid: 1000 });
    await c.spawn({ uid: 2000, gid: 2000 });
    await c.mmap(donor, 2n * TiB, 1n << 30n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    await c.mshare(donor, 'sga', 2n * TiB, WINDOW, O_CREAT | O_EXCL | O_RDWR, 0o644);

    const failures = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ m, r }) => {
        const before = stateOf(t);
        const err = await call(t, m, r);
        if (err) {
          failures.set(`${m} ${grpc.status[err.code]}`, (failures.get(`${m} ${grpc.status[err.code]}`) ?? 0) + 1);
          assert.notEqual(err.code, grpc.status.UNKNOWN, `${m} ${JSON.stringify(r)}: UNKNOWN (${err.details})`);
          assert.notEqual(err.code, grpc.status.INTERNAL, `${m} ${JSON.stringify(r)}: INTERNAL (${err.details})`);
          assert.equal(stateOf(t), before, `${m} ${JSON.stringify(r)} failed (${err.details}) and changed the state`);
        }
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
    checkInvariants(t);
    assert.ok(failures.size > 5, `the fuzz reaches several failures: ${[...failures.keys()].join(', ')}`);

    // Release everything: every region's references (root may drop orphans), every process.
    const k = t.broker.kernel;
    for (const p of k.pids()) k.exit(p);
    const root = k.spawn({ uid: 0, gid: 0 });
    for (const r of k.listRegions()) {
      for (let i = 0; i < r.refcount; i++) k.mshareUnlink(root, r.name);
    }
    k.exit(root);
    const a = k.accounting();
    assert.deepEqual([a.processes, a.regions, a.hostMms, a.pagetableBytes, a.privateTableBytes, a.hostTableBytes], [0, 0, 0, 0, 0, 0]);
  });
});
