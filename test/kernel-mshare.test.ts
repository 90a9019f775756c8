import { strict as assert } from 'node:assert';
import {
  Kernel, KernelError, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_EXCL, O_RDONLY,
  O_RDWR, O_WRONLY, PROT_EXEC, PROT_READ, PROT_WRITE, type ErrnoName,
} from '../shared/kernel/index.js';

const KiB = 1024n;
const MiB = 1024n * KiB;
const GiB = 1024n * MiB;
const TiB = 1024n * GiB;
const RW = PROT_READ | PROT_WRITE;
const SHARED_ANON_FIXED = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;

function throwsErrno(fn: () => unknown, errno: ErrnoName): void {
  assert.throws(fn, (e: unknown) => e instanceof KernelError && e.errno === errno, `expected ${errno}`);
}

/** Everything observable, to show a failed call changed nothing. */
function snapshot(k: Kernel): string {
  const procs = k.pids().map((p) => k.procStatus(p));
  return JSON.stringify({ a: k.accounting(), r: k.listRegions(), procs }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The RFC's donor: 512 GiB at 2 TiB, shared as "testregion". */
function donorSetup(k: Kernel, mode = 0o600, oflags = O_CREAT | O_RDWR | O_EXCL) {
  const donor = k.spawn({ uid: 1000, gid: 100, comm: 'donor' });
  assert.equal(k.mmap(donor, 2n * TiB, 512n * GiB, RW, MAP_SHARED | MAP_ANONYMOUS), 2n * TiB);
  k.mshare(donor, 'testregion', 2n * TiB, 512n * GiB, oflags, mode);
  return donor;
}

describe('mshare: the RFC donor/consumer example', () => {
  it('creates, reads back, attaches, shares a write and unlinks twice', () => {
    const k = new Kernel();
    const donor = donorSetup(k);
    const region = k.readRegion('testregion');
    assert.equal(region.start, 2n * TiB);
    assert.equal(region.size, 512n * GiB);
    assert.equal(region.refcount, 1);
    assert.equal(region.uid, 1000);
    assert.equal(region.mode, 0o600);

    // strncpy(addr, ...): the donor writes the first page, populating the host's tables.
    assert.deepEqual(k.access(donor, 2n * TiB, 'write'), { outcome: 'minor_fault', synced: false });
    const consumer = k.spawn({ uid: 1000, gid: 100, comm: 'consumer' });
    k.mshare(consumer, 'testregion', region.start, region.size, O_RDWR, 0o600);
    assert.equal(k.readRegion('testregion').refcount, 2);
    // printf("%s", addr): the consumer copies the host's PGD entry and finds the page present.
    assert.deepEqual(k.access(consumer, 2n * TiB, 'read'), { outcome: 'present', synced: true });
    assert.deepEqual(k.access(consumer, 2n * TiB + 100n, 'read'), { outcome: 'present', synced: false });
    // The consumer holds no tables of its own: they are the host's.
    assert.equal(k.procStatus(consumer).vmpteBytes, 0);
    assert.equal(k.procStatus(consumer).unsharedVmpteBytes, 3 * 4096);
    assert.equal(k.readRegion('testregion').pagetableBytes, 4 * 4096);

    k.mshareUnlink(consumer, 'testregion'); // non-last: unmaps the window from the consumer
    assert.equal(k.readRegion('testregion').refcount, 1);
    assert.equal(k.access(consumer, 2n * TiB, 'read').outcome, 'sigsegv');
    k.mshareUnlink(donor, 'testregion'); // last: the name goes
    throwsErrno(() => k.readRegion('testregion'), 'ENOENT');
    assert.equal(k.listRegions().length, 0);
    // The last unlinker keeps its mapping (mshare.c does not unmap it); the host lives until exit.
    assert.equal(k.access(donor, 2n * TiB, 'read').outcome, 'present');
    assert.equal(k.accounting().hostMms, 1);
    k.exit(donor);
    assert.equal(k.accounting().hostMms, 0);
    assert.equal(k.accounting().pagetableBytes, 4096); // the consumer's PGD only
  });

  it('moves the creator\'s existing VMAs and tables into the host', () => {
    const k = new Kernel();
    const donor = k.spawn({ uid: 1, gid: 1 });
    k.mmap(donor, 2n * TiB, 1n * GiB, RW, SHARED_ANON_FIXED);
    k.touch(donor, 2n * TiB, 1n * GiB, 'write');
    assert.equal(k.procStatus(donor).vmpteBytes, 514 * 4096);
    k.mshare(donor, 'r', 2n * TiB, 512n * GiB, O_CREAT | O_RDWR, 0o644);
    assert.equal(k.procStatus(donor).vmpteBytes, 0);
    assert.equal(k.procStatus(donor).unsharedVmpteBytes, 514 * 4096);
    assert.equal(k.readRegion('r').pagetableBytes, (514 + 1) * 4096);
    assert.equal(k.readRegion('r').vmaCount, 1);
    // The creator's PGD entry was copied at creation: no sync, pages still present.
    assert.deepEqual(k.access(donor, 2n * TiB + 5n * MiB, 'read'), { outcome: 'present', synced: false });
    const vmas = k.procStatus(donor).vmas;
    assert.equal(vmas.length, 1);
    assert.equal(vmas[0].region, 'r');
  });
});

describe('mshare: errno paths', () => {
  it('validates alignment, length and range (EINVAL)', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1, gid: 1 });
    k.mmap(p, 2n * TiB, GiB, RW, SHARED_ANON_FIXED);
    const before = snapshot(k);
    throwsErrno(() => k.mshare(p, 'r', 2n * TiB + 4096n, 512n * GiB, O_CREAT | O_RDWR, 0o600), 'EINVAL');
    throwsErrno(() => k.mshare(p, 'r', 2n * TiB, 511n * GiB, O_CREAT | O_RDWR, 0o600), 'EINVAL');
    throwsErrno(() => k.mshare(p, 'r', 2n * TiB, 0n, O_CREAT | O_RDWR, 0o600), 'EINVAL');
    throwsErrno(() => k.mshare(p, 'r', 127n * TiB + 512n * GiB, 512n * GiB, O_CREAT | O_RDWR, 0o600), 'EINVAL');
    throwsErrno(() => k.mshare(p, 'r', 2n * TiB, 512n * GiB, O_CREAT | O_WRONLY, 0o600), 'EINVAL');
    throwsErrno(() => k.mshare(p, 'r', 2n * TiB, 512n * GiB, O_CREAT | O_RDWR | 0o4000, 0o600), 'EINVAL');
    throwsErrno(() => k.mshare(p, 'r', 2n * TiB, 512n * GiB, O_CREAT | O_RDWR, 600), 'EINVAL');
    throwsErrno(() => k.mshare(p, 'r', 3n * TiB, 512n * GiB, O_CREAT | O_RDWR, 0o600), 'EINVAL'); // nothing mapped there
    assert.equal(snapshot(k), before);
  });

  it('validates names', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1, gid: 1 });
    k.mmap(p, 2n * TiB, GiB, RW, SHARED_ANON_FIXED);
    for (const bad of ['', '.', '..', 'a/b', 'a\0b']) {
      throwsErrno(() => k.mshare(p, bad, 2n * TiB, 512n * GiB, O_CREAT | O_RDWR, 0o600), 'EINVAL');
    }
    throwsErrno(() => k.mshare(p, 'x'.repeat(256), 2n * TiB, 512n * GiB, O_CREAT | O_RDWR, 0o600), 'ENAMETOOLONG');
    k.mshare(p, 'x'.repeat(255), 2n * TiB, 512n * GiB, O_CREAT | O_RDWR, 0o600);
    assert.equal(k.listRegions()[0].name.length, 255);
  });

  it('EEXIST for O_CREAT|O_EXCL on an existing name; O_CREAT alone opens it', () => {
    const k = new Kernel();
    donorSetup(k, 0o666);
    const b = k.spawn({ uid: 2, gid: 2 });
    throwsErrno(() => k.mshare(b, 'testregion', 2n * TiB, 512n * GiB, O_CREAT | O_EXCL | O_RDWR, 0o600), 'EEXIST');
    k.mshare(b, 'testregion', 2n * TiB, 512n * GiB, O_CREAT | O_RDWR, 0o600);
    assert.equal(k.readRegion('testregion').refcount, 2);
    assert.equal(k.readRegion('testregion').mode, 0o666, 'opening does not change the mode');
  });

  it('ENOENT without O_CREAT on a missing name, and for unlink/read of a missing name', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1, gid: 1 });
    throwsErrno(() => k.mshare(p, 'nope', 2n * TiB, 512n * GiB, O_RDWR, 0), 'ENOENT');
    throwsErrno(() => k.mshareUnlink(p, 'nope'), 'ENOENT');
    throwsErrno(() => k.readRegion('nope'), 'ENOENT');
  });

  it('ESRCH for an unknown pid, on every call', () => {
    const k = new Kernel();
    const calls: Array<() => unknown> = [
      () => k.mshare(42, 'r', 2n * TiB, 512n * GiB, O_CREAT | O_RDWR, 0o600),
      () => k.mshareUnlink(42, 'r'),
      () => k.mmap(42, 0n, 4096n, RW, MAP_PRIVATE | MAP_ANONYMOUS),
      () => k.munmap(42, 0n, 4096n),
      () => k.mprotect(42, 0n, 4096n, RW),
      () => k.access(42, 0n, 'read'),
      () => k.touch(42, 0n, 4096n, 'read'),
      () => k.accessBatch(42, 'read', new Uint8Array(8)),
      () => k.procStatus(42),
      () => k.exit(42),
    ];
    for (const call of calls) throwsErrno(call, 'ESRCH');
  });

  it('EINVAL when the creator\'s VMA crosses the range edge, or an attacher has a mapping inside', () => {
    const k = new Kernel();
    const a = k.spawn({ uid: 1, gid: 1 });
    k.mmap(a, 2n * TiB - GiB, 2n * GiB, RW, SHARED_ANON_FIXED);
    const before = snapshot(k);
    throwsErrno(() => k.mshare(a, 'r', 2n * TiB, 512n * GiB, O_CREAT | O_RDWR, 0o600), 'EINVAL');
    assert.equal(snapshot(k), before);
    const c = k.spawn({ uid: 1, gid: 1 });
    k.mmap(c, 2n * TiB, GiB, RW, SHARED_ANON_FIXED);
    k.mshare(c, 'r', 2n * TiB, 512n * GiB, O_CREAT | O_RDWR, 0o600);
    const d = k.spawn({ uid: 1, gid: 1 });
    k.mmap(d, 2n * TiB + 511n * GiB, 4096n, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    throwsErrno(() => k.mshare(d, 'r', 2n * TiB, 512n * GiB, O_RDWR, 0), 'EINVAL');
    // An attacher must map the region where it is, whole.
    const e = k.spawn({ uid: 1, gid: 1 });
    throwsErrno(() => k.mshare(e, 'r', 3n * TiB, 512n * GiB, O_RDWR, 0), 'EINVAL');
    // Attaching twice: the window already overlaps.
    k.mshare(e, 'r', 2n * TiB, 512n * GiB, O_RDWR, 0);
    throwsErrno(() => k.mshare(e, 'r', 2n * TiB, 512n * GiB, O_RDWR, 0), 'EINVAL');
    assert.equal(k.readRegion('r').refcount, 2);
  });

  it('EACCES by the file mode (owner, group, other; root passes), EPERM beyond the creator\'s access', () => {
    const k = new Kernel();
    donorSetup(k, 0o640);
    const owner = k.spawn({ uid: 1000, gid: 7 });
    const group = k.spawn({ uid: 2000, gid: 100 });
    const other = k.spawn({ uid: 3000, gid: 300 });
    const root = k.spawn({ uid: 0, gid: 0 });
    const at = (pid: number, oflags: number) => () => k.mshare(pid, 'testregion', 2n * TiB, 512n * GiB, oflags, 0);
    const before = snapshot(k);
    throwsErrno(at(group, O_RDWR), 'EACCES');
    throwsErrno(at(other, O_RDONLY), 'EACCES');
    assert.equal(snapshot(k), before);
    at(owner, O_RDWR)();
    at(group, O_RDONLY)();
    at(root, O_RDWR)();
    assert.equal(k.readRegion('testregion').refcount, 4);

    const k2 = new Kernel();
    donorSetup(k2, 0o666, O_CREAT | O_RDONLY);
    const p = k2.spawn({ uid: 5, gid: 5 });
    const r = k2.spawn({ uid: 0, gid: 0 });
    throwsErrno(() => k2.mshare(p, 'testregion', 2n * TiB, 512n * GiB, O_RDWR, 0), 'EPERM');
    throwsErrno(() => k2.mshare(r, 'testregion', 2n * TiB, 512n * GiB, O_RDWR, 0), 'EPERM');
    k2.mshare(p, 'testregion', 2n * TiB, 512n * GiB, O_RDONLY, 0);
  });

  it('unlink: holders, the owner or root only (EPERM), EBUSY when all references are live', () => {
    const k = new Kernel();
    const donor = donorSetup(k, 0o666);
    const b = k.spawn({ uid: 2000, gid: 2000 });
    const stranger = k.spawn({ uid: 3000, gid: 3000 });
    const owner = k.spawn({ uid: 1000, gid: 1 });
    k.mshare(b, 'testregion', 2n * TiB, 512n * GiB, O_RDWR, 0);
    throwsErrno(() => k.mshareUnlink(stranger, 'testregion'), 'EPERM');
    throwsErrno(() => k.mshareUnlink(owner, 'testregion'), 'EBUSY');
    assert.equal(k.readRegion('testregion').refcount, 2);
    k.exit(donor); // its reference is orphaned, not lost
    assert.equal(k.readRegion('testregion').refcount, 2);
    assert.equal(k.readRegion('testregion').mappedProcesses, 1);
    k.mshareUnlink(owner, 'testregion'); // the owner cleans up the dead donor's reference
    assert.equal(k.readRegion('testregion').refcount, 1);
    k.mshareUnlink(b, 'testregion');
    assert.equal(k.listRegions().length, 0);
  });

  it('exit orphans a reference whose window was unmapped first, so the owner can still drop it', () => {
    // Found by the broker fuzz: munmap of the whole window keeps the reference; exit lost track of it.
    const k = new Kernel();
    const donor = donorSetup(k);
    const owner = k.spawn({ uid: 1000, gid: 1 });
    k.munmap(donor, 2n * TiB, 512n * GiB);
    assert.equal(k.readRegion('testregion').mappedProcesses, 0);
    assert.equal(k.readRegion('testregion').refcount, 1);
    k.exit(donor);
    assert.equal(k.readRegion('testregion').refcount, 1);
    k.mshareUnlink(owner, 'testregion'); // an orphan now: EBUSY before the fix
    assert.equal(k.listRegions().length, 0);
    assert.equal(k.accounting().hostMms, 0);
  });
});

