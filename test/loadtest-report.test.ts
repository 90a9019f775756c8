// buildReport (services/loadtest/report.ts) without gRPC: the saving and capacity arithmetic
// against values worked out by hand here, for the seed's field case and for edge cases.
import assert from 'node:assert/strict';
import { buildReport, capacity, type ReportInputs } from '../services/loadtest/report.js';
import type { UsageFigures } from '../services/worker/worker.js';

const PAGE = 4096;
const GiB = 2 ** 30;

/**
 * The field case as a run reads it back, 1500 clients x 300 GiB, every page touched:
 * the region's host holds 153,600 PTE + 300 PMD + 1 PUD tables and its PGD = 153,902 pages
 * (630,382,592 bytes); each client holds its PGD only, and would hold 153,901 tables + its PGD
 * (630,382,592 bytes) unshared; the donor's creator holds its PGD either way. The clients are
 * spread over 15 workers of 100, the creator in the donor's worker.
 */
const HOST = 153_902 * PAGE;
const figures = (processes: number, pagetableBytes: number, unsharedPagetableBytes: number, minorFaults: number, unsharedMinorFaults: number): UsageFigures =>
  ({ processes, pagetableBytes, unsharedPagetableBytes, minorFaults, unsharedMinorFaults });
const NONE = figures(0, 0, 0, 0, 0);
const PAGES = 300 * GiB / PAGE; // 78,643,200

function fieldCase(): ReportInputs {
  const clientWorker = (first: boolean) => ({
    // The first worker's first client faults every page in; the others find them present.
    pattern: figures(100, 100 * PAGE, 100 * HOST, first ? PAGES : 0, 100 * PAGES),
    creator: NONE,
  });
  return {
    clients: 1500, workers: 15, sgaBytes: 300 * GiB, pattern: 'sequential', machineMemoryBytes: 512 * GiB,
    processBaseBytes: 0, machineLimited: true,
    oom: { kills: 0, first_kill_at_clients: null, clients_completed: 1500, clients_killed: 0, panicked: false },
    oomUnshared: { kills: 1139, first_kill_at_clients: 361, clients_completed: 361, clients_killed: 1139, panicked: false },
    geometry: { name: 'x86_64-4level', sharing: true }, broker: 'embedded', region: 'sga',
    usage: [
      { pattern: NONE, creator: figures(1, PAGE, PAGE, 0, 0) },
      ...Array.from({ length: 15 }, (_, i) => clientWorker(i === 0)),
    ],
    hostPagetableBytes: HOST,
    accesses: { present: 1499 * PAGES, minorFault: PAGES, sigsegv: 0, sigbus: 0 },
    system: { pagetableBytes: 1, unsharedPagetableBytes: 2 },
    seconds: { setup: 1.5, run: 0.5, wall: 2.25 },
  };
}

