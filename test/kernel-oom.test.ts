// Machine memory and the OOM killer (issue 10): the closed-form case, kills, ESRCH, panic, hugetlb.
import { strict as assert } from 'node:assert';
import {
  Kernel, KernelError, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ,
  PROT_WRITE, type ErrnoName,
} from '../shared/kernel/index.js';
import { packPages } from '../shared/addresses.js';
import { countPresent } from '../shared/kernel/pagetable/range.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const PAGE = 4 * KiB;
const RW = PROT_READ | PROT_WRITE;
const WINDOW = 2n * 2n ** 40n; // 2 TiB: PGDIR-aligned

function throwsErrno(fn: () => unknown, errno: ErrnoName): void {
  assert.throws(fn, (e: unknown) => e instanceof KernelError && e.errno === errno, `expected ${errno}`);
}

/** The donor (pid 1) maps an SGA of `sga` bytes at 2 TiB and shares it as 'sga' over one PGD entry. */
function field(k: Kernel, sga: number, clients: number): number[] {
  const donor = k.spawn({ uid: 1000, gid: 100, comm: 'donor' });
  k.mmap(donor, WINDOW, BigInt(sga), RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  k.mshare(donor, 'sga', WINDOW, 512n * 2n ** 30n, O_CREAT | O_EXCL | O_RDWR, 0o600);
  const pids: number[] = [];
  for (let i = 0; i < clients; i++) {
    const pid = k.spawn({ uid: 1000, gid: 100, comm: `client-${i}` });
    k.mshare(pid, 'sga', WINDOW, 512n * 2n ** 30n, O_RDWR, 0);
    pids.push(pid);
  }
  return pids;
}

/** Touches the SGA with each client in turn (one request in flight); the pids whose touch finished. */
function runClients(k: Kernel, pids: number[], sga: number): { completed: number[]; failed: number[] } {
  const completed: number[] = [];
  const failed: number[] = [];
  for (const pid of pids) {
    try {
      k.touch(pid, WINDOW, BigInt(sga), 'write');
      completed.push(pid);
    } catch (err) {
      if (!(err instanceof KernelError && err.errno === 'ESRCH')) throw err;
      failed.push(pid);
    }
  }
  return { completed, failed };
}

/** memory's page counts equal what the tables hold. */
function assertWhole(k: Kernel): void {
  const m = k.memory;
  const tables = m.pages.reduce((a, b) => a + b, 0);
  assert.equal(m.tablePages, tables, 'table pages = the ledger');
  const kinds = m.byKind();
  assert.equal(m.used, kinds.pagetables + kinds.shared + kinds.private + kinds.base + kinds.hugetlb, 'used = the kinds');
  assert.ok(m.used <= m.limitBytes, 'within the machine');
}

/** The process's and the kernel's exact counters: `faults` minor faults (the counterfactual's too), and `also`. */
function assertFaultsCounted(k: Kernel, pid: number, faults: number, also: { present?: bigint; synced?: bigint }): void {
  for (const c of [k.exactCounters(pid), k.exactCounters()]) {
    assert.equal(c.minorFault, BigInt(faults));
    assert.equal(c.unsharedMinorFaults, BigInt(faults));
    for (const [key, value] of Object.entries(also)) assert.equal(c[key as keyof typeof also], value, key);
  }
}

describe('machine memory and the OOM killer', () => {
  // The closed form: 9 GiB machine, 8 GiB SGA, 100 clients, base cost 0. Order: the donor
  // (pid 1) spawns, maps and shares; clients 2..101 spawn and attach; then each client in pid order
  // touches the whole SGA (write), one touch at a time.
  it('without sharing: 63 clients complete, the 64th touch kills the newest completed (client 63)', () => {
    const sga = 8 * GiB;
    const k = new Kernel({ sharing: false, machineMemoryBytes: 9 * GiB });
    const pids = field(k, sga, 100);
    const perClient = 4105 * PAGE;
    assert.equal(perClient, 16_814_080);
    const fit = Math.floor((GiB - 101 * PAGE) / perClient);
    assert.equal(fit, 63);
    let firstKill: { victim: number; allocating: number; completedBefore: number } | undefined;
    let completedSoFar = 0;
    k.onOomKill((e) => {
      firstKill ??= { victim: e.pid, allocating: e.allocatingPid, completedBefore: completedSoFar };
    });
    const completed: number[] = [];
    for (const pid of pids) {
      k.touch(pid, WINDOW, BigInt(sga), 'write');
      completed.push(pid);
      completedSoFar++;
    }
    assert.deepEqual(firstKill, { victim: pids[62], allocating: pids[63], completedBefore: 63 });
    // Each later client's touch kills the one before it: 37 kills, 63 clients alive at the end.
    assert.equal(k.oomEvents.length, 37);
    const alive = pids.filter((p) => k.hasProcess(p));
    assert.equal(alive.length, 63);
    assert.deepEqual(alive, [...pids.slice(0, 62), pids[99]]);
    const e = k.oomEvents[0];
    assert.equal(e.residentBytes, sga, 'get_mm_rss counts the shared-memory pages it maps');
    assert.equal(e.pagetableBytes, 4105 * PAGE, 'mm_pgtables_bytes: PTE + PMD + PUD (4096 + 8 + 1; the PGD excluded)');
    // The victims' private tables are freed exactly: 63 clients' tables and 64 PGDs remain.
    const m = k.memory;
    assert.equal(m.tablePages, 63 * 4105 + 0 * 1);
    assert.deepEqual(m.byKind(), { pagetables: (63 * 4105 + 64) * PAGE, shared: sga, private: 0, base: 0, hugetlb: 0 });
    assert.equal(k.panicked, false);
    assertWhole(k);
  });

  it('with mshare: all 100 clients complete, no kill', () => {
    const sga = 8 * GiB;
    const k = new Kernel({ sharing: true, machineMemoryBytes: 9 * GiB });
    const pids = field(k, sga, 100);
    const { completed } = runClients(k, pids, sga);
    assert.equal(completed.length, 100);
    assert.equal(k.oomEvents.length, 0);
    // One host's tables (PTE + PMD + PUD for 8 GiB) and 102 PGDs (101 processes + the host).
    assert.deepEqual(k.memory.byKind(), { pagetables: (4105 + 102) * PAGE, shared: sga, private: 0, base: 0, hugetlb: 0 });
    assertWhole(k);
  });

  // Private mappings on a 64 MiB machine: pid 1 (init, never chosen) spawns first, then A, then B;
  // A touches first, then B.
  const PRIVATE = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
  function twoProcesses(adjB: number) {
    const k = new Kernel({ machineMemoryBytes: 64 * MiB, now: () => 42n });
    const init = k.spawn({ uid: 0, gid: 0, comm: 'init' });
    const a = k.spawn({ uid: 1, gid: 1, comm: 'a' });
    const b = k.spawn({ uid: 2, gid: 2, comm: 'b', oomScoreAdj: adjB });
    const at = k.mmap(a, 1n << 30n, 40n * BigInt(MiB), RW, PRIVATE);
    const bt = k.mmap(b, 2n << 30n, 32n * BigInt(MiB), RW, PRIVATE);
    k.touch(a, at, 40n * BigInt(MiB), 'write');
    return { k, init, a, b, bt };
  }

  it('kills the process with the highest badness and retries: the caller goes on', () => {
    const { k, init, a, b, bt } = twoProcesses(0);
    const counts = k.touch(b, bt, 32n * BigInt(MiB), 'write');
    assert.equal(counts.minorFault, 8192);
    assert.equal(k.hasProcess(a), false);
    assert.deepEqual(k.pids(), [init, b]);
    assert.deepEqual(k.oomEvents, [{
      pid: a, comm: 'a', uid: 1, residentBytes: 40 * MiB, pagetableBytes: (20 + 1 + 1) * PAGE, unixTimeNs: 42n, allocatingPid: b,
    }]);
    assert.deepEqual(k.memory.byKind(), { pagetables: (16 + 2 + 2) * PAGE, shared: 0, private: 32 * MiB, base: 0, hugetlb: 0 });
    assertWhole(k);
  });

  it('an OOM kill in the middle of a batch: its listeners see the caller\'s faults made so far', () => {
    // The load test's first-kill figure counts the clients that have faulted when the first kill
    // comes: a batch's faults are counted as they happen, not when the batch ends.
    const { k, b, bt } = twoProcesses(0);
    const seen: { minorFaults: number; unsharedMinorFaults: number; present: number }[] = [];
    k.onOomKill(() => {
      const s = k.procStatus(b);
      seen.push({ minorFaults: s.minorFaults, unsharedMinorFaults: s.unsharedMinorFaults, present: Number(k.exactCounters(b).present) });
    });
    const first = Number(bt / 4096n);
    // 8192 fresh pages, each read again right after its fault (a present access).
    const counts = k.accessBatch(b, 'write', packPages(2 * 8192, (i) => first + (i >> 1)));
    assert.deepEqual(counts, { present: 8192, minorFault: 8192, sigsegv: 0, sigbus: 0, synced: 0 });
    assert.equal(seen.length, 1);
    // The kill came part-way through: the faults before it are counted, the fault that needed
    // the room is not yet (it has not happened); the present accesses are added when the batch ends.
    assert.ok(seen[0].minorFaults > 0 && seen[0].minorFaults < 8192, `${seen[0].minorFaults}`);
    assert.equal(seen[0].unsharedMinorFaults, seen[0].minorFaults);
    assert.equal(seen[0].present, 0);
    const after = k.procStatus(b);
    assert.deepEqual([after.minorFaults, after.unsharedMinorFaults, Number(k.exactCounters(b).present)], [8192, 8192, 8192]);
  });

  it('a caller that is itself the victim (oom_score_adj 1000) answers ESRCH and exits', () => {
    const { k, init, a, b, bt } = twoProcesses(1000);
    throwsErrno(() => k.touch(b, bt, 32n * BigInt(MiB), 'write'), 'ESRCH');
    assert.deepEqual(k.pids(), [init, a]);
    assert.equal(k.oomEvents.length, 1);
    assert.equal(k.oomEvents[0].pid, b);
    assert.equal(k.oomEvents[0].allocatingPid, b);
    // The machine's counts keep the faults the killed touch made: A's 40 MiB and B's up to the kill.
    assert.equal(k.exactCounters().minorFault, BigInt(40 * MiB + k.oomEvents[0].residentBytes) / 4096n);
    throwsErrno(() => k.procStatus(b), 'ESRCH');
    assert.deepEqual(k.memory.byKind(), { pagetables: (20 + 2 + 2) * PAGE, shared: 0, private: 40 * MiB, base: 0, hugetlb: 0 });
    assertWhole(k);
  });

  /** An 8 MiB machine (or `k`): init, and P (oom_score_adj -1000) with 16 MiB mapped: nothing to kill. */
  function nothingKillable(k = new Kernel({ machineMemoryBytes: 8 * MiB })) {
    k.spawn({ uid: 0, gid: 0, comm: 'init' });
    const p = k.spawn({ uid: 1, gid: 1, comm: 'p', oomScoreAdj: -1000 });
    const at = k.mmap(p, 1n << 30n, 16n * BigInt(MiB), RW, PRIVATE);
    return { k, p, at };
  }

  /** A 64 MiB machine (or `k`): init, a donor sharing an SGA of `bytes` at 2 TiB, a client attached; nothing to kill. */
  function nothingKillableSga(bytes: number, k = new Kernel({ machineMemoryBytes: 64 * MiB }), clientAdj = -1000) {
    k.spawn({ uid: 0, gid: 0, comm: 'init' });
    const donor = k.spawn({ uid: 1, gid: 1, comm: 'donor', oomScoreAdj: -1000 });
    k.mmap(donor, WINDOW, BigInt(bytes), RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mshare(donor, 'sga', WINDOW, 512n * 2n ** 30n, O_CREAT | O_EXCL | O_RDWR, 0o600);
    const c = k.spawn({ uid: 1, gid: 1, comm: 'c', oomScoreAdj: clientAdj });
    k.mshare(c, 'sga', WINDOW, 512n * 2n ** 30n, O_RDWR, 0);
    return { k, donor, c };
  }

  it('nothing killable: the machine panics mid-touch, the state stays whole, then every allocation is ENOMEM', () => {
    // pid 1 and a process with oom_score_adj -1000 are never chosen. Order: init, then P touches
    // 16 MiB on an 8 MiB machine.
    const { k, p, at } = nothingKillable();
    throwsErrno(() => k.touch(p, at, 16n * BigInt(MiB), 'write'), 'ENOMEM');
    assert.equal(k.panicked, true);
    assert.equal(k.oomEvents.length, 0);
    const status = k.procStatus(p);
    // The pages before the refusal are populated and counted, nothing after, no table half-made:
    // 8 MiB = 2048 pages = 2 PGDs + PMD + PUD + n PTE tables + the pages they map.
    const present = countPresent((k as unknown as { processes: Map<number, { mm: { tree: Parameters<typeof countPresent>[0] } }> })
      .processes.get(p)!.mm.tree, 0, 2 ** 40);
    assert.equal(k.memory.privatePages, present);
    assert.equal(k.memory.tablePages, status.tables.pte + status.tables.pmd + status.tables.pud);
    assert.equal(status.tables.pte, Math.ceil(present / 512));
    assert.equal(k.memory.used, k.memory.limitBytes - PAGE * (2048 - 2 - 2 - status.tables.pte - present),
      'refused exactly at the page that did not fit');
    assert.ok(2048 - 4 - status.tables.pte - present < 2, 'no room left for one more page');
    assertWhole(k);
    throwsErrno(() => k.spawn({ uid: 1, gid: 1 }), 'ENOMEM');
    throwsErrno(() => k.access(p, at + 16n * BigInt(MiB) - 4096n, 'write'), 'ENOMEM');
    assert.equal(k.access(p, at, 'read').outcome, 'present', 'no allocation: still answered');
  });

  it('a batch the machine refuses part-way counts the accesses it made, in the process and the kernel', () => {
    // The batch path counts in locals and adds them once at its end: an ENOMEM in the middle must
    // still add what was done before it (the pages populated are the faults counted).
    const { k, p, at } = nothingKillable();
    const first = Number(at / 4096n);
    // Every page of the mapping once, then a page below it (no VMA: SIGSEGV) first of all.
    const addrs = packPages(1 + 4096, (i) => (i === 0 ? first - 1 : first + i - 1));
    throwsErrno(() => k.accessBatch(p, 'write', addrs), 'ENOMEM');
    const faulted = k.memory.privatePages;
    assert.ok(faulted > 1000 && faulted < 2048, `faulted ${faulted}`);
    for (const c of [k.exactCounters(p), k.exactCounters()]) {
      assert.equal(c.minorFault, BigInt(faulted));
      assert.equal(c.unsharedMinorFaults, BigInt(faulted));
      assert.equal(c.sigsegv, 1n);
      assert.equal(c.present, 0n);
    }
    // And a batch that completes adds to them: every page faulted so far is present now.
    const again = k.accessBatch(p, 'read', packPages(faulted, (i) => first + i));
    assert.deepEqual(again, { present: faulted, minorFault: 0, sigsegv: 0, sigbus: 0, synced: 0 });
    assert.equal(k.exactCounters(p).present, BigInt(faulted));
    assert.equal(k.exactCounters().present, BigInt(faulted));
  });

  it('a touch the machine refuses part-way counts the pages it faulted, in the process and the kernel', () => {
    // A touch fills table by table and adds its counts when it ends: an ENOMEM in the middle must
    // still add the faults made before it, as a batch does.
    const { k, p, at } = nothingKillable();
    throwsErrno(() => k.touch(p, at, 16n * BigInt(MiB), 'write'), 'ENOMEM');
    const faulted = k.memory.privatePages;
    assert.ok(faulted > 1000 && faulted < 2048, `faulted ${faulted}`);
    assertFaultsCounted(k, p, faulted, { present: 0n });
  });

  // A touch cut short must give the figures of the same accesses made one by one (a batch): the
  // same counts in the process and the kernel, the same memory, the same tables.
  const cutShort: [string, (k: Kernel) => { pid: number; at: bigint; bytes: bigint }, string?][] = [
    ['private pages', (k) => ({ pid: nothingKillable(k).p, at: 1n << 30n, bytes: 16n * BigInt(MiB) })],
    ['an mshare window', (k) => ({ pid: nothingKillableSga(128 * MiB, k).c, at: WINDOW, bytes: 128n * BigInt(MiB) })],
    ['a ptshare window', (k) => ({ pid: nothingKillableSga(128 * MiB, k).c, at: WINDOW, bytes: 128n * BigInt(MiB) }), 'ptshare'],
    ['THP', (k) => ({ pid: nothingKillable(k).p, at: 1n << 30n, bytes: 16n * BigInt(MiB) }), 'thp'],
    ['THP, a mapping not 2 MiB-aligned', (k) => {
      const { p } = nothingKillable(k);
      const at = (1n << 31n) + BigInt(MiB); // 1 MiB past a 2 MiB boundary: its first MiB is 4 KiB pages
      k.mmap(p, at, 15n * BigInt(MiB), RW, PRIVATE);
      k.setMachineMemory(k.memory.used + 64 * PAGE); // refused within that first MiB
      return { pid: p, at, bytes: 15n * BigInt(MiB) };
    }, 'thp'],
    ['a ptshare window, refused in its first slot', (k) => {
      const { c } = nothingKillableSga(128 * MiB, k);
      k.setMachineMemory(k.memory.used + 5 * PAGE); // the client's own PUD and PMD tables need 2
      return { pid: c, at: WINDOW, bytes: 128n * BigInt(MiB) };
    }, 'ptshare'],
    ['a THP window, a whole GiB of it', (k) => {
      const { c } = nothingKillableSga(GiB, k);
      const first = Number(WINDOW / 4096n);
      k.accessBatch(c, 'write', packPages(2, (i) => first + 512 * 3 * i)); // 2 of its 512 huge pages
      k.setMachineMemory(k.memory.used + 5 * 2 * MiB + 8 * PAGE); // room for 5 more, and tables
      return { pid: c, at: WINDOW, bytes: BigInt(GiB) };
    }, 'thp'],
  ];
  for (const [what, setup, scheme] of cutShort) {
    it(`a touch the machine refuses part-way counts what a batch of the same accesses counts (${what})`, () => {
      const run = (how: 'touch' | 'batch') => {
        const k = new Kernel({ machineMemoryBytes: 8 * MiB, scheme });
        const { pid, at, bytes } = setup(k);
        const first = Number(at / 4096n);
        throwsErrno(() => (how === 'touch' ? k.touch(pid, at, bytes, 'write')
          : k.accessBatch(pid, 'write', packPages(Number(bytes / 4096n), (i) => first + i))), 'ENOMEM');
        assertWhole(k);
        return { process: k.exactCounters(pid), kernel: k.exactCounters(), memory: k.memory.byKind(), tables: k.procStatus(pid).tables };
      };
      const touch = run('touch');
      assert.ok(touch.process.minorFault > 0n, 'faulted before the refusal');
      assert.equal(touch.process.unsharedMinorFaults >= touch.process.minorFault, true);
      assert.deepEqual(touch, run('batch'));
    });
  }

  for (const scheme of ['mshare', 'ptshare']) {
    it(`a touch whose caller the OOM killer takes adds to the machine's counts what a batch does (${scheme})`, () => {
      const run = (how: 'touch' | 'batch') => {
        const k = new Kernel({ machineMemoryBytes: 64 * MiB, scheme });
        const { c } = nothingKillableSga(128 * MiB, k, 1000);
        k.setMachineMemory(k.memory.used + 300 * PAGE);
        const first = Number(WINDOW / 4096n);
        throwsErrno(() => (how === 'touch' ? k.touch(c, WINDOW, 128n * BigInt(MiB), 'write')
          : k.accessBatch(c, 'write', packPages(32768, (i) => first + i))), 'ESRCH');
        assertWhole(k);
        return { kernel: k.exactCounters(), memory: k.memory.byKind(), kills: k.oomEvents.map((e) => e.pid) };
      };
      const touch = run('touch');
      assert.ok(touch.kernel.minorFault > 0n && touch.kills.length === 1);
      assert.deepEqual(touch, run('batch'));
    });
  }

  for (const how of ['access', 'batch'] as const) {
    it(`a link entry copied before a fault the full machine refuses is counted (${how})`, () => {
      // find_shared_vma copies the entry first; the fault after it is refused (nothing killable):
      // the copy happened, and is counted, though the call answers ENOMEM.
      const { k, donor, c } = nothingKillableSga(8 * MiB);
      k.access(donor, WINDOW, 'write');
      k.setMachineMemory(k.memory.used);
      const addr = WINDOW + 4096n;
      throwsErrno(() => (how === 'access' ? k.access(c, addr, 'write') : k.accessBatch(c, 'write', packPages(1, () => Number(addr / 4096n)))), 'ENOMEM');
      assert.equal(k.exactCounters(c).synced, 1n);
      assert.equal(k.exactCounters().synced, 1n);
      assert.equal(k.exactCounters().minorFault, 1n, 'the donor\'s fault only');
    });
  }

  it('hugetlb: beyond the machine is ENOMEM with nothing changed', () => {
    const k = new Kernel({ machineMemoryBytes: 64 * MiB });
    k.spawn({ uid: 0, gid: 0 });
    k.memory.reserveHugetlb(32 * MiB);
    const before = k.memory.byKind();
    assert.equal(before.hugetlb, 32 * MiB);
    throwsErrno(() => k.memory.reserveHugetlb(32 * MiB), 'ENOMEM');
    assert.deepEqual(k.memory.byKind(), before);
    assert.equal(k.oomEvents.length, 0, 'no kill for hugetlb');
    k.memory.unreserveHugetlb(32 * MiB);
    assert.equal(k.memory.byKind().hugetlb, 0);
  });

  it('charges the process base cost at spawn and gives it back at exit', () => {
    const k = new Kernel({ machineMemoryBytes: 64 * MiB, processBaseBytes: 10 * MiB });
    const pids = [1, 2, 3, 4, 5, 6].map(() => k.spawn({ uid: 0, gid: 0 }));
    assert.equal(k.memory.byKind().base, 60 * MiB);
    // The 7th does not fit: the newest (all tie) is killed to make room.
    const seventh = k.spawn({ uid: 0, gid: 0 });
    assert.equal(k.oomEvents[0].pid, pids[5]);
    assert.equal(k.oomEvents[0].allocatingPid, 0);
    assert.equal(k.hasProcess(seventh), true);
    k.exit(seventh);
    assert.deepEqual(k.memory.byKind(), { pagetables: 5 * PAGE, shared: 0, private: 0, base: 50 * MiB, hugetlb: 0 });
  });

  it('refuses an oom_score_adj outside [-1000, 1000]', () => {
    const k = new Kernel();
    throwsErrno(() => k.spawn({ uid: 0, gid: 0, oomScoreAdj: 1001 }), 'EINVAL');
  });
});