describe('mshare: faults', () => {
  it('SIGSEGV outside VMAs and above TASK_SIZE, SIGBUS in a hole of the shared range', () => {
    const k = new Kernel();
    const donor = donorSetup(k);
    assert.equal(k.access(donor, 1n * TiB, 'read').outcome, 'sigsegv');
    assert.equal(k.access(donor, 1n << 47n, 'read').outcome, 'sigsegv');
    assert.equal(k.access(donor, (1n << 64n) - 1n, 'read').outcome, 'sigsegv');
    k.munmap(donor, 2n * TiB + GiB, GiB);
    assert.equal(k.access(donor, 2n * TiB + GiB, 'read').outcome, 'sigbus');
    assert.equal(k.access(donor, 2n * TiB + 2n * GiB, 'read').outcome, 'minor_fault');
    const c = k.touch(donor, 2n * TiB + GiB - 8192n, 4n * 4096n, 'read');
    assert.deepEqual([c.minorFault, c.sigbus], [2, 2]);
  });

  it('SIGSEGV for a write through an O_RDONLY attach, and by VMA protection', () => {
    const k = new Kernel();
    donorSetup(k, 0o644);
    const ro = k.spawn({ uid: 2000, gid: 2000 });
    k.mshare(ro, 'testregion', 2n * TiB, 512n * GiB, O_RDONLY, 0);
    assert.equal(k.access(ro, 2n * TiB, 'write').outcome, 'sigsegv');
    assert.equal(k.access(ro, 2n * TiB, 'read').outcome, 'minor_fault');
    assert.equal(k.access(ro, 2n * TiB, 'exec').outcome, 'sigsegv'); // the VMA has no PROT_EXEC
    const t = k.touch(ro, 2n * TiB, 64n * KiB, 'write');
    assert.equal(t.sigsegv, 16);
    // Changing the region's layout needs an O_RDWR attach.
    throwsErrno(() => k.mprotect(ro, 2n * TiB, 4096n, RW), 'EACCES');
    throwsErrno(() => k.munmap(ro, 2n * TiB, 4096n), 'EACCES');
  });

  it('a region keeps working after its creator exits', () => {
    const k = new Kernel();
    const donor = donorSetup(k);
    k.touch(donor, 2n * TiB, 2n * MiB, 'write');
    const b = k.spawn({ uid: 1000, gid: 100 });
    k.mshare(b, 'testregion', 2n * TiB, 512n * GiB, O_RDWR, 0);
    k.exit(donor);
    assert.deepEqual(k.access(b, 2n * TiB + 4096n, 'read'), { outcome: 'present', synced: true });
    assert.equal(k.access(b, 2n * TiB + 4n * MiB, 'write').outcome, 'minor_fault');
    const c = k.spawn({ uid: 1000, gid: 100 });
    k.mshare(c, 'testregion', 2n * TiB, 512n * GiB, O_RDWR, 0);
    assert.equal(k.access(c, 2n * TiB + 4n * MiB, 'read').outcome, 'present');
    assert.equal(k.readRegion('testregion').mappedProcesses, 2);
    assert.equal(k.readRegion('testregion').refcount, 3);
  });

  it('mmap, munmap and mprotect by one sharer are seen by every sharer at once', () => {
    const k = new Kernel();
    const donor = donorSetup(k);
    const b = k.spawn({ uid: 1000, gid: 100 });
    k.mshare(b, 'testregion', 2n * TiB, 512n * GiB, O_RDWR, 0);
    k.access(donor, 2n * TiB, 'write');
    k.mprotect(b, 2n * TiB, 2n * MiB, PROT_READ);
    assert.equal(k.access(donor, 2n * TiB, 'write').outcome, 'sigsegv');
    assert.equal(k.access(donor, 2n * TiB, 'read').outcome, 'present');
    assert.equal(k.readRegion('testregion').vmaCount, 2, 'mprotect split the host VMA');
    k.mprotect(donor, 2n * TiB, 2n * MiB, RW | PROT_EXEC);
    assert.equal(k.access(b, 2n * TiB, 'exec').outcome, 'present');
    // munmap by b: a hole for the donor too.
    k.munmap(b, 2n * TiB + 10n * GiB, GiB);
    assert.equal(k.access(donor, 2n * TiB + 10n * GiB, 'read').outcome, 'sigbus');
    // mmap by the donor of a MAP_PRIVATE file mapping inside: b faults it in, the donor finds it.
    k.mmap(donor, 2n * TiB + 10n * GiB, 2n * MiB, RW, MAP_PRIVATE | MAP_FIXED, 'datafile');
    assert.equal(k.access(b, 2n * TiB + 10n * GiB, 'write').outcome, 'minor_fault');
    // A write to a MAP_PRIVATE page in the range is shared, not copied: no fault for the other.
    assert.equal(k.access(donor, 2n * TiB + 10n * GiB, 'write').outcome, 'present');
    const vma = k.procStatus(donor).vmas.find((v) => v.region === 'testregion');
    assert.ok(vma);
    // A range across the window's edge is refused.
    throwsErrno(() => k.munmap(b, 2n * TiB - 4096n, 8192n), 'EINVAL');
    throwsErrno(() => k.mprotect(b, 2n * TiB + 10n * GiB, 4n * MiB, RW), 'ENOMEM');
  });

  it('syncs the link entry on the access after the host allocates it (find_shared_vma)', () => {
    const k = new Kernel();
    const donor = donorSetup(k);
    const b = k.spawn({ uid: 1000, gid: 100 });
    k.mshare(b, 'testregion', 2n * TiB, 512n * GiB, O_RDWR, 0);
    // Host empty, b's entry empty: the same; the fault populates the host.
    assert.deepEqual(k.access(b, 2n * TiB, 'read'), { outcome: 'minor_fault', synced: false });
    // Now b's PGD entry differs from the host's: copied, then the retry finds the page.
    assert.deepEqual(k.access(b, 2n * TiB, 'read'), { outcome: 'present', synced: true });
    assert.deepEqual(k.access(donor, 2n * TiB, 'read'), { outcome: 'present', synced: true });
    assert.equal(k.procStatus(b).syncs, 1);
    // Unmapping everything frees the host's tables; the stale entry is synced again afterwards.
    // (Two calls: an munmap of the whole window would detach the donor instead.)
    k.munmap(donor, 2n * TiB, 512n * GiB - 4096n);
    k.munmap(donor, 2n * TiB + 512n * GiB - 4096n, 4096n);
    assert.equal(k.readRegion('testregion').pagetableBytes, 4096);
    assert.deepEqual(k.access(b, 2n * TiB, 'read'), { outcome: 'sigbus', synced: true });
  });
});

