/**
 * Range fill (pagetable/fill.ts): a run of untouched entries wholly inside the range is one step.
 * The oracle is the same fill cut into half-GiB pieces, which no entry above a PTE table lies
 * wholly inside: the two trees must count the same pages and tables, level by level.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { geometry as geometryOf } from '../shared/kernel/geometry.js';
import { fill } from '../shared/kernel/pagetable/fill.js';
import { TableMemory } from '../shared/kernel/pagetable/ledger.js';
import { countPresent } from '../shared/kernel/pagetable/range.js';
import { DirTable, FULL, PageTree, type Entry } from '../shared/kernel/pagetable/tree.js';

const GIB_PAGES = 2 ** 18;
const HALF = GIB_PAGES / 2;

function newTree(name: 'x86_64-4level' | 'x86_64-5level' = 'x86_64-4level'): { tree: PageTree; ledger: TableMemory } {
  const geometry = geometryOf(name);
  const ledger = new TableMemory(geometry.levels);
  return { tree: new PageTree(geometry, ledger), ledger };
}

/**
 * fill() of the series start, start + stride, ... below `end`, in pieces no longer than half a
 * GiB, aligned to half GiBs: each piece starts at the series' first page in it.
 */
function fillInHalves(tree: PageTree, start: number, end: number, stride = 1): { newly: number; already: number } {
  const total = { newly: 0, already: 0 };
  for (let a = start; a < end;) {
    const b = Math.min(end, (Math.floor(a / HALF) + 1) * HALF);
    const first = start + Math.ceil((a - start) / stride) * stride;
    if (first < b) {
      const r = fill(tree, first, b, stride);
      total.newly += r.newly;
      total.already += r.already;
    }
    a = b;
  }
  return total;
}

/** The directory levels' shape: FULL, none, or a table with its count of FULL entries and its children. */
function shape(e: Entry): unknown {
  if (e === FULL) return 'FULL';
  if (e === null) return null;
  if (e instanceof DirTable) return { full: e.fullCount, children: e.children.map(shape) };
  return 'PMD';
}

describe('range fill', () => {
  it('fills runs of untouched entries as the same fill in half-GiB pieces does, at any stride, 4 and 5 levels (fast-check)', () => {
    // GiBs 0..2047 (2 TiB: four PGD entries), some made FULL, some given a few pages, before the fill.
    const setupArb = fc.array(fc.record({
      gib: fc.integer({ min: 0, max: 2047 }), full: fc.boolean(), page: fc.integer({ min: 0, max: GIB_PAGES - 1 }),
    }), { maxLength: 40 });
    const rangeArb = fc.record({
      from: fc.integer({ min: 0, max: 2048 * GIB_PAGES - 1 }), len: fc.integer({ min: 1, max: 1200 * GIB_PAGES }),
      stride: fc.constantFrom(1, 1, 1, 2, 3, 512),
      geometry: fc.constantFrom<'x86_64-4level' | 'x86_64-5level'>('x86_64-4level', 'x86_64-5level'),
    });
    fc.assert(fc.property(setupArb, rangeArb, (setup, range) => {
      const a = newTree(range.geometry);
      const b = newTree(range.geometry);
      for (const t of [a, b]) {
        for (const s of setup) {
          if (s.full) fillInHalves(t.tree, s.gib * GIB_PAGES, (s.gib + 1) * GIB_PAGES);
          else t.tree.populate(s.gib * GIB_PAGES + s.page);
        }
      }
      // A short stride costs a step per page (a PTE table's bits): up to 4 GiB of it.
      const len = range.stride < 512 && range.stride > 1 ? Math.min(range.len, 4 * GIB_PAGES) : range.len;
      const end = Math.min(range.from + len, 2048 * GIB_PAGES);
      const ra = fill(a.tree, range.from, end, range.stride);
      const rb = fillInHalves(b.tree, range.from, end, range.stride);
      assert.deepEqual(ra, rb);
      assert.equal(a.tree.present, b.tree.present);
      assert.deepEqual([...a.tree.tables], [...b.tree.tables]);
      assert.deepEqual([...a.ledger.pages], [...b.ledger.pages]);
      assert.deepEqual(shape(a.tree.root), shape(b.tree.root), 'FULL entries and collapsed tables');
      assert.equal(countPresent(a.tree, 0, 2048 * GIB_PAGES), countPresent(b.tree, 0, 2048 * GIB_PAGES));
      for (const p of [range.from, end - 1, range.from - 1, end, 0, 2048 * GIB_PAGES - 1]) {
        if (p >= 0 && p < 2048 * GIB_PAGES) assert.equal(a.tree.isPresent(p), b.tree.isPresent(p));
      }
    }), { numRuns: 200 });
  });

  it('counts a 300 GiB touch of an empty tree in one run: 300 full PMD tables and their PTE tables', () => {
    const { tree, ledger } = newTree();
    const start = 4 * 512 * GIB_PAGES; // 2 TiB: the first of 512 GiB under a PGD entry
    const r = fill(tree, start, start + 300 * GIB_PAGES, 1);
    assert.deepEqual(r, { newly: 300 * GIB_PAGES, already: 0 });
    assert.deepEqual([...ledger.pages], [0, 300 * 512, 300, 1, 0]);
    const again = fill(tree, start, start + 300 * GIB_PAGES, 1);
    assert.deepEqual(again, { newly: 0, already: 300 * GIB_PAGES });
    assert.deepEqual([...ledger.pages], [0, 300 * 512, 300, 1, 0]);
  });

  it('a GiB populated page by page collapses into FULL as its fill does, at whatever page it completes', () => {
    for (const order of ['ascending', 'descending', 'strided'] as const) {
      const a = newTree();
      const b = newTree();
      const base = 7 * GIB_PAGES;
      for (let i = 0; i < GIB_PAGES; i++) {
        const k = order === 'ascending' ? i : order === 'descending' ? GIB_PAGES - 1 - i : (i * 513) % GIB_PAGES;
        assert.equal(a.tree.populate(base + k), true);
      }
      fill(b.tree, base, base + GIB_PAGES, 1);
      assert.deepEqual(shape(a.tree.root), shape(b.tree.root), order);
      assert.deepEqual([...a.ledger.pages], [...b.ledger.pages], order);
      assert.equal(a.tree.populate(base + 5), false);
    }
  });
});
