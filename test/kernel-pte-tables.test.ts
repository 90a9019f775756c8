/**
 * PTE tables held inline by their PMD table: the cases where one moves or changes state on its
 * own (a PMD-level link entry moved into the host by mshare, FULL expanded by a partial zap,
 * freed by the free_pgd_range rule), counted as Linux counts them.
 */
import { strict as assert } from 'node:assert';
import {
  Kernel, MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_RDWR, PROT_READ, PROT_WRITE,
} from '../shared/kernel/index.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const PAGE = 4096n;
const RW = PROT_READ | PROT_WRITE;
const FLAGS = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;

describe('PTE tables inside their PMD table', () => {
  for (const sharing of [true, false]) {
    it(`mshare at linkLevel 2 moves the creator's PTE tables, full and partial (${sharing ? 'shared' : 'unshared'})`, () => {
      const k = new Kernel({ linkLevel: 2, sharing });
      const base = 4n * GiB;
      const donor = k.spawn({ uid: 1, gid: 1 });
      k.mmap(donor, base, 8n * MiB, RW, FLAGS);
      assert.equal(k.touch(donor, base, 2n * MiB, 'write').minorFault, 512); // a FULL PTE table
      for (const p of [0n, 7n, 511n]) k.access(donor, base + 2n * MiB + p * PAGE, 'write'); // a partial one
      assert.deepEqual(k.procStatus(donor).tables, { pte: 2, pmd: 1, pud: 1, p4d: 0, pgd: 1 });

      k.mshare(donor, 'p', base, 8n * MiB, O_CREAT | O_RDWR, 0o600);
      if (sharing) {
        // The PTE tables went to the host; the creator keeps its path to the link entries.
        assert.deepEqual(k.readRegion('p').tables, { pte: 2, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
        assert.deepEqual(k.procStatus(donor).tables, { pte: 0, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
        // Its counterfactual holds copies: the same 2 PTE tables under the same PMD and PUD.
        assert.equal(k.procStatus(donor).unsharedVmpteBytes, 4 * 4096);
      } else {
        assert.deepEqual(k.procStatus(donor).tables, { pte: 2, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
      }
      // The pages moved with their tables, bit for bit.
      for (const p of [0n, 7n, 511n]) assert.equal(k.access(donor, base + 2n * MiB + p * PAGE, 'read').outcome, 'present');
      assert.equal(k.access(donor, base + 2n * MiB + 8n * PAGE, 'read').outcome, 'minor_fault');
      assert.equal(k.touch(donor, base, 2n * MiB, 'read').present, 512);

      const b = k.spawn({ uid: 1, gid: 1 });
      k.mshare(b, 'p', base, 8n * MiB, O_RDWR, 0);
      const t = k.touch(b, base, 4n * MiB, 'read');
      assert.deepEqual([t.present, t.minorFault], sharing ? [516, 508] : [0, 1024]);

      // A partial munmap expands the FULL PTE table; unmapping all of a 2 MiB frees its table.
      k.munmap(donor, base + 4n * PAGE, 4n * PAGE);
      k.munmap(donor, base + 2n * MiB, 2n * MiB);
      if (sharing) {
        assert.deepEqual(k.readRegion('p').tables, { pte: 1, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
        assert.equal(k.touch(b, base, 2n * MiB, 'read', 4).present, 127);
      } else {
        assert.deepEqual(k.procStatus(donor).tables, { pte: 1, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
        assert.deepEqual(k.procStatus(b).tables, { pte: 1, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
      }
    });
  }

  it('a PTE table outlives its pages while a VMA overlaps it, and goes with the last one', () => {
    const k = new Kernel({ sharing: false });
    const pid = k.spawn({ uid: 1, gid: 1 });
    const base = 8n * GiB;
    k.mmap(pid, base, 1n * GiB, RW, FLAGS);
    k.touch(pid, base, 1n * GiB, 'write'); // collapses to FULL at the PUD entry
    assert.deepEqual(k.procStatus(pid).tables, { pte: 512, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
    // Zapping the first 2 MiB but one page: that PTE table stays, empty but for one page.
    k.munmap(pid, base, 2n * MiB - PAGE);
    assert.deepEqual(k.procStatus(pid).tables, { pte: 512, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
    k.munmap(pid, base + 2n * MiB - PAGE, PAGE);
    assert.deepEqual(k.procStatus(pid).tables, { pte: 511, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
    // Refilling by a new mapping: the PTE table comes back, and a full touch collapses it again.
    k.mmap(pid, base, 2n * MiB, RW, FLAGS);
    const t = k.touch(pid, base, 1n * GiB, 'write');
    assert.deepEqual([t.present, t.minorFault], [2 ** 18 - 512, 512]);
    assert.deepEqual(k.procStatus(pid).tables, { pte: 512, pmd: 1, pud: 1, p4d: 0, pgd: 1 });
    assert.equal(k.touch(pid, base, 1n * GiB, 'read').present, 2 ** 18);
    k.munmap(pid, base, 1n * GiB);
    assert.deepEqual(k.procStatus(pid).tables, { pte: 0, pmd: 0, pud: 0, p4d: 0, pgd: 1 });
  });
});
