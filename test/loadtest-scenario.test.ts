// runScenario (the one code path of `npm start`) through real gRPC, against the closed form
// computed here from the page-table geometry, not from the program.
//
// Closed form, 4-level paging, SGA of P pages at a 2 TiB (PUD-aligned) start, C clients that each
// touch every page, one donor that maps and creates but does not touch:
//   host tables  T = ceil(P/512) PTE + ceil(P/512^2) PMD + ceil(P/512^3) PUD tables, + the host PGD
//   with sharing      (T + 1 + C + 1) pages: host tables, host PGD, C clients' and the donor's PGDs
//   without sharing   C x (T + 1) + 1 pages: each client's private tables and PGD, the donor's PGD
//   minor faults      P with sharing (the first toucher populates the host), C x P without
import assert from 'node:assert/strict';
import { runScenario, split } from '../services/loadtest/scenario.js';
import { capacity, type Report } from '../services/loadtest/report.js';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { startBroker } from './fixtures/broker.js';

const PAGE = 4096;
const GiB = 2 ** 30;

function closedForm(clients: number, sgaBytes: number) {
  const pages = Math.ceil(sgaBytes / PAGE);
  const pte = Math.ceil(pages / 512);
  const pmd = Math.ceil(pages / 512 ** 2);
  const pud = Math.ceil(pages / 512 ** 3);
  const tables = pte + pmd + pud;
  return {
    host: (tables + 1) * PAGE,
    shared: (tables + 1 + clients + 1) * PAGE,
    unshared: (clients * (tables + 1) + 1) * PAGE,
    minor: pages,
    unsharedMinor: clients * pages,
    basePte: clients * pages * 8,
    basePteUpper: clients * (pages * 8 + (pmd + pud) * PAGE),
    pages,
  };
}

function assertClosedForm(r: Report, clients: number, sgaBytes: number) {
  const e = closedForm(clients, sgaBytes);
  assert.equal(r.clients, clients);
  assert.equal(r.processes, clients + 1);
  assert.equal(r.sga_bytes, sgaBytes);
  assert.equal(r.host_pagetable_bytes, e.host);
  assert.equal(r.pagetable_bytes, e.shared);
  assert.equal(r.unshared_pagetable_bytes, e.unshared);
  assert.equal(r.saved_bytes, e.unshared - e.shared);
  assert.equal(r.saved_ratio, (e.unshared - e.shared) / e.unshared);
  assert.equal(r.minor_faults, e.minor);
  assert.equal(r.unshared_minor_faults, e.unsharedMinor);
  assert.equal(r.baseline_pte_bytes, e.basePte);
  assert.equal(r.baseline_pte_pmd_pud_bytes, e.basePteUpper);
  assert.deepEqual(r.accesses, { present: (clients - 1) * e.pages, minor_fault: e.pages, sigsegv: 0, sigbus: 0 });
  // The embedded broker holds nothing else: its system-wide figures are ours.
  assert.equal(r.system_pagetable_bytes, r.pagetable_bytes);
  assert.equal(r.system_unshared_pagetable_bytes, r.unshared_pagetable_bytes);
}

