import { strict as assert } from 'node:assert';
import { ConfigError, loadConfig } from '../services/broker/config.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_HUGETLB, MAP_HUGE_2MB, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE,
} from '../shared/kernel/uapi.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const TiB = 1n << 40n;
const RW = PROT_READ | PROT_WRITE;
const KiB = 1024;

describe('sharing schemes through the broker', () => {
  let b: TestBroker | undefined;
  afterEach(async () => {
    await b?.stop();
    b = undefined;
  });

  it('GetGeometry reports the scheme, PTI and the PGD size', async () => {
    b = await startBroker({ MSHARE_SCHEME: 'ptshare', MSHARE_PTI: 'true' });
    const g = await b.client.geometry();
    assert.equal(g.scheme, 'ptshare');
    assert.equal(g.sharing, true);
    assert.equal(g.pti, true);
    assert.equal(g.pgdBytes, 8192);
    assert.equal(g.mshareAlignment, 2n * MiB);
  });

  it('hugetlb 2 GiB at 1 TiB, 4 processes one after another: +12 KiB VmPTE each (measured)', async () => {
    b = await startBroker({});
    const c = b.client;
    for (let i = 0; i < 4; i++) {
      const pid = await c.spawn({ uid: 1000, gid: 1000 });
      await c.mmap(pid, TiB, 2n * GiB, RW, MAP_SHARED | MAP_FIXED | MAP_HUGETLB | MAP_HUGE_2MB, 'hugefile', 0n);
      await c.touch(pid, TiB, 2n * GiB, 'write');
      const s = await c.procStatus(pid);
      assert.equal(s.vmpteBytes, 12 * KiB);
      assert.equal(s.vmas[0].pageSize, 2 * 1024 * 1024);
    }
    // The two PMD pages once, four PUD pages, four PGDs.
    assert.equal((await c.accounting()).pagetableBytes, (2 + 4 + 4) * 4096);
  });

  it('hugetlb 1 GiB at 1 TiB + 2 MiB: 12 KiB each, not shared (measured)', async () => {
    b = await startBroker({});
    const c = b.client;
    for (let i = 0; i < 2; i++) {
      const pid = await c.spawn({ uid: 1000, gid: 1000 });
      await c.mmap(pid, TiB + 2n * MiB, GiB, RW, MAP_SHARED | MAP_FIXED | MAP_HUGETLB | MAP_HUGE_2MB, 'hugefile', 0n);
      await c.touch(pid, TiB + 2n * MiB, GiB, 'write');
      assert.equal((await c.procStatus(pid)).vmpteBytes, 12 * KiB);
    }
    assert.equal((await c.accounting()).pagetableBytes, (6 + 2) * 4096);
  });

  it('thp: a 1 GiB shared memory mapping is 8 KiB; 1 GiB anonymous madvised is 2056 KiB with faults / 512 (measured)', async () => {
    b = await startBroker({ MSHARE_SCHEME: 'thp' });
    const c = b.client;
    const shm = await c.spawn({ uid: 1000, gid: 1000 });
    await c.mmap(shm, TiB, GiB, RW, MAP_SHARED | MAP_FIXED, 'memfd', 0n);
    await c.touch(shm, TiB, GiB, 'write');
    assert.equal((await c.procStatus(shm)).vmpteBytes, 8 * KiB);
    const anon = await c.spawn({ uid: 1000, gid: 1000 });
    await c.mmap(anon, TiB, GiB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    await c.touch(anon, TiB, GiB, 'write');
    const s = await c.procStatus(anon);
    assert.equal(s.vmpteBytes, 2056 * KiB);
    assert.equal(s.minorFaults, 512);
    assert.equal(s.unsharedMinorFaults, 512 * 512);
  });

  it('a hugetlb pool: beyond it ENOMEM (RESOURCE_EXHAUSTED) with nothing mapped', async () => {
    b = await startBroker({ MSHARE_HUGEPAGES_2M: '2' });
    const c = b.client;
    const pid = await c.spawn({ uid: 1000, gid: 1000 });
    await assert.rejects(c.mmap(pid, TiB, 6n * MiB, RW, MAP_SHARED | MAP_FIXED | MAP_HUGETLB, 'f', 0n), { errno: 'ENOMEM' });
    assert.equal((await c.procStatus(pid)).vmas.length, 0);
    await c.mmap(pid, TiB, 4n * MiB, RW, MAP_SHARED | MAP_FIXED | MAP_HUGETLB, 'f', 0n);
  });
});

describe('MSHARE_SCHEME and its alias MSHARE_SHARING', () => {
  it('defaults to mshare; MSHARE_SHARING=false is none; a conflicting pair is a ConfigError (exit 2)', () => {
    assert.equal(loadConfig({}).scheme, 'mshare');
    assert.equal(loadConfig({ MSHARE_SHARING: 'false' }).scheme, 'none');
    assert.equal(loadConfig({ MSHARE_SCHEME: 'hugetlb' }).sharing, true);
    assert.equal(loadConfig({ MSHARE_SCHEME: 'none' }).sharing, false);
    assert.throws(() => loadConfig({ MSHARE_SCHEME: 'hugetlb', MSHARE_SHARING: 'false' }), ConfigError);
    assert.throws(() => loadConfig({ MSHARE_SCHEME: 'none', MSHARE_SHARING: 'true' }), ConfigError);
    assert.throws(() => loadConfig({ MSHARE_SCHEME: 'bogus' }), ConfigError);
    assert.equal(loadConfig({ MSHARE_HUGEPAGES_1G: '3' }).hugepages1g, 3);
  });
});