describe('load test report (buildReport, pure)', () => {
  it("the seed's field case: the README's figures, from the run's figures", () => {
    const r = buildReport(fieldCase());
    assert.equal(r.processes, 1501);
    // 1500 clients' PGDs + the creator's PGD + the host's tables and PGD.
    assert.equal(r.pagetable_bytes, 636_530_688);
    // 1500 x 630,382,592 + the creator's PGD.
    assert.equal(r.unshared_pagetable_bytes, 945_573_892_096);
    assert.equal(r.saved_bytes, 944_937_361_408);
    assert.equal(r.saved_ratio, 944_937_361_408 / 945_573_892_096);
    assert.equal(r.host_pagetable_bytes, 630_382_592);
    assert.equal(r.baseline_pte_bytes, 943_718_400_000);
    assert.equal(r.baseline_pte_pmd_pud_bytes, 945_567_744_000); // + 1500 x (300 PMD + 1 PUD) x 4 KiB
    assert.equal(r.minor_faults, 78_643_200);
    assert.equal(r.unshared_minor_faults, 117_964_800_000);
    assert.deepEqual(r.accesses, { present: 117_886_156_800, minor_fault: 78_643_200, sigsegv: 0, sigbus: 0 });
    // 512 GiB - 300 GiB = 212 GiB = 227,633,266,688 bytes beside the SGA.
    // With sharing: fixed = host + the creator's PGD = 630,386,688; each client adds 4096:
    // floor((227,633,266,688 - 630,386,688) / 4096) = floor(227,002,880,000 / 4096) = 55,420,625.
    // Without: fixed = 4096; each client 630,382,592: floor(227,633,262,592 / 630,382,592) = 361.
    assert.deepEqual(r.capacity, {
      machine_memory_bytes: 549_755_813_888,
      process_base_bytes: 0,
      available_bytes: 227_633_266_688,
      with_sharing: { fixed_bytes: 630_386_688, per_client_bytes: 4096, clients: 55_420_625, fits: true },
      without_sharing: { fixed_bytes: 4096, per_client_bytes: 630_382_592, clients: 361, fits: false },
    });
    assert.deepEqual(
      [r.clients, r.workers, r.sga_bytes, r.pattern, r.geometry, r.sharing, r.broker, r.region],
      [1500, 15, 322_122_547_200, 'sequential', 'x86_64-4level', true, 'embedded', 'sga'],
    );
    assert.deepEqual(
      [r.system_pagetable_bytes, r.system_unshared_pagetable_bytes, r.setup_seconds, r.run_seconds, r.wall_seconds],
      [1, 2, 1.5, 0.5, 2.25],
    );
  });

  it('without sharing: no host tables, nothing saved, the per-client figure the same both ways', () => {
    // 6 clients x 1 GiB: each holds 512 PTE + 1 PMD + 1 PUD tables and its PGD (515 pages) either
    // way; the creator its PGD.
    const perClient = 515 * PAGE;
    const r = buildReport({
      ...fieldCase(), clients: 6, workers: 2, sgaBytes: GiB, machineMemoryBytes: 4 * GiB,
      geometry: { name: 'x86_64-4level', sharing: false },
      usage: [
        { pattern: NONE, creator: figures(1, PAGE, PAGE, 0, 0) },
        { pattern: figures(3, 3 * perClient, 3 * perClient, 3 * 262_144, 3 * 262_144), creator: NONE },
        { pattern: figures(3, 3 * perClient, 3 * perClient, 3 * 262_144, 3 * 262_144), creator: NONE },
      ],
      hostPagetableBytes: 0,
    });
    assert.equal(r.pagetable_bytes, 6 * perClient + PAGE);
    assert.equal(r.unshared_pagetable_bytes, r.pagetable_bytes);
    assert.deepEqual([r.saved_bytes, r.saved_ratio, r.sharing], [0, 0, false]);
    // 3 GiB beside the SGA: floor((3,221,225,472 - 4096) / 2,109,440) = 1527 either way.
    const expected = { fixed_bytes: PAGE, per_client_bytes: perClient, clients: 1527, fits: true };
    assert.deepEqual(r.capacity.with_sharing, expected);
    assert.deepEqual(r.capacity.without_sharing, expected);
  });

  it('a negative saving (hosts outweigh what they save) and an empty run (ratio 0)', () => {
    const one = buildReport({
      ...fieldCase(), clients: 1, workers: 1,
      usage: [{ pattern: figures(1, PAGE, 2 * PAGE, 1, 1), creator: figures(1, PAGE, PAGE, 0, 0) }],
      hostPagetableBytes: 3 * PAGE,
    });
    assert.deepEqual([one.pagetable_bytes, one.unshared_pagetable_bytes, one.saved_bytes], [5 * PAGE, 3 * PAGE, -2 * PAGE]);
    assert.equal(one.saved_ratio, -2 / 3);
    const empty = buildReport({ ...fieldCase(), usage: [], hostPagetableBytes: 0 });
    assert.deepEqual([empty.unshared_pagetable_bytes, empty.saved_ratio, empty.processes], [0, 0, 0]);
  });

  it('capacity: nothing fits when the SGA or the fixed tables exceed the machine; no per-client cost fits any', () => {
    assert.deepEqual(capacity(GiB, 2 * GiB, 0, PAGE, 1), { fixed_bytes: 0, per_client_bytes: PAGE, clients: 0, fits: false });
    assert.equal(capacity(4 * GiB, 2 * GiB, 2 * GiB + 1, PAGE, 1).clients, 0);
    assert.equal(capacity(4 * GiB, 2 * GiB, 2 * GiB, PAGE, 0).clients, 0, 'exactly full: room for none more');
    assert.equal(capacity(4 * GiB, 2 * GiB, 0, 0, 10).clients, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(capacity(4 * GiB, 2 * GiB, PAGE, 3 * PAGE, 174_762), {
      fixed_bytes: PAGE, per_client_bytes: 3 * PAGE, clients: 174_762, fits: true, // floor((2 GiB - 4 KiB) / 12 KiB)
    });
  });

  it('leaves its inputs as they were', () => {
    const inputs = fieldCase();
    const copy = structuredClone(inputs);
    buildReport(inputs);
    assert.deepEqual(inputs, copy);
  });
});
