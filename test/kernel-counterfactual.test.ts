/**
 * The counterfactual's mirror (shared/kernel/counterfactual.ts): a region's only populating
 * process keeps no tree of its own. Whatever ends that state (another process's fault, a second
 * region, a private mapping, an unmap, an exit), every "without sharing" figure of the sharing
 * kernel must stay the figure a kernel without sharing really has for the same calls.
 */
import { strict as assert } from 'node:assert';
import { Kernel, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_RDWR, PROT_READ, PROT_WRITE } from '../shared/kernel/index.js';

const RW = PROT_READ | PROT_WRITE;
const GIB = 1n << 30n;
const R1 = 1n << 40n; // 1 TiB: 512 GiB-aligned, as mshare needs
const R2 = 3n << 39n; // the next 512 GiB
const REGION = 1n << 39n;

type Step = (k: Kernel, pids: number[]) => void;

const steps: Array<[string, Step]> = [
  ['the creator shares two empty regions', (k, [a]) => {
    k.mmap(a, R1, 4n * GIB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mshare(a, 'r1', R1, REGION, O_CREAT | O_RDWR, 0o600);
    k.mmap(a, R2, 4n * GIB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mshare(a, 'r2', R2, REGION, O_CREAT | O_RDWR, 0o600);
  }],
  ['a client attaches both', (k, [, b, c]) => {
    for (const pid of [b, c]) for (const name of ['r1', 'r2']) k.mshare(pid, name, name === 'r1' ? R1 : R2, REGION, O_RDWR, 0);
  }],
  ['the client populates r1 alone (its mirror)', (k, [, b]) => {
    k.touch(b, R1, GIB + 12345n * 4096n, 'write');
    k.touch(b, R1 + 2n * GIB, 64n * 4096n, 'write', 3);
  }],
  ['the same client single accesses, present and fresh', (k, [, b]) => access(k, b, R1, [0, 7, 300_000, 600_000, 700_001])],
  ['the client touches r2: its counterfactual takes other pages', (k, [, b]) => k.touch(b, R2, 3n * 4096n * 1000n, 'read', 5)],
  ['a second client populates r1', (k, [, , c]) => {
    k.touch(c, R1 + GIB / 2n, GIB, 'write');
    access(k, c, R1, [1, 2, 900_000]);
  }],
  ['the creator unmaps part of r1 in the host', (k, [a]) => k.munmap(a, R1 + GIB / 4n, GIB)],
  ['a private mapping, touched and unmapped', (k, [, b]) => {
    k.mmap(b, 5n << 39n, 2n * GIB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    k.touch(b, 5n << 39n, GIB, 'write', 7);
    k.munmap(b, 5n << 39n, GIB / 2n);
  }],
  ['the second client leaves r2 and exits', (k, [, , c]) => {
    k.munmap(c, R2, REGION);
    k.exit(c);
  }],
  ['a fresh client becomes the mirror of the emptied r2', (k, [a]) => {
    k.munmap(a, R2, 4n * GIB);
    k.mmap(a, R2, 4n * GIB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    const d = k.spawn({ uid: 1, gid: 1 });
    k.mshare(d, 'r2', R2, REGION, O_RDWR, 0);
    k.touch(d, R2, GIB, 'write');
    access(k, d, R2, [1, 3, 5, 100_000]);
  }],
  ['another client touches every page the host has: two mirrors of r2', (k) => {
    const e = k.spawn({ uid: 1, gid: 1 });
    k.mshare(e, 'r2', R2, REGION, O_RDWR, 0);
    k.touch(e, R2, GIB, 'read');
    access(k, e, R2, [1, 3, 5, 100_000]);
  }],
  ['one of them faults new pages, then touches more', (k) => {
    const e = Math.max(...k.pids());
    access(k, e, R2, [7, 9, 262_145]);
    k.touch(e, R2 + GIB, 4096n * 5000n, 'write');
  }],
  ['the other touches the same range again, then both exit', (k) => {
    const [d, e] = k.pids().slice(-2);
    k.touch(d, R2, GIB + 4096n * 5000n, 'write');
    k.exit(d);
    k.exit(e);
  }],
];

function access(k: Kernel, pid: number, base: bigint, pages: number[]): void {
  const buf = new Uint8Array(pages.length * 8);
  const view = new DataView(buf.buffer);
  pages.forEach((p, i) => view.setBigUint64(i * 8, base + BigInt(p) * 4096n, true));
  k.accessBatch(pid, 'write', buf);
}

describe('the counterfactual of a region\'s mirror', () => {
  it('every unshared figure equals the figure of a kernel without sharing, step by step', () => {
    const shared = new Kernel({ sharing: true });
    const plain = new Kernel({ sharing: false });
    const spawn = (k: Kernel) => [0, 1, 2].map(() => k.spawn({ uid: 1, gid: 1 }));
    const sp = spawn(shared);
    const pp = spawn(plain);
    let mirrored = 0;
    for (const [what, step] of steps) {
      step(shared, sp);
      step(plain, pp);
      for (const pid of plain.pids()) {
        const s = shared.procStatus(pid);
        const p = plain.procStatus(pid);
        assert.equal(s.unsharedVmpteBytes, p.vmpteBytes, `unshared VmPTE of pid ${pid} after: ${what}`);
        assert.deepEqual(s.unsharedMinorFaults, p.minorFaults, `unshared minor faults of pid ${pid} after: ${what}`);
        if (s.minorFaults > 0 && s.minorFaults === s.unsharedMinorFaults) mirrored++;
      }
      const a = shared.accounting();
      const b = plain.accounting();
      assert.equal(a.unsharedPagetableBytes, b.pagetableBytes, `unshared page tables after: ${what}`);
      assert.equal(a.unsharedMinorFaults, b.minorFaults, `unshared minor faults after: ${what}`);
    }
    assert.ok(mirrored > 0, 'some process took each of its unshared faults as a host fault (a mirror does)');
  });
});
