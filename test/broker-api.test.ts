// The broker API over loopback: the seed's donor/consumer example end to end through the typed
// client, every errno with its gRPC status and `mshare-errno`, malformed requests rejected with
// nothing changed, the batch stream, and unexpected errors as UNKNOWN.
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Kernel } from '../shared/kernel/kernel.js';
import { KernelError } from '../shared/kernel/errors.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, Outcome, PROT_READ, PROT_WRITE,
} from '../shared/kernel/uapi.js';
import { UNKNOWN_ERROR_DETAILS } from '../shared/grpc/status.js';
import { expectStatus, rawCall, rawFailure, startBroker, type TestBroker } from './fixtures/broker.js';

const GiB = 1n << 30n;
const TiB = 1n << 40n;
const SGA_ADDR = 2n * TiB;
const SGA_SIZE = 512n * GiB;
const RW = PROT_READ | PROT_WRITE;
const SHARED_ANON = MAP_SHARED | MAP_ANONYMOUS;

describe('broker API over loopback', () => {
  let t: TestBroker;
  beforeEach(async () => { t = await startBroker(); });
  afterEach(async () => { await t.stop(); });

  /** A donor (uid 1000) with the SGA mapped and shared as 'sga'. */
  async function donorWithSga(oflags = O_CREAT | O_RDWR | O_EXCL, mode = 0o600) {
    const donor = await t.client.spawn({ uid: 1000, gid: 1000, comm: 'donor' });
    await t.client.mmap(donor, SGA_ADDR, SGA_SIZE, RW, SHARED_ANON);
    await t.client.mshare(donor, 'sga', SGA_ADDR, SGA_SIZE, oflags, mode);
    return donor;
  }

  it("runs the seed's donor/consumer example end to end", async () => {
    const geometry = await t.client.geometry();
    assert.equal(geometry.mshareAlignment, SGA_SIZE); // PGDIR_SIZE of 4-level paging

    const donor = await t.client.spawn({ uid: 1000, gid: 1000, comm: 'donor' });
    assert.equal(await t.client.mmap(donor, SGA_ADDR, SGA_SIZE, RW, SHARED_ANON), SGA_ADDR);
    await t.client.mshare(donor, 'sga', SGA_ADDR, SGA_SIZE, O_CREAT | O_RDWR | O_EXCL, 0o600);

    const consumer = await t.client.spawn({ uid: 1000, gid: 1000, comm: 'consumer' });
    const region = await t.client.readRegion('sga');
    assert.equal(region.start, SGA_ADDR);
    assert.equal(region.size, SGA_SIZE);
    assert.deepEqual([region.uid, region.gid, region.mode, region.refcount], [1000, 1000, 0o600, 1]);
    await t.client.mshare(consumer, 'sga', region.start, region.size, O_RDWR, 0);
    assert.equal((await t.client.readRegion('sga')).refcount, 2);
    assert.equal((await t.client.readRegion('sga')).mappedProcesses, 2);

    const page = SGA_ADDR + 12345n * 4096n;
    assert.equal((await t.client.access(donor, page, 'write')).outcome, 'minor_fault');
    assert.equal((await t.client.access(consumer, page, 'read')).outcome, 'present');
    assert.deepEqual(await t.client.access(consumer, SGA_ADDR + SGA_SIZE, 'read'), { outcome: 'sigsegv', synced: false });

    const consumerStatus = await t.client.procStatus(consumer);
    assert.deepEqual(consumerStatus.regions, ['sga']);
    assert.equal(consumerStatus.minorFaults, 0);
    assert.equal(consumerStatus.unsharedMinorFaults, 1); // it would have faulted the page itself

    await t.client.mshareUnlink(donor, 'sga');
    assert.equal((await t.client.readRegion('sga')).refcount, 1);
    await t.client.mshareUnlink(consumer, 'sga');
    await assert.rejects(t.client.readRegion('sga'), (e: unknown) => e instanceof KernelError && e.errno === 'ENOENT');
    assert.deepEqual(await t.client.listRegions(), []);
    assert.equal((await t.client.accounting()).regions, 0);
  });

  it('touches a range and counts per outcome; accounting shows what sharing saves', async () => {
    const donor = await donorWithSga();
    const consumer = await t.client.spawn({ uid: 1000, gid: 1000 });
    await t.client.mshare(consumer, 'sga', SGA_ADDR, SGA_SIZE, O_RDWR, 0);
    // The first fault allocates the host's table under the one link slot touched; the donor's
    // next access finds its link entry stale and syncs it, once. The consumer syncs it once too.
    const first = await t.client.touch(donor, SGA_ADDR, GiB, 'write');
    assert.deepEqual(first, { present: 0, minorFault: 262144, sigsegv: 0, sigbus: 0, synced: 1 });
    const second = await t.client.touch(consumer, SGA_ADDR, GiB, 'read', 2);
    assert.deepEqual(second, { present: 131072, minorFault: 0, sigsegv: 0, sigbus: 0, synced: 1 });
    const a = await t.client.accounting();
    assert.equal(a.processes, 2);
    assert.equal(a.savedBytes, a.unsharedPagetableBytes - a.pagetableBytes);
    assert.ok(a.savedBytes >= 512 * 4096, `one GiB of PTE tables (512 pages) saved, got ${a.savedBytes}`);
    assert.equal(a.baseline.pteBytes, 943_718_400_000);
    assert.equal(a.accesses.minorFault, 262144);
  });

  it('answers batches over AccessStream with one outcome per address', async () => {
    const donor = await donorWithSga();
    await t.client.mmap(donor, 4n * TiB, 1n << 20n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    const stream = t.client.accessStream();
    const addrs = new BigUint64Array([SGA_ADDR, SGA_ADDR, 4n * TiB, 8n * TiB, 4n * TiB]);
    const writes = await stream.batch(donor, 'write', addrs);
    assert.deepEqual([...writes.outcomes], [Outcome.MINOR_FAULT, Outcome.PRESENT, Outcome.SIGSEGV, Outcome.SIGSEGV, Outcome.SIGSEGV]);
    assert.deepEqual([writes.present, writes.minorFault, writes.sigsegv, writes.sigbus], [1, 1, 3, 0]);
    const reads = await stream.batch(donor, 'read', addrs.subarray(2, 3));
    assert.deepEqual([...reads.outcomes], [Outcome.MINOR_FAULT]);
    await stream.close();
  });

  it('ends an AccessStream with INVALID_ARGUMENT for a batch that is not a multiple of 8, applying nothing of it', async () => {
    const donor = await donorWithSga();
    const before = await rawCall(t.client, 'GetAccounting', {});
    const stream = t.client.accessStream();
    const bad = new Uint8Array(15);
    await assert.rejects(stream.batch(donor, 'write', bad), (e: unknown) => e instanceof KernelError && e.errno === 'EINVAL');
    await assert.rejects(stream.batch(donor, 'write', new BigUint64Array([SGA_ADDR])), KernelError);
    assert.deepEqual(await rawCall(t.client, 'GetAccounting', {}), before);
  });

  it('ends an AccessStream with NOT_FOUND and mshare-errno ESRCH for an unknown pid', async () => {
    const call = t.client.raw.AccessStream();
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      call.on('error', resolve);
      call.on('data', () => {});
      call.write({ pid: 4242, kind: 'ACCESS_KIND_READ', addrs: Buffer.alloc(8) });
    });
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.deepEqual(err.metadata.get('mshare-errno'), ['ESRCH']);
  });

  describe('each errno maps to its status and travels in mshare-errno', () => {
    it('ESRCH -> NOT_FOUND', async () => {
      await expectStatus(t.client, 'Exit', { pid: 999 }, grpc.status.NOT_FOUND, 'ESRCH');
      await expectStatus(t.client, 'ProcStatus', { pid: 999 }, grpc.status.NOT_FOUND, 'ESRCH');
    });
    it('ENOENT -> NOT_FOUND', async () => {
      const pid = await t.client.spawn({ uid: 1000, gid: 1000 });
      await expectStatus(t.client, 'Mshare', { pid, name: 'nope', addr: String(SGA_ADDR), length: String(SGA_SIZE), oflags: O_RDWR }, grpc.status.NOT_FOUND, 'ENOENT');
      await expectStatus(t.client, 'ReadRegion', { name: 'nope' }, grpc.status.NOT_FOUND, 'ENOENT');
      await expectStatus(t.client, 'Spawn', { uid: 1, gid: 1, session_id: 'no-such-session' }, grpc.status.NOT_FOUND, 'ENOENT');
    });
    it('EEXIST -> ALREADY_EXISTS', async () => {
      await donorWithSga();
      const other = await t.client.spawn({ uid: 1000, gid: 1000 });
      await expectStatus(t.client, 'Mshare', {
        pid: other, name: 'sga', addr: String(SGA_ADDR), length: String(SGA_SIZE), oflags: O_CREAT | O_EXCL | O_RDWR, mode: 0o600,
      }, grpc.status.ALREADY_EXISTS, 'EEXIST');
    });
    it('EACCES -> PERMISSION_DENIED', async () => {
      await donorWithSga();
      const stranger = await t.client.spawn({ uid: 2000, gid: 2000 });
      await expectStatus(t.client, 'Mshare', {
        pid: stranger, name: 'sga', addr: String(SGA_ADDR), length: String(SGA_SIZE), oflags: O_RDONLY,
      }, grpc.status.PERMISSION_DENIED, 'EACCES');
    });
    it('EPERM -> PERMISSION_DENIED', async () => {
      await donorWithSga(O_CREAT | O_RDONLY, 0o644);
      const peer = await t.client.spawn({ uid: 1000, gid: 1000 });
      await expectStatus(t.client, 'Mshare', {
        pid: peer, name: 'sga', addr: String(SGA_ADDR), length: String(SGA_SIZE), oflags: O_RDWR,
      }, grpc.status.PERMISSION_DENIED, 'EPERM');
      const stranger = await t.client.spawn({ uid: 2000, gid: 2000 });
      await expectStatus(t.client, 'MshareUnlink', { pid: stranger, name: 'sga' }, grpc.status.PERMISSION_DENIED, 'EPERM');
    });
    it('EINVAL -> INVALID_ARGUMENT', async () => {
      const pid = await t.client.spawn({ uid: 1000, gid: 1000 });
      await t.client.mmap(pid, SGA_ADDR, SGA_SIZE, RW, SHARED_ANON);
      await expectStatus(t.client, 'Mshare', {
        pid, name: 'sga', addr: String(SGA_ADDR + 4096n), length: String(SGA_SIZE), oflags: O_CREAT | O_RDWR, mode: 0o600,
      }, grpc.status.INVALID_ARGUMENT, 'EINVAL');
      await expectStatus(t.client, 'Mshare', {
        pid, name: 'a/b', addr: String(SGA_ADDR), length: String(SGA_SIZE), oflags: O_CREAT | O_RDWR, mode: 0o600,
      }, grpc.status.INVALID_ARGUMENT, 'EINVAL');
    });
    it('ENAMETOOLONG -> INVALID_ARGUMENT', async () => {
      await expectStatus(t.client, 'ReadRegion', { name: 'x'.repeat(256) }, grpc.status.INVALID_ARGUMENT, 'ENAMETOOLONG');
    });
    it('EBADF -> INVALID_ARGUMENT', async () => {
      const pid = await t.client.spawn({ uid: 1000, gid: 1000 });
      await expectStatus(t.client, 'Mmap', { pid, addr: '0', length: '4096', prot: PROT_READ, flags: MAP_PRIVATE }, grpc.status.INVALID_ARGUMENT, 'EBADF');
    });
    it('ENOMEM -> RESOURCE_EXHAUSTED', async () => {
      const pid = await t.client.spawn({ uid: 1000, gid: 1000 });
      await expectStatus(t.client, 'Mmap', {
        pid, addr: '0', length: String(1n << 50n), prot: PROT_READ, flags: MAP_PRIVATE | MAP_ANONYMOUS,
      }, grpc.status.RESOURCE_EXHAUSTED, 'ENOMEM');
      await expectStatus(t.client, 'Mprotect', { pid, addr: String(TiB), length: '4096', prot: PROT_READ }, grpc.status.RESOURCE_EXHAUSTED, 'ENOMEM');
    });
    it('EBUSY -> FAILED_PRECONDITION', async () => {
      const donor = await donorWithSga();
      const consumer = await t.client.spawn({ uid: 1000, gid: 1000 });
      await t.client.mshare(consumer, 'sga', SGA_ADDR, SGA_SIZE, O_RDWR, 0);
      await t.client.mshareUnlink(donor, 'sga');
      // The owner holds no reference now, and the one left is a live consumer's.
      await expectStatus(t.client, 'MshareUnlink', { pid: donor, name: 'sga' }, grpc.status.FAILED_PRECONDITION, 'EBUSY');
    });
    it('the typed client rethrows the same KernelError the core throws', async () => {
      const kernel = new Kernel();
      const direct = (() => { try { kernel.exit(999); } catch (e) { return e as KernelError; } })();
      const remote = await t.client.exit(999).then(() => undefined, (e: unknown) => e);
      assert.ok(remote instanceof KernelError);
      assert.equal(remote.errno, direct?.errno);
      assert.equal(remote.message, direct?.message);
    });
  });

  describe('malformed requests get INVALID_ARGUMENT (EINVAL) and change nothing', () => {
    async function snapshot() {
      return {
        accounting: await rawCall(t.client, 'GetAccounting', {}),
        regions: await rawCall(t.client, 'ListRegions', {}),
        donor: await rawCall(t.client, 'ProcStatus', { pid: 1 }),
      };
    }

    it('rejects missing fields, numbers out of range and bad batches without a trace', async () => {
      await donorWithSga();
      const before = await snapshot();
      const sga = { addr: String(SGA_ADDR), length: String(SGA_SIZE) };
      const cases: [string, object][] = [
        ['Exit', {}], // no pid
        ['Mmap', { addr: '0', length: '4096', prot: PROT_READ, flags: MAP_PRIVATE | MAP_ANONYMOUS }], // no pid
        ['Access', { pid: 1, addr: String(SGA_ADDR) }], // no kind
        ['Access', { pid: 1, addr: String(SGA_ADDR), kind: 7 }], // no such kind
        ['Touch', { pid: 1, addr: String(SGA_ADDR), length: '4096', kind: 'ACCESS_KIND_READ', stride_pages: '9007199254740993' }],
        ['Spawn', { uid: 4294967295, gid: 0 }], // (uid_t)-1
        ['Mshare', { pid: 1, name: 'other', ...sga, oflags: O_CREAT | O_RDWR, mode: 0o1000 }], // mode beyond 0777
        ['Mshare', { pid: 1, name: '', ...sga, oflags: O_CREAT | O_RDWR, mode: 0o600 }], // no name
        ['Mmap', { pid: 1, addr: '18446744073709551615', length: '4096', prot: PROT_READ, flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED }],
        ['Spawn', { uid: 1, gid: 1, session_id: '' }],
      ];
      for (const [method, request] of cases) {
        await expectStatus(t.client, method, request, grpc.status.INVALID_ARGUMENT, 'EINVAL');
      }
      assert.deepEqual(await snapshot(), before);
      // The failed Spawns took no pid: the next one is 2.
      assert.equal(await t.client.spawn({ uid: 1, gid: 1 }), 2);
    });

    it('refuses an address that is not a number in the client, before anything is sent', async () => {
      await donorWithSga();
      const before = await snapshot();
      for (const addr of ['abc', -1n, 1n << 64n, 4096] as unknown as bigint[]) {
        await assert.rejects(t.client.mmap(1, addr, 4096n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS),
          (e: unknown) => e instanceof KernelError && e.errno === 'EINVAL');
      }
      assert.deepEqual(await snapshot(), before);
    });
  });

  it('reports an unexpected error as UNKNOWN with a generic message, without mshare-errno, and logs it', async () => {
    await t.stop();
    const logged: unknown[] = [];
    class BrokenKernel extends Kernel {
      override listRegions(): never { throw new TypeError('secret internals'); }
    }
    const logger = testLogger((obj) => logged.push(obj));
    t = await startBroker({}, { kernel: new BrokenKernel(), logger });
    const failure = await rawFailure(t.client, 'ListRegions', {});
    assert.deepEqual(failure, { code: grpc.status.UNKNOWN, errno: undefined, details: UNKNOWN_ERROR_DETAILS });
    assert.equal(logged.length, 1);
    assert.match(String((logged[0] as { err: Error }).err), /secret internals/);
  });
});

/** A pino-compatible logger that hands error() calls to `onError`. */
export function testLogger(onError: (obj: unknown) => void) {
  const noop = () => {};
  const logger = {
    level: 'info', fatal: noop, warn: noop, info: noop, debug: noop, trace: noop, silent: noop,
    error: (obj: unknown) => onError(obj),
    child: () => logger,
  };
  return logger;
}
