/**
 * PMD tables in their two forms (pagetable/tables.ts): sparse sorted keys while few pages are
 * present, dense bitmaps after. The tree answers as a plain set of pages would, through the
 * transition, and the sparse form stays within its memory budget (counted by size.ts, not RSS).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { packPages } from '../shared/addresses.js';
import { geometry as geometryOf } from '../shared/kernel/geometry.js';
import { Kernel, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../shared/kernel/index.js';
import { TableMemory } from '../shared/kernel/pagetable/ledger.js';
import { fill } from '../shared/kernel/pagetable/fill.js';
import { countPresent, forEachPresentRun, zap } from '../shared/kernel/pagetable/range.js';
import { pmdTableBytes, treeBytes } from '../shared/kernel/pagetable/size.js';
import { SPARSE_MAX, SPLICE_FROM } from '../shared/kernel/pagetable/sparse.js';
import { PageTree, PmdTable } from '../shared/kernel/pagetable/tree.js';
import { kernelTableBytes, simulatedTables } from './support/table-bytes.js';

const GIB_PAGES = 2 ** 18;
const BASE = 5 * GIB_PAGES; // a PMD table's first page, away from 0

function newTree(): { tree: PageTree; ledger: TableMemory } {
  const geometry = geometryOf('x86_64-4level');
  const ledger = new TableMemory(geometry.levels);
  return { tree: new PageTree(geometry, ledger), ledger };
}

type Op = { kind: 'populate' | 'fill' | 'zap'; at: number; len: number; stride: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op['kind']>('populate', 'populate', 'fill', 'zap'),
  // Two PMD tables' worth of pages, so ranges straddle one and the PTE tables of both fill up.
  at: fc.oneof(fc.integer({ min: BASE, max: BASE + 2 * GIB_PAGES - 1 }), fc.integer({ min: BASE, max: BASE + 3000 }),
    fc.integer({ min: BASE + GIB_PAGES - 1500, max: BASE + GIB_PAGES + 1500 })),
  len: fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constant(512), fc.integer({ min: 1, max: 20_000 })),
  stride: fc.constantFrom(1, 1, 3, 512, 4096),
});

describe('sparse and dense PMD tables', () => {
  it('answer as a set of pages does, through the sparse-to-dense transition (fast-check)', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 2 ** 30 }), (ops, seed) => {
      const { tree, ledger } = newTree();
      const model = new Set<number>();
      // Tables that exist: added by a page under them, freed by a zap covering their whole span
      // (munmap's rule when everything outside the zapped range stays mapped).
      const ptes = new Set<number>();
      const pmds = new Set<number>();
      const add = (p: number): void => {
        model.add(p);
        ptes.add(Math.floor(p / 512));
        pmds.add(Math.floor(p / GIB_PAGES));
      };
      let s = seed;
      for (const op of ops) {
        const end = Math.min(op.at + op.len, BASE + 2 * GIB_PAGES);
        if (op.kind === 'populate') {
          for (let i = 0; i < Math.min(op.len, 300); i++) {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            // Mostly near the ranges' starts, so zaps and fills meet the pages a sparse table holds.
            const p = s % 4 === 0 ? BASE + (s % (2 * GIB_PAGES)) : op.at + ((s >>> 2) % 1500);
            if (p >= BASE + 2 * GIB_PAGES) continue;
            assert.equal(tree.populate(p), !model.has(p));
            add(p);
          }
        } else if (op.kind === 'fill') {
          const r = fill(tree, op.at, end, op.stride);
          let newly = 0;
          for (let p = op.at; p < end; p += op.stride) if (!model.has(p)) { add(p); newly++; }
          assert.equal(r.newly, newly);
        } else {
          zap(tree, op.at, end, (a, b) => a < op.at || b > end);
          for (let p = op.at; p < end; p++) model.delete(p);
          for (const t of [...ptes]) if (op.at <= t * 512 && (t + 1) * 512 <= end) ptes.delete(t);
          for (const t of [...pmds]) if (op.at <= t * GIB_PAGES && (t + 1) * GIB_PAGES <= end) pmds.delete(t);
        }
        assert.equal(tree.present, model.size);
        assert.equal(ledger.pages[1], ptes.size);
        assert.equal(ledger.pages[2], pmds.size);
      }
      const sorted = [...model].sort((a, b) => a - b);
      assert.equal(countPresent(tree, BASE, BASE + 2 * GIB_PAGES), model.size);
      const runs: number[] = [];
      forEachPresentRun(tree, BASE, BASE + 2 * GIB_PAGES, (a, b) => { for (let p = a; p < b; p++) runs.push(p); });
      assert.deepEqual(runs, sorted);
      for (let i = 0; i < 500; i++) {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        const p = BASE + (s % (2 * GIB_PAGES));
        assert.equal(tree.isPresent(p), model.has(p));
      }
      for (const p of sorted.slice(0, 200)) assert.equal(tree.isPresent(p), true);
      assert.equal(tree.tables[1], ptes.size);
    }), { numRuns: 60 });
  });

  it('a table turns dense when its keys pass SPARSE_MAX, and answers the same', () => {
    const { tree } = newTree();
    const pmdOf = () => tree.tableAt(2, BASE, false) as PmdTable;
    for (let i = 0; i < SPARSE_MAX / 2 - 1; i++) tree.populate(BASE + i * 512); // a marker and a page each
    assert.notEqual(pmdOf().keys, null);
    assert.equal(pmdOf().size, SPARSE_MAX - 2);
    tree.populate(BASE + 1); // one more page under an existing PTE table: still fits
    tree.populate(BASE + 2);
    assert.equal(pmdOf().keys, null, 'dense after the keys would pass SPARSE_MAX');
    for (let i = 0; i < SPARSE_MAX / 2 - 1; i++) assert.equal(tree.isPresent(BASE + i * 512), true);
    assert.equal(tree.isPresent(BASE + 3), false);
    assert.equal(tree.tables[1], SPARSE_MAX / 2 - 1);
  });

  it('past SPLICE_FROM keys a sparse table is kept exact and grown by splice, and answers the same', () => {
    // Random faults into one PMD table (some right after a lookup of another page, so the position
    // the fault would reuse is stale), a zap in the middle, then more faults: against a Set.
    const { tree } = newTree();
    const pmdOf = () => tree.tableAt(2, BASE, false) as PmdTable;
    const model = new Set<number>();
    let s = 11;
    const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31);
    const faults = (n: number) => {
      for (let i = 0; i < n; i++) {
        const p = BASE + (next() % GIB_PAGES);
        const q = BASE + (next() % GIB_PAGES);
        if (next() % 3 === 0 && !model.has(p)) {
          // The lookup before the fault is of another page: the fault's position hint is stale.
          assert.equal(pmdOf().has(q - BASE), model.has(q));
          tree.populateAbsent(p);
        } else {
          assert.equal(tree.populate(p), !model.has(p));
        }
        model.add(p);
      }
    };
    faults(60);
    const keys = pmdOf().keys;
    assert.ok(keys !== null && pmdOf().size > SPLICE_FROM && keys.length === pmdOf().size, 'exact past SPLICE_FROM');
    assert.ok(pmdTableBytes(pmdOf()) >= 48 + keys.length * 8 * 1.5, 'size.ts counts the capacity V8 may keep');
    // A zap of a quarter of the table, the rest still mapped (its PTE tables go, the PMD table stays).
    const [from, to] = [BASE + GIB_PAGES / 4, BASE + GIB_PAGES / 2];
    zap(tree, from, to, (a, b) => a < from || b > to);
    for (const p of [...model]) if (p >= from && p < to) model.delete(p);
    faults(120);
    assert.notEqual(pmdOf().keys, null, 'still sparse');
    assert.equal(tree.present, model.size);
    for (const p of model) assert.equal(tree.isPresent(p), true);
    const runs: number[] = [];
    forEachPresentRun(tree, BASE, BASE + GIB_PAGES, (a, b) => { for (let p = a; p < b; p++) runs.push(p); });
    assert.deepEqual(runs, [...model].sort((a, b) => a - b));
  });

  it('sparse random 0.1%: at most 64 B per populated page; one page per PMD table: at most 128 B per table', () => {
    const { tree, ledger } = newTree();
    const pages = 300 * GIB_PAGES / 1000;
    let s = 7;
    for (let i = 0; i < pages; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      tree.populate(BASE + Math.floor((s / 2 ** 31) * 300 * GIB_PAGES));
    }
    const perPage = treeBytes(tree) / tree.present;
    assert.ok(perPage <= 64, `${perPage.toFixed(1)} B per populated page`);

    const one = newTree();
    for (let g = 0; g < 1000; g++) one.tree.populate(BASE + g * GIB_PAGES + 12_345);
    const tables = one.ledger.pages.reduce((a, b) => a + b, 0);
    const perTable = treeBytes(one.tree) / tables;
    assert.ok(perTable <= 128, `${perTable.toFixed(1)} B per simulated table`);
    assert.ok(pmdTableBytes(one.tree.tableAt(2, BASE, false) as PmdTable) < 200);
    void ledger;
  });
});

describe('bounded cost per request (issue 12): table memory per simulated table, by size.ts', () => {
  const TiB = 1n << 40n;
  const GiB = 1n << 30n;
  const RW = PROT_READ | PROT_WRITE;
  for (const sharing of [true, false]) {
    it(`a Touch of one page per GiB over 32 TiB stays within 256 B per table (${sharing ? 'mshare' : 'none'})`, () => {
      const k = new Kernel({ sharing });
      const pid = k.spawn({ uid: 1, gid: 1 });
      k.mmap(pid, 16n * TiB, 32n * TiB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
      const bytes0 = kernelTableBytes(k);
      const tables0 = simulatedTables(k);
      const r = k.touch(pid, 16n * TiB, 32n * TiB, 'write', 2 ** 18);
      assert.equal(r.minorFault, 32 * 1024);
      const tables = simulatedTables(k) - tables0;
      assert.equal(tables, 32 * 1024 * 2 + 64); // a PTE and a PMD table per GiB, a PUD table per 512 GiB
      const perTable = (kernelTableBytes(k) - bytes0) / tables;
      assert.ok(perTable <= 256, `${perTable.toFixed(1)} B per table`);
    });

    it(`one 128 KiB batch (16,384 addresses, one per GiB) stays within 256 B per table (${sharing ? 'mshare' : 'none'})`, () => {
      const k = new Kernel({ sharing });
      const pid = k.spawn({ uid: 1, gid: 1 });
      k.mmap(pid, 16n * TiB, 16n * TiB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
      const first = Number((16n * TiB) >> 12n);
      const batch = packPages(16_384, (i) => first + i * 2 ** 18 + ((i * 7919) % 2 ** 18));
      assert.equal(batch.byteLength, 128 * 1024);
      const bytes0 = kernelTableBytes(k);
      const tables0 = simulatedTables(k);
      assert.equal(k.accessBatch(pid, 'write', batch).minorFault, 16_384);
      const tables = simulatedTables(k) - tables0;
      assert.equal(tables, 16_384 * 2 + 32);
      const perTable = (kernelTableBytes(k) - bytes0) / tables;
      assert.ok(perTable <= 256, `${perTable.toFixed(1)} B per table`);
      void GiB;
    });
  }
});