describe('mmap, munmap, mprotect', () => {
  it('validates flags, prot, length and alignment', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1, gid: 1 });
    const before = snapshot(k);
    throwsErrno(() => k.mmap(p, 0n, 4096n, RW, MAP_ANONYMOUS), 'EINVAL');
    throwsErrno(() => k.mmap(p, 0n, 4096n, RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS), 'EINVAL');
    throwsErrno(() => k.mmap(p, 0n, 4096n, RW, MAP_PRIVATE | MAP_ANONYMOUS | 0x100000), 'EINVAL');
    throwsErrno(() => k.mmap(p, 0n, 4096n, 8, MAP_PRIVATE | MAP_ANONYMOUS), 'EINVAL');
    throwsErrno(() => k.mmap(p, 0n, 0n, RW, MAP_PRIVATE | MAP_ANONYMOUS), 'EINVAL');
    throwsErrno(() => k.mmap(p, 4097n, 4096n, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), 'EINVAL');
    throwsErrno(() => k.mmap(p, 0n, 4096n, RW, MAP_PRIVATE), 'EBADF');
    throwsErrno(() => k.mmap(p, 0n, 4096n, RW, MAP_PRIVATE | MAP_ANONYMOUS, 'f'), 'EINVAL');
    throwsErrno(() => k.mmap(p, (1n << 47n) - 4096n, 8192n, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), 'ENOMEM');
    throwsErrno(() => k.mmap(p, 0n, 1n << 48n, RW, MAP_PRIVATE | MAP_ANONYMOUS), 'ENOMEM');
    throwsErrno(() => k.mmap(p, -1n, 4096n, RW, MAP_PRIVATE | MAP_ANONYMOUS), 'EINVAL');
    throwsErrno(() => k.munmap(p, 4097n, 4096n), 'EINVAL');
    throwsErrno(() => k.munmap(p, 4096n, 0n), 'EINVAL');
    throwsErrno(() => k.mprotect(p, 4096n, 4096n, 0x10), 'EINVAL');
    throwsErrno(() => k.mprotect(p, 4096n, 4096n, RW), 'ENOMEM');
    throwsErrno(() => k.access(p, 0n, 'fetch' as 'read'), 'EINVAL');
    throwsErrno(() => k.touch(p, 0n, 4096n, 'read', 0), 'EINVAL');
    throwsErrno(() => k.accessBatch(p, 'read', new Uint8Array(12)), 'EINVAL');
    throwsErrno(() => k.spawn({ uid: -1, gid: 0 }), 'EINVAL');
    assert.equal(snapshot(k), before);
  });

  it('places mappings top-down below mmap_base, honours a free hint, rounds lengths up', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1, gid: 1 });
    const a = k.mmap(p, 0n, 5000n, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    const b = k.mmap(p, 0n, 4096n, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    assert.equal(a, (1n << 47n) - 4096n - 128n * MiB - 8192n);
    assert.equal(b, a - 4096n);
    assert.notEqual(a % (2n * MiB), 0n, 'kernel-chosen addresses are not 2 MiB-aligned');
    assert.equal(k.mmap(p, 1n * GiB + 123n, 4096n, RW, MAP_PRIVATE | MAP_ANONYMOUS), 1n * GiB);
    // A hint on a used range is ignored.
    assert.notEqual(k.mmap(p, 1n * GiB, 4096n, RW, MAP_PRIVATE | MAP_ANONYMOUS), 1n * GiB);
  });

  it('MAP_FIXED replaces what was there, freeing its tables', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1, gid: 1 });
    k.mmap(p, GiB, 4n * MiB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    k.touch(p, GiB, 4n * MiB, 'write');
    assert.equal(k.procStatus(p).vmpteBytes, (2 + 1 + 1) * 4096);
    k.mmap(p, GiB, 4n * MiB, PROT_READ, MAP_SHARED | MAP_FIXED, 'file');
    assert.equal(k.procStatus(p).vmpteBytes, 0);
    assert.equal(k.access(p, GiB, 'read').outcome, 'minor_fault');
    assert.equal(k.access(p, GiB, 'write').outcome, 'sigsegv');
  });

  it('mprotect splits VMAs; PROT_NONE refuses every access', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1, gid: 1 });
    k.mmap(p, GiB, 16n * KiB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    k.mprotect(p, GiB + 4096n, 4096n, 0);
    assert.equal(k.procStatus(p).vmas.length, 3);
    assert.equal(k.access(p, GiB + 4096n, 'read').outcome, 'sigsegv');
    assert.equal(k.access(p, GiB, 'read').outcome, 'minor_fault');
    const t = k.touch(p, GiB, 16n * KiB, 'read');
    assert.deepEqual([t.present, t.sigsegv, t.minorFault], [1, 1, 2]);
  });

  it('exit frees the process\'s tables', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1, gid: 1 });
    k.mmap(p, GiB, GiB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    k.touch(p, GiB, GiB, 'write');
    assert.equal(k.accounting().pagetableBytes, (514 + 1) * 4096);
    assert.equal(k.memory.pages[1], 512);
    k.exit(p);
    assert.equal(k.accounting().pagetableBytes, 0);
    assert.deepEqual([...k.memory.pages], [0, 0, 0, 0, 0]);
    assert.equal(k.hasProcess(p), false);
  });
});

