/**
 * shared/kernel/snapshot.ts: a kernel saved and restored is the same kernel: every observable
 * figure equal, its snapshot equal, and the same calls afterwards doing the same things.
 */
import { strict as assert } from 'node:assert';
import {
  Kernel, KernelError, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_RDONLY, O_RDWR, PROT_READ,
  PROT_WRITE, type KernelOptions,
} from '../shared/kernel/index.js';
import { SCHEME_NAMES } from '../shared/kernel/schemes/index.js';
import { SnapshotError, restoreKernel, snapshotKernel } from '../shared/kernel/snapshot.js';
import { mulberry32 } from '../shared/random.js';

const MiB = 1n << 20n;
const RW = PROT_READ | PROT_WRITE;

/** Everything a client can read: accounting, every process and region, exact counters, memory, OOM log. */
export function observable(k: Kernel): string {
  const procs = k.pids().sort((a, b) => a - b).map((p) => ({ s: k.procStatus(p), e: k.exactCounters(p) }));
  return JSON.stringify(
    { a: k.accounting(), e: k.exactCounters(), r: k.listRegions(), procs, m: k.memoryByKind(), o: k.oomEvents },
    (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
  );
}

/** A bounded random workload over every call that changes state; failed calls are part of it. */
function workload(k: Kernel, seed: number, steps: number): void {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[Math.floor(rnd() * xs.length)]);
  // Regions of at least 64 MiB, on at least 1 GiB boundaries (ptshare's alignment is 2 MiB).
  const align = k.mshareAlignmentBytes > 64n * MiB ? k.mshareAlignmentBytes : 64n * MiB;
  const base = (i: number) => (4n + BigInt(i)) * (align > 1024n * MiB ? align : 1024n * MiB);
  const size = (max: number) => BigInt(1 + Math.floor(rnd() * max)) * 4096n;
  for (let step = 0; step < steps; step++) {
    const pid = pick(k.pids());
    const region = Math.floor(rnd() * 3);
    const vma = pid === undefined ? undefined : pick(k.procStatus(pid).vmas);
    try {
      const op = Math.floor(rnd() * 12);
      if (op === 0 || pid === undefined) k.spawn({ uid: pick([0, 1000, 1001]) ?? 0, gid: 100, comm: `p${step}`, oomScoreAdj: step % 7 });
      else if (op === 1 && rnd() < 0.3) k.exit(pid);
      else if (op === 2) k.mmap(pid, 0n, size(8192), RW, MAP_PRIVATE | MAP_ANONYMOUS);
      else if (op === 3) {
        k.mmap(pid, base(region), 64n * MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
        k.mshare(pid, `r${region}`, base(region), align, O_CREAT | O_RDWR, 0o666);
      } else if (op === 4) k.mshare(pid, `r${region}`, base(region), align, rnd() < 0.5 ? O_RDWR : O_RDONLY, 0);
      else if (op === 5) k.mshareUnlink(pid, `r${region}`);
      else if (vma !== undefined) {
        const len = vma.end - vma.start;
        const off = (BigInt(Math.floor(rnd() * Number(len / 4096n))) * 4096n);
        const part = (len - off) / BigInt(1 + Math.floor(rnd() * 4));
        if (op === 6) k.munmap(pid, vma.start + off, part > 0n ? part : 4096n);
        else if (op === 7) k.mprotect(pid, vma.start + off, part > 0n ? part : 4096n, pick([0, PROT_READ, RW]) ?? 0);
        else if (op === 8) {
          const addrs = Buffer.alloc(8 * 64);
          for (let i = 0; i < 64; i++) addrs.writeBigUInt64LE(vma.start + BigInt(Math.floor(rnd() * Number(len))), i * 8);
          k.accessBatch(pid, pick(['read', 'write'] as const) ?? 'read', addrs);
        } else k.touch(pid, vma.start + off, part, rnd() < 0.5 ? 'write' : 'read', 1 + Math.floor(rnd() * 600));
      }
    } catch (err) {
      if (!(err instanceof KernelError)) throw err;
    }
  }
}

/** Through JSON, as the broker stores it. */
const roundTrip = (k: Kernel, options: KernelOptions) => restoreKernel(JSON.parse(JSON.stringify(snapshotKernel(k))), options);

describe('kernel snapshot', () => {
  for (const scheme of SCHEME_NAMES) {
    it(`restores a ${scheme} kernel exactly, and it goes on as the original does`, () => {
      const options: KernelOptions = { scheme, limits: { maxRegions: 8 } };
      const k = new Kernel(options);
      workload(k, 12, 400);
      assert.ok(k.pids().length > 3 && k.regionCount > 0, 'the workload left processes and regions');
      const restored = roundTrip(k, options);
      assert.equal(observable(restored), observable(k));
      assert.deepEqual(snapshotKernel(restored), snapshotKernel(k));
      // The same calls after the restore do the same things (caches, link identities, pid cursor).
      // (Their snapshots now differ in region ids only: the two kernels share one process's id counter.)
      workload(k, 99, 300);
      workload(restored, 99, 300);
      assert.equal(observable(restored), observable(k));
    });
  }

  it('keeps tables that hold no present page (which re-touching the present pages would not)', () => {
    const k = new Kernel();
    const pid = k.spawn({ uid: 1000, gid: 100 });
    const at = k.mmap(pid, 0n, 4n * MiB, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    k.touch(pid, at, 4n * MiB, 'write');
    k.munmap(pid, at, 4096n); // the page goes, its PTE table stays (the rest of the VMA needs it)
    const before = k.procStatus(pid);
    const restored = roundTrip(k, {});
    assert.deepEqual(restored.procStatus(pid), before);
    assert.equal(observable(restored), observable(k));
  });

  it('takes its limits from the new options, and numbers new regions after the restored ones', () => {
    const k = new Kernel({ limits: { maxRegions: 1 } });
    const pid = k.spawn({ uid: 0, gid: 0 });
    const align = k.mshareAlignmentBytes;
    k.mmap(pid, 4n * align, MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mshare(pid, 'a', 4n * align, align, O_CREAT | O_RDWR, 0o600);
    const restored = roundTrip(k, { limits: { maxRegions: 2 } });
    assert.equal(restored.limits.maxRegions, 2);
    restored.mmap(pid, 5n * align, MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    restored.mshare(pid, 'b', 5n * align, align, O_CREAT | O_RDWR, 0o600);
    assert.deepEqual(restored.listRegions().map((r) => r.name), ['a', 'b']);
    const ids = [...restored.hosts].map((r) => r.id);
    assert.equal(new Set(ids).size, 2, `region ids ${ids.join(', ')} are distinct`);
  });

  it('keeps a ptshare client\'s whole-group links its own after a restore (the host\'s changes sync again)', () => {
    // A client touching a whole GiB of a full host links its 512 entries at once, holding the
    // host's identities without a copy until either side writes (link-ids.ts): the restored
    // kernel must copy on write too, or the host's new identity shows in the client's entries.
    const GiB = 1024n * MiB;
    const k = new Kernel({ scheme: 'ptshare' });
    const donor = k.spawn({ uid: 0, gid: 0 });
    const at = 4n * GiB;
    k.mmap(donor, at, GiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mshare(donor, 'sga', at, GiB, O_CREAT | O_RDWR, 0o600);
    k.touch(donor, at, GiB, 'write');
    const client = k.spawn({ uid: 0, gid: 0 });
    k.mshare(client, 'sga', at, GiB, O_RDWR, 0);
    k.touch(client, at, GiB, 'read');
    const restored = roundTrip(k, { scheme: 'ptshare' });
    for (const kernel of [k, restored]) {
      // The host's PTE table under the first 2 MiB goes and comes back: a new identity.
      kernel.munmap(donor, at, 2n * MiB);
      kernel.mmap(donor, at, 2n * MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
      kernel.touch(donor, at, 2n * MiB, 'write');
      kernel.touch(client, at, 4096n, 'read');
    }
    assert.ok(k.exactCounters(client).synced > 512, 'the client synced the new identity in the original');
    assert.equal(observable(restored), observable(k));
  });

  it('refuses a snapshot of another version, another shape, or a damaged one, naming why', () => {
    const k = new Kernel();
    k.spawn({ uid: 1, gid: 1 });
    const good = snapshotKernel(k);
    const refuses = (bad: unknown, options: KernelOptions, pattern: RegExp) =>
      assert.throws(() => restoreKernel(bad, options), (e: unknown) => e instanceof SnapshotError && e.errno === 'EINVAL' && pattern.test(e.message));
    refuses({ ...good, version: 1 }, {}, /version 1 is not the version this broker reads \(2\)/);
    refuses({ ...good, format: 'x' }, {}, /format is "x"/);
    refuses(null, {}, /not a JSON object/);
    refuses(good, { scheme: 'none' }, /taken with scheme mshare, and this kernel has none/);
    refuses(good, { geometry: 'x86_64-5level' }, /geometry x86_64-4level/);
    refuses({ ...good, nodes: [{ k: 'o', c: 'Nope', p: {} }] }, {}, /unknown class Nope/);
    refuses({ ...good, nodes: [{ k: 'o', c: 'Kernel', p: { processes: { r: 999 } } }] }, {}, /no node 999/);
    refuses({ ...good, nodes: [{ k: 'o', c: 'Kernel', p: { processes: { zz: 1 } } }] }, {}, /bad value at kernel.processes/);
  });
});