describe('load test runner (runScenario, real gRPC, embedded broker)', function () {
  this.timeout(120_000);

  it('50 clients x 8 GiB, every page: figures equal the closed form', async () => {
    const r = await runScenario({ clients: 50, workers: 5, sgaBytes: 8 * GiB });
    assertClosedForm(r, 50, 8 * GiB);
    assert.equal(r.pagetable_bytes, 17_027_072); // (4096 + 8 + 1 + 1 + 51) pages
    assert.deepEqual([r.pattern, r.geometry, r.sharing, r.broker, r.workers], ['sequential', 'x86_64-4level', true, 'embedded', 5]);
  });

  it('capacity: clients whose tables fit in machine - SGA, from the measured fixed and per-client bytes', async () => {
    const machine = 16 * GiB;
    const r = await runScenario({ clients: 10, workers: 3, sgaBytes: 8 * GiB, machineMemoryBytes: machine });
    const e = closedForm(10, 8 * GiB);
    const room = machine - 8 * GiB;
    // With sharing: fixed = host tables + the donor's PGD; each client adds its PGD.
    assert.deepEqual(r.capacity.with_sharing, {
      fixed_bytes: e.host + PAGE, per_client_bytes: PAGE, clients: Math.floor((room - e.host - PAGE) / PAGE), fits: true,
    });
    // Without: fixed = the donor's PGD; each client holds the whole table tree and its PGD.
    const perClient = e.host; // T + 1 pages
    assert.deepEqual(r.capacity.without_sharing, {
      fixed_bytes: PAGE, per_client_bytes: perClient, clients: Math.floor((room - PAGE) / perClient), fits: true,
    });
    assert.equal(r.capacity.available_bytes, room);
    assert.equal(capacity(GiB, 2 * GiB, 0, PAGE, 1).clients, 0, 'an SGA larger than the machine leaves room for none');
  });

  it('without sharing (--no-sharing): the actual figures are the unshared ones', async () => {
    const r = await runScenario({ clients: 6, workers: 2, sgaBytes: GiB, sharing: false });
    const e = closedForm(6, GiB);
    assert.equal(r.sharing, false);
    assert.equal(r.host_pagetable_bytes, 0);
    assert.equal(r.pagetable_bytes, e.unshared);
    assert.equal(r.unshared_pagetable_bytes, e.unshared);
    assert.equal(r.saved_bytes, 0);
    assert.equal(r.minor_faults, e.unsharedMinor);
  });

  it('5-level geometry: one more table level per mm (P4D), the window at 256 TiB', async () => {
    const r = await runScenario({ clients: 4, workers: 2, sgaBytes: GiB, geometry: 'x86_64-5level' });
    const e = closedForm(4, GiB);
    // A 5-level mm holds a P4D table under its PGD for the window: the host, and each client's
    // counterfactual; a client's own tables stop at its PGD (the link level).
    assert.equal(r.geometry, 'x86_64-5level');
    assert.equal(r.pagetable_bytes, e.shared + PAGE);
    assert.equal(r.unshared_pagetable_bytes, e.unshared + 4 * PAGE);
    assert.equal(r.minor_faults, e.minor);
  });

  it('sparse and hotset runs report their accesses and stay consistent with the broker', async () => {
    const sparse = await runScenario({ clients: 8, workers: 2, sgaBytes: GiB, pattern: 'sparse', sparseFraction: 0.001 });
    assert.equal(sparse.accesses.present + sparse.accesses.minor_fault, 8 * Math.round(0.001 * GiB / PAGE));
    assert.equal(sparse.system_pagetable_bytes, sparse.pagetable_bytes);
    assert.ok(sparse.pagetable_bytes < closedForm(8, GiB).shared);
    const hot = await runScenario({ clients: 4, workers: 2, sgaBytes: GiB, pattern: 'hotset', hotsetAccesses: 3000, hotsetRate: 1e6, durationS: 20 });
    assert.equal(hot.accesses.present + hot.accesses.minor_fault, 2 * 3000);
    assert.equal(hot.minor_faults, hot.accesses.minor_fault);
  });

  it('--broker: against a running broker with other tenants, the figures are the run\'s own', async () => {
    const t = await startBroker();
    try {
      const other = await t.client.spawn({ uid: 1, gid: 1 });
      const addr = await t.client.mmap(other, 0n, 1n << 30n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
      await t.client.touch(other, addr, 1n << 30n, 'write');
      const r = await runScenario({ clients: 5, workers: 2, sgaBytes: GiB, broker: t.grpcAddress });
      const e = closedForm(5, GiB);
      assert.equal(r.broker, t.grpcAddress);
      assert.match(r.region, /^loadtest-/);
      assert.equal(r.pagetable_bytes, e.shared);
      assert.equal(r.unshared_pagetable_bytes, e.unshared);
      assert.equal(r.minor_faults, e.minor);
      assert.ok(r.system_pagetable_bytes > r.pagetable_bytes, 'the broker also holds the other tenant');
      assert.equal((await t.client.accounting()).processes, 1, 'the run leaves only the other tenant');
      assert.deepEqual(await t.client.listRegions(), []);
    } finally {
      await t.stop();
    }
  });

  it('spreads clients over workers: the first (clients mod workers) get one more', () => {
    assert.deepEqual(split(1500, 15), Array(15).fill(100));
    assert.deepEqual(split(10, 4), [3, 3, 2, 2]);
    assert.deepEqual(split(2, 15), [1, 1]);
  });

  it("the seed's field case, 1500 clients x 300 GiB, every page (asserted once in the suite)", async () => {
    const r = await runScenario({});
    assertClosedForm(r, 1500, 300 * GiB);
    assert.equal(r.baseline_pte_bytes, 943_718_400_000); // the RFC's 878.9 GiB
    assert.equal(r.capacity.without_sharing.fits, false);
    assert.equal(r.capacity.with_sharing.fits, true);
    // The 512 GiB machine: with mshare every client runs; without, it falls over where the
    // capacity estimate says, and each later client's touch kills the newest completed one.
    assert.deepEqual(r.oom, { kills: 0, first_kill_at_clients: null, clients_completed: 1500, clients_killed: 0, panicked: false });
    assert.equal(r.capacity.without_sharing.clients, 361);
    assert.deepEqual(r.oom_unshared, {
      kills: 1139, first_kill_at_clients: r.capacity.without_sharing.clients, clients_completed: 361, clients_killed: 1139, panicked: false,
    });
  });

  // The closed form through gRPC: a 9 GiB machine, an 8 GiB SGA, 100 clients in one
  // worker, base cost 0. The donor spawns, maps and shares; the clients spawn and attach; then
  // their touches run (the broker runs each whole, one at a time). Without sharing each client
  // needs 4,105 table pages beside the 101 PGDs: floor((1 GiB - 101 x 4 KiB) / 16,814,080) = 63 fit.
  it('9 GiB machine, 8 GiB SGA, 100 clients: 63 complete without sharing, all 100 with mshare', async () => {
    const r = await runScenario({ clients: 100, workers: 1, sgaBytes: 8 * GiB, machineMemoryBytes: 9 * GiB });
    assert.equal(Math.floor((GiB - 101 * PAGE) / (4105 * PAGE)), 63);
    assert.deepEqual(r.oom, { kills: 0, first_kill_at_clients: null, clients_completed: 100, clients_killed: 0, panicked: false });
    assert.deepEqual(r.oom_unshared, { kills: 37, first_kill_at_clients: 63, clients_completed: 63, clients_killed: 37, panicked: false });
    assert.equal(r.capacity.without_sharing.clients, 63);
    assertClosedForm(r, 100, 8 * GiB); // the figures still come from the mshare run
  });
});