describe('access batches', () => {
  it('reads a Buffer at any offset of a shared pool (as grpc-js hands batches over)', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1, gid: 1 });
    k.mmap(p, GiB, 8n * MiB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    k.touch(p, GiB, 4n * MiB, 'read');
    const addrs = [GiB, GiB + 5n * MiB, 3n * GiB, GiB + 4096n];
    for (const offset of [0, 1, 3, 4, 7]) {
      const pool = Buffer.alloc(64 + offset, 0xff); // junk around the batch
      addrs.forEach((a, i) => pool.writeBigUInt64LE(a, offset + 8 * i));
      const batch = pool.subarray(offset, offset + 8 * addrs.length);
      const out = new Uint8Array(addrs.length);
      k.accessBatch(p, 'read', batch, out);
      // present, minor fault (first time only), SIGSEGV, present
      assert.deepEqual([...out], [0, offset === 0 ? 1 : 0, 2, 0], `offset ${offset}`);
    }
  });

  it('gives the same outcomes as single accesses', () => {
    const run = (batch: boolean) => {
      const k = new Kernel();
      const donor = donorSetup(k);
      k.munmap(donor, 2n * TiB + GiB, GiB);
      const b = k.spawn({ uid: 1000, gid: 100 });
      k.mshare(b, 'testregion', 2n * TiB, 512n * GiB, O_RDWR, 0);
      k.mmap(b, GiB, 8n * MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
      const addrs = [2n * TiB, 2n * TiB + 8n, 2n * TiB + GiB + 5n, GiB, GiB + 4096n, GiB, 0n, 2n * TiB + 3n * GiB, 1n << 63n];
      if (!batch) return addrs.map((a) => k.access(b, a, 'read').outcome);
      const buf = new Uint8Array(addrs.length * 8);
      const view = new DataView(buf.buffer);
      addrs.forEach((a, i) => view.setBigUint64(i * 8, a, true));
      const out = new Uint8Array(addrs.length);
      const counts = k.accessBatch(b, 'read', buf, out);
      assert.equal(counts.synced, 1);
      return [...out].map((o) => ['present', 'minor_fault', 'sigsegv', 'sigbus'][o]);
    };
    const single = run(false);
    assert.deepEqual(single, ['minor_fault', 'present', 'sigbus', 'minor_fault', 'minor_fault', 'present', 'sigsegv', 'minor_fault', 'sigsegv']);
    assert.deepEqual(run(true), single);
  });
});
