import { strict as assert } from 'node:assert';
import {
  Kernel, MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE,
  geometry, seedBaseline,
} from '../shared/kernel/index.js';

const KiB = 1024n;
const MiB = 1024n * KiB;
const GiB = 1024n * MiB;
const TiB = 1024n * GiB;
const PAGE = 4096;
const RW = PROT_READ | PROT_WRITE;

/** VmPTE growth, in pages, of one process touching a fresh MAP_SHARED mapping. */
function vmptePages(start: bigint, length: bigint, stride = 1, opts = {}): { before: number; after: number } {
  const k = new Kernel(opts);
  const pid = k.spawn({ uid: 1000, gid: 1000 });
  k.mmap(pid, start, length, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  const before = k.procStatus(pid).vmpteBytes / PAGE;
  k.touch(pid, start, length, 'write', stride);
  return { before, after: k.procStatus(pid).vmpteBytes / PAGE };
}

describe('geometry', () => {
  it('answers 4-level and 5-level x86-64 figures', () => {
    const g4 = geometry('x86_64-4level');
    assert.equal(g4.levels, 4);
    assert.equal(g4.pageSize, 4096);
    assert.equal(BigInt(g4.pgdirSpanPages) * 4096n, 512n * GiB);
    assert.equal(g4.userLimitBytes, (1n << 47n) - 4096n);
    assert.deepEqual(g4.levelNames.slice(1), ['pte', 'pmd', 'pud', 'pgd']);
    const g5 = geometry('x86_64-5level');
    assert.equal(g5.levels, 5);
    assert.equal(BigInt(g5.pgdirSpanPages) * 4096n, 256n * TiB);
    assert.equal(g5.userLimitBytes, (1n << 56n) - 4096n);
    assert.ok(Number.isSafeInteger(g5.userLimitPages));
    assert.throws(() => geometry('arm64'), /EINVAL/);
    assert.equal(new Kernel({ geometry: 'x86_64-5level' }).mshareAlignmentBytes, 256n * TiB);
    assert.equal(new Kernel().mshareAlignmentBytes, 512n * GiB);
  });
});

describe('VmPTE as Linux measures it (docs/linux-accounting.md)', () => {
  it('mmap alone adds nothing', () => {
    assert.equal(vmptePages(4n * GiB, GiB).before, 0);
  });
  it('1 GiB, 1 GiB-aligned, fully touched: 514 pages', () => {
    assert.equal(vmptePages(4n * GiB, GiB).after, 514);
  });
  it('1 GiB, 2 MiB-aligned but not 1 GiB-aligned: 515 pages', () => {
    assert.equal(vmptePages(4n * GiB + 2n * MiB, GiB).after, 515);
  });
  it('1 GiB starting at +2 MiB+4 KiB: 516 pages, 515 when every 512th page is touched', () => {
    assert.equal(vmptePages(4n * GiB + 2n * MiB + 4n * KiB, GiB).after, 516);
    assert.equal(vmptePages(4n * GiB + 2n * MiB + 4n * KiB, GiB, 512).after, 515);
  });
  it('1 GiB crossing a 512 GiB boundary: 516 pages (two PUD tables)', () => {
    assert.equal(vmptePages(512n * GiB - 512n * MiB, GiB).after, 516);
  });
  it('sparse touches create tables only for the 2 MiB regions touched; reads count as writes', () => {
    // 64 MiB, every 1024th page: 16 pages, one in every other 2 MiB region.
    const k = new Kernel();
    const pid = k.spawn({ uid: 1, gid: 1 });
    k.mmap(pid, 4n * GiB, 64n * MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    const c = k.touch(pid, 4n * GiB, 64n * MiB, 'read', 1024);
    assert.equal(c.minorFault, 16);
    assert.equal(k.procStatus(pid).vmpteBytes / PAGE, 16 + 1 + 1);
    assert.deepEqual(k.procStatus(pid).tables, { pte: 16, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
  });
  it('munmap frees tables no VMA overlaps, keeps a table shared with a neighbour (free_pgd_range)', () => {
    const k = new Kernel();
    const pid = k.spawn({ uid: 1, gid: 1 });
    // Two mappings sharing one PTE table: [4G, 4G+1M) and [4G+1M, 4G+2M).
    k.mmap(pid, 4n * GiB, MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mmap(pid, 4n * GiB + MiB, MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.touch(pid, 4n * GiB, 2n * MiB, 'write');
    assert.equal(k.procStatus(pid).vmpteBytes / PAGE, 3);
    k.munmap(pid, 4n * GiB, MiB);
    assert.equal(k.procStatus(pid).vmpteBytes / PAGE, 3, 'the PTE table still serves the neighbour');
    assert.equal(k.touch(pid, 4n * GiB + MiB, MiB, 'read').present, 256);
    k.munmap(pid, 4n * GiB + MiB, MiB);
    assert.equal(k.procStatus(pid).vmpteBytes / PAGE, 0);
  });
  it('5-level paging adds a P4D outside VmPTE', () => {
    const k = new Kernel({ geometry: 'x86_64-5level' });
    const pid = k.spawn({ uid: 1, gid: 1 });
    k.mmap(pid, 4n * GiB, GiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.touch(pid, 4n * GiB, GiB, 'write');
    const s = k.procStatus(pid);
    assert.equal(s.vmpteBytes / PAGE, 514);
    assert.deepEqual(s.tables, { pte: 512, pmd: 1, pud: 1, p4d: 1, pgd: 1 });
    assert.equal(s.pgdBytes, 2 * PAGE);
    assert.equal(k.accounting().pagetableBytes, (514 + 2) * PAGE);
    // A mapping high in the 57-bit space, beyond 4-level's reach.
    const high = 1n << 52n;
    k.mmap(pid, high, 2n * MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    assert.equal(k.touch(pid, high, 2n * MiB, 'read').minorFault, 512);
    assert.deepEqual(k.procStatus(pid).tables, { pte: 513, pmd: 2, pud: 2, p4d: 2, pgd: 1 });
    // The batch path reads 57-bit addresses too, and refuses those above TASK_SIZE.
    const addrs = new Uint8Array(24);
    const view = new DataView(addrs.buffer);
    [high + 4096n, (1n << 56n) - 1n, (1n << 57n)].forEach((a, i) => view.setBigUint64(i * 8, a, true));
    const out = new Uint8Array(3);
    k.accessBatch(pid, 'read', addrs, out);
    assert.deepEqual([...out], [0, 2, 2]);
  });
});

describe('the seed baseline', () => {
  it('is 943,718,400,000 bytes (878.9 GiB) for 1500 x 300 GiB, PTEs only', () => {
    const b = seedBaseline(1500, 300 * 2 ** 30);
    assert.equal(b.pteBytes, 943_718_400_000);
    assert.equal((b.pteBytes / 2 ** 30).toFixed(1), '878.9');
    // Plus 300 PMD tables and 1 PUD table per client.
    assert.equal(b.pteWithUpperBytes, 943_718_400_000 + 1500 * 301 * 4096);
  });
});

/**
 * The field case: a donor maps a 300 GiB SGA at 2 TiB inside a 512 GiB window and shares it;
 * 1500 clients attach and touch every page.
 */
function fieldCase(sharing: boolean) {
  const k = new Kernel({ sharing });
  const sga = 300n * GiB;
  const donor = k.spawn({ uid: 1000, gid: 1000, comm: 'oracle' });
  k.mmap(donor, 2n * TiB, sga, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  k.mshare(donor, 'sga', 2n * TiB, 512n * GiB, O_CREAT | O_EXCL | O_RDWR, 0o660);
  let minor = 0;
  let present = 0;
  for (let i = 0; i < 1500; i++) {
    const pid = k.spawn({ uid: 1001, gid: 1000 });
    k.mshare(pid, 'sga', 2n * TiB, 512n * GiB, O_RDWR, 0);
    const c = k.touch(pid, 2n * TiB, sga, 'read');
    minor += c.minorFault;
    present += c.present;
  }
  return { k, minor, present };
}

describe('the field case: 1500 clients x 300 GiB, every page', () => {
  const pages = 300 * 2 ** 18; // 78,643,200
  const perClientTables = pages / 512 + 300 + 1; // PTE + PMD + PUD = 153,901
  const unshared = (1500 * perClientTables + 1501) * PAGE; // + a PGD per process

  it('shared: one set of tables in the host', () => {
    const { k, minor, present } = fieldCase(true);
    const a = k.accounting();
    assert.equal(minor, pages);
    assert.equal(present, 1499 * pages);
    assert.equal(a.hostTableBytes, perClientTables * PAGE); // 630,378,496
    assert.equal(a.pgdBytes, (1501 + 1) * PAGE);
    assert.equal(a.privateTableBytes, 0);
    assert.equal(a.pagetableBytes, 636_530_688);
    assert.equal(a.unsharedPagetableBytes, unshared);
    assert.equal(a.unsharedPagetableBytes, 945_573_892_096);
    assert.equal(a.savedBytes, unshared - 636_530_688);
    assert.equal(a.minorFaults, pages);
    assert.equal(a.unsharedMinorFaults, 1500 * pages);
    assert.equal(a.syncs, 1500);
    const r = k.readRegion('sga');
    assert.equal(r.refcount, 1501);
    assert.equal(r.pagetableBytes, (perClientTables + 1) * PAGE);
    assert.deepEqual(r.tables, { pte: 153_600, pmd: 300, pud: 1, p4d: 0, pgd: 1 });
    const client = k.procStatus(1500);
    assert.equal(client.vmpteBytes, 0);
    assert.equal(client.unsharedVmpteBytes, perClientTables * PAGE);
  });

  it('unshared: every client really holds private tables', () => {
    const { k, minor, present } = fieldCase(false);
    const a = k.accounting();
    assert.equal(minor, 1500 * pages);
    assert.equal(present, 0);
    assert.equal(a.pagetableBytes, unshared);
    assert.equal(a.unsharedPagetableBytes, unshared);
    assert.equal(a.savedBytes, 0);
    assert.equal(a.hostTableBytes, 0);
    assert.equal(k.procStatus(1500).vmpteBytes, perClientTables * PAGE);
    assert.equal(k.readRegion('sga').pagetableBytes, 0);
  });
});

describe('the link level is a parameter', () => {
  it('PMD-level linking (ptshare): 2 MiB alignment, private PUD/PMD path, shared PTE tables', () => {
    const k = new Kernel({ linkLevel: 2 });
    assert.equal(k.mshareAlignmentBytes, 2n * MiB);
    const donor = k.spawn({ uid: 1, gid: 1 });
    k.mmap(donor, 4n * GiB, 4n * MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mshare(donor, 'p', 4n * GiB, 4n * MiB, O_CREAT | O_RDWR, 0o600);
    const b = k.spawn({ uid: 1, gid: 1 });
    k.mshare(b, 'p', 4n * GiB, 4n * MiB, O_RDWR, 0);
    const t = k.touch(b, 4n * GiB, 4n * MiB, 'write');
    assert.equal(t.minorFault, 1024);
    assert.equal(t.synced, 2, 'one PMD entry synced per 2 MiB');
    // b holds its own PUD and PMD table (the path to the link entries); the host all the tables.
    assert.deepEqual(k.procStatus(b).tables, { pte: 0, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
    assert.equal(k.procStatus(b).unsharedVmpteBytes, 4 * PAGE);
    assert.deepEqual(k.readRegion('p').tables, { pte: 2, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
    assert.throws(() => new Kernel({ linkLevel: 1 }), /EINVAL/);
  });
});
