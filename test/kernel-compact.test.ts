/**
 * The compact counterfactual (shared/kernel/pagetable/compact.ts, counterfactual.ts): its table
 * counts against a PageTree fed the same pages (the oracle) at every level boundary of both
 * geometries, its comparison with a tree against commonTables, its turning into a tree (a zap,
 * the size limit, a large fill), and whole random kernel runs giving the same figures with the
 * compact form on as with every counterfactual a tree (setCompactLimit(0)).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { commonTables } from '../shared/kernel/accounting.js';
import { setCompactLimit } from '../shared/kernel/counterfactual.js';
import {
  Kernel, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_RDWR, PROT_READ, PROT_WRITE, geometry,
  type GeometryName,
} from '../shared/kernel/index.js';
import type { Process } from '../shared/kernel/mm.js';
import { CompactTree, commonWithCompact } from '../shared/kernel/pagetable/compact.js';
import { COUNTERFACTUAL } from '../shared/kernel/pagetable/ledger.js';
import { fill } from '../shared/kernel/pagetable/fill.js';
import { countPresent } from '../shared/kernel/pagetable/range.js';
import { PageTree } from '../shared/kernel/pagetable/tree.js';
import { restoreKernel, snapshotKernel } from '../shared/kernel/snapshot.js';

const GEOMETRIES: GeometryName[] = ['x86_64-4level', 'x86_64-5level'];
const RW = PROT_READ | PROT_WRITE;
const GIB = 1n << 30n;

/** A compact form and a tree, fed the same pages. */
function pair(name: GeometryName): { c: CompactTree; t: PageTree } {
  const g = geometry(name);
  return { c: new CompactTree(g.levels), t: new PageTree(g, COUNTERFACTUAL) };
}

function assertSame(c: CompactTree, t: PageTree, what: string): void {
  assert.equal(c.present, t.present, `present pages, ${what}`);
  assert.deepEqual([...c.tables], [...t.tables], `tables by level, ${what}`);
}

function procOf(k: Kernel, pid: number): Process {
  const procs = Reflect.get(k, 'processes') as Map<number, Process>;
  const proc = procs.get(pid);
  assert.ok(proc !== undefined, `pid ${pid}`);
  return proc;
}

/** Runs `f` with the compact form's limit set to `pages`, then puts the old one back. */
function withLimit<T>(pages: number, f: () => T): T {
  const old = setCompactLimit(pages);
  try {
    return f();
  } finally {
    setCompactLimit(old);
  }
}

function access(k: Kernel, pid: number, pages: number[]): number[] {
  const buf = new Uint8Array(pages.length * 8);
  const view = new DataView(buf.buffer);
  pages.forEach((p, i) => view.setBigUint64(i * 8, BigInt(p) * 4096n, true));
  const out = new Uint8Array(pages.length);
  k.accessBatch(pid, 'write', buf, out);
  return [...out];
}

describe('compact counterfactual: the neighbour rule', () => {
  for (const name of GEOMETRIES) {
    const g = geometry(name);
    const top = g.levels;
    for (let level = 1; level < top; level++) {
      const b = g.tableSpanPages[level]; // the first page of the second table of `level`
      it(`${name}: a page across a ${g.levelNames[level]} table boundary opens tables up to that level, no higher`, () => {
        for (const [first, second] of [[b - 1, b], [b, b - 1]]) {
          const { c, t } = pair(name);
          c.populate(first);
          t.populate(first);
          const before = [...c.tables];
          assert.equal(c.populate(second), true);
          t.populate(second);
          for (let l = 1; l < top; l++) assert.equal(c.tables[l] - before[l], l <= level ? 1 : 0, `level ${l}`);
          assertSame(c, t, `${first} then ${second}`);
          assert.equal(c.populate(second), false, 'a present page is no fault');
        }
      });
      it(`${name}: a page between two neighbours, one under its ${g.levelNames[level]} table, opens only the tables below`, () => {
        // below: the last page of the previous table; above: a page of the same table of `level`,
        // in another table of the level under it (for level 1, the same PTE table).
        const above = level === 1 ? b + 7 : b + g.tableSpanPages[level - 1];
        const { c, t } = pair(name);
        for (const p of [b - 1, above, b]) {
          const before = [...c.tables];
          assert.equal(c.populate(p), t.populate(p));
          if (p === b) for (let l = 1; l < top; l++) assert.equal(c.tables[l] - before[l], l < level ? 1 : 0, `level ${l}`);
        }
        assertSame(c, t, 'after the middle page');
      });
    }

    it(`${name}: random pages across every boundary, in any order, count as the tree does`, () => {
      const pages: number[] = [];
      for (let l = 1; l < top; l++) for (const k of [1, 2, 3]) pages.push(k * g.tableSpanPages[l] - 1, k * g.tableSpanPages[l], k * g.tableSpanPages[l] + 1);
      fc.assert(fc.property(fc.shuffledSubarray(pages, { minLength: 1 }), fc.array(fc.integer({ min: 0, max: g.userLimitPages - 1 }), { maxLength: 20 }),
        (some, random) => {
          const { c, t } = pair(name);
          for (const p of [...some, ...random, ...some]) {
            assert.equal(c.populate(p), t.populate(p), `populate ${p}`);
            assertSame(c, t, `after ${p}`);
            assert.equal(c.isPresent(p), true);
          }
        }), { numRuns: 60 });
    });

    it(`${name}: a series fill merges as fill() on the tree counts, and populateInto builds the same tree`, () => {
      fc.assert(fc.property(fc.array(fc.record({
        start: fc.oneof(fc.integer({ min: 0, max: 3 * 2 ** 18 }), fc.constantFrom(2 ** 27 - 700, g.userLimitPages - 2 ** 24)),
        len: fc.integer({ min: 0, max: 3000 }),
        stride: fc.constantFrom(1, 2, 511, 512, 513, 4096),
      }), { minLength: 1, maxLength: 6 }), (fills) => {
        const { c, t } = pair(name);
        for (const { start, len, stride } of fills) {
          assert.equal(c.fill(start, start + len, stride), fill(t, start, start + len, stride).newly);
          assertSame(c, t, `fill ${start} +${len} /${stride}`);
        }
        const built = new PageTree(g, COUNTERFACTUAL);
        c.populateInto(built);
        assertSame(c, built, 'the tree built from it');
        assert.equal(countPresent(built, 0, g.tableSpanPages[top]), c.present);
        // The same tables at the same places: every one of them is common to both trees.
        assert.deepEqual([...commonTables(built, t, 1)], [...t.tables]);
      }), { numRuns: 40 });
    });

    it(`${name}: the tables it has in common with a tree are commonTables' (FULL subtrees included)`, () => {
      fc.assert(fc.property(
        fc.array(fc.integer({ min: 0, max: 4 * 2 ** 18 - 1 }), { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 4 * 2 ** 18 - 1 }), { maxLength: 60 }),
        fc.subarray([0, 1, 2, 3]), fc.constantFrom(0, 2 ** 27, 2 ** 36 - 2 ** 19),
        (mine, theirs, fullGiBs, base) => {
          const other = new PageTree(g, COUNTERFACTUAL);
          for (const p of theirs) other.populate(base + p);
          // A whole GiB collapses into FULL entries: everything under them is common.
          for (const i of fullGiBs) fill(other, base + i * 2 ** 18, base + (i + 1) * 2 ** 18, 1);
          const { c, t } = pair(name);
          for (const p of mine) {
            c.populate(base + p);
            t.populate(base + p);
          }
          for (let minLevel = 1; minLevel <= top; minLevel++) {
            assert.deepEqual([...commonWithCompact(other, c, minLevel)], [...commonTables(other, t, minLevel)], `minLevel ${minLevel}`);
          }
        }), { numRuns: 60 });
    });
  }
});

/** A sharing kernel: a donor's region populated over 2 GiB, and a client attached. */
function populated(limit: number, scheme = 'mshare'): { k: Kernel; donor: number; client: number } {
  return withLimit(limit, () => {
    const k = new Kernel({ scheme });
    const W = 1n << 40n;
    const donor = k.spawn({ uid: 1, gid: 1 });
    k.mmap(donor, W, 4n * GIB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mshare(donor, 'r', W, 512n * GIB, O_CREAT | O_RDWR, 0o600);
    k.touch(donor, W, 2n * GIB, 'write');
    const client = k.spawn({ uid: 1, gid: 1 });
    k.mshare(client, 'r', W, 512n * GIB, O_RDWR, 0);
    return { k, donor, client };
  });
}

const W_PAGE = 2 ** 28;
const SOME = [0, 1, 511, 512, 2 ** 18 - 1, 2 ** 18, 2 ** 18 + 5 * 512, 3 * 2 ** 18 + 9, 3 * 2 ** 18 + 10].map((p) => W_PAGE + p);

/** The figures a comparison of compact and tree runs looks at. */
function figures(k: Kernel): unknown {
  return { procs: k.pids().map((pid) => k.procStatus(pid)), accounting: k.accounting() };
}

describe('compact counterfactual: when it becomes a tree', () => {
  it('a non-mirror client keeps its pages compact, and its figures are the tree\'s', () => {
    const runs = [0, 4096].map((limit) => {
      const { k, client } = populated(limit);
      withLimit(limit, () => access(k, client, SOME));
      return { k, client };
    });
    const compact = procOf(runs[1].k, runs[1].client).compact;
    assert.ok(compact !== null && compact.present === SOME.length, 'the client is compact');
    assert.equal(procOf(runs[0].k, runs[0].client).compact, null, 'limit 0: a tree');
    assert.equal(procOf(runs[1].k, runs[1].client).counterfactual.present, 0, 'its tree is empty meanwhile');
    assert.deepEqual(figures(runs[1].k), figures(runs[0].k));
  });

  it('a zap (munmap in the window, then a detach) turns it into a tree first, with the same figures', () => {
    const runs = [0, 4096].map((limit) => withLimit(limit, () => {
      const { k, client } = populated(limit);
      access(k, client, SOME);
      return { k, client };
    }));
    for (const [i, { k, client }] of runs.entries()) {
      withLimit(i === 0 ? 0 : 4096, () => k.munmap(client, (1n << 40n) + GIB / 2n, GIB));
      if (i === 1) {
        const proc = procOf(k, client);
        assert.equal(proc.compact, null, 'converted by the zap');
        assert.ok(proc.counterfactual.present > 0 && proc.counterfactual.present < SOME.length, 'the zap took some of its pages');
      }
    }
    assert.deepEqual(figures(runs[1].k), figures(runs[0].k));
    for (const { k, client } of runs) k.munmap(client, 1n << 40n, 512n * GIB);
    assert.deepEqual(figures(runs[1].k), figures(runs[0].k));
  });

  it('an empty compact form stays compact through a zap (no table to free)', () => {
    const { k, client } = populated(4096);
    k.mmap(client, 5n << 39n, GIB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    k.munmap(client, 5n << 39n, GIB);
    assert.ok(procOf(k, client).compact !== null);
  });

  it('past the limit it becomes a tree: the limit-th page stays compact, the next converts', () => {
    const limit = 6;
    const runs = [0, limit].map((l) => {
      const { k, client } = populated(l);
      return { k, client, l };
    });
    for (let n = 1; n <= SOME.length; n++) {
      for (const { k, client, l } of runs) withLimit(l, () => access(k, client, SOME.slice(0, n)));
      const proc = procOf(runs[1].k, runs[1].client);
      if (n <= limit) assert.equal(proc.compact?.present, n, `${n} pages: compact`);
      else assert.equal(proc.compact, null, `${n} pages: a tree`);
      assert.deepEqual(figures(runs[1].k), figures(runs[0].k), `${n} pages`);
    }
    assert.equal(procOf(runs[1].k, runs[1].client).counterfactual.present, SOME.length);
  });

  it('a touch that fits stays compact, one that does not converts first', () => {
    const runs = [0, 100].map((l) => ({ l, ...populated(l) }));
    const touches: Array<[bigint, bigint, number]> = [[0n, 40n, 1], [2n ** 18n, 50n * 512n, 512], [GIB / 4096n, 60n, 1]];
    for (const [i, [page, len, stride]] of touches.entries()) {
      for (const { k, client, l } of runs) withLimit(l, () => k.touch(client, (1n << 40n) + page * 4096n, len * 4096n, 'write', stride));
      const compact = procOf(runs[1].k, runs[1].client).compact;
      if (i < 2) assert.equal(compact?.present, i === 0 ? 40 : 90, `touch ${i}: compact`);
      else assert.equal(compact, null, `touch ${i}: past the limit, a tree`);
      assert.deepEqual(figures(runs[1].k), figures(runs[0].k), `touch ${i}`);
    }
  });

  it('a snapshot restores the compact form, which goes on as the original', () => {
    const { k, client } = populated(4096);
    access(k, client, SOME);
    const r = restoreKernel(JSON.parse(JSON.stringify(snapshotKernel(k))), { scheme: 'mshare' });
    const restored = procOf(r, client).compact;
    assert.ok(restored instanceof CompactTree && restored.present === SOME.length);
    assert.deepEqual(figures(r), figures(k));
    for (const kernel of [k, r]) {
      kernel.touch(client, (1n << 40n) + 4096n * 7n, 4096n * 100n, 'write');
      kernel.munmap(client, (1n << 40n) + GIB / 2n, GIB);
    }
    assert.deepEqual(figures(r), figures(k));
  });

  it('exit drops the compact form without building a tree', () => {
    const { k, client } = populated(4096);
    access(k, client, SOME);
    const proc = procOf(k, client);
    k.exit(client);
    assert.equal(proc.compact, null);
    assert.equal(proc.counterfactualIfMade, null, 'no tree was built');
  });

  it('a process makes its counterfactual tree only when it needs one', () => {
    const { k, client } = populated(4096);
    const proc = procOf(k, client);
    const made = (): PageTree | null => proc.counterfactualIfMade; // read anew each time
    assert.equal(made(), null, 'none at spawn');
    access(k, client, SOME);
    assert.equal(made(), null, 'none while compact');
    const r = restoreKernel(JSON.parse(JSON.stringify(snapshotKernel(k))));
    assert.equal(procOf(r, client).counterfactualIfMade, null, 'none after a restore');
    k.munmap(client, (1n << 40n) + GIB / 2n, GIB); // a zap needs the tree
    const tree = made();
    assert.ok(tree instanceof PageTree && tree.present > 0);
    const none = new Kernel({ scheme: 'none' });
    const p = none.spawn({ uid: 1, gid: 1 });
    assert.equal(procOf(none, p).counterfactualIfMade, procOf(none, p).mm.tree, 'without sharing: its own tree');
  });
});

type Op =
  | { kind: 'access'; proc: number; pages: number[] }
  | { kind: 'touch'; proc: number; at: number; len: number; stride: number }
  | { kind: 'munmap'; proc: number; at: number; len: number }
  | { kind: 'remap'; proc: number; at: number; len: number }
  | { kind: 'private'; proc: number; at: number; len: number; stride: number }
  | { kind: 'detach' | 'attach' | 'exit'; proc: number };

const REGION_PAGES = 2 ** 27; // 512 GiB
const offsetArb = fc.oneof(
  fc.integer({ min: 0, max: 6 * 2 ** 18 }),
  fc.constantFrom(0, 511, 512, 2 ** 18 - 1, 2 ** 18, 2 ** 19 + 3),
  fc.integer({ min: 0, max: REGION_PAGES - 1 }),
);
const procArb = fc.integer({ min: 0, max: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('access' as const), proc: procArb, pages: fc.array(offsetArb, { minLength: 1, maxLength: 12 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('touch' as const), proc: procArb, at: offsetArb, len: fc.integer({ min: 1, max: 3000 }), stride: fc.constantFrom(1, 3, 512, 4096) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('munmap' as const), proc: procArb, at: offsetArb, len: fc.integer({ min: 1, max: 2 ** 19 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remap' as const), proc: procArb, at: offsetArb, len: fc.integer({ min: 1, max: 2 ** 19 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('private' as const), proc: procArb, at: fc.integer({ min: 0, max: 2 ** 19 }), len: fc.integer({ min: 1, max: 2 ** 10 }), stride: fc.constantFrom(1, 7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('detach' as const, 'attach' as const, 'exit' as const), proc: procArb }) },
);

/** Steps that ended with a process compact (and not empty), and compact forms that went (a tree, or exit). */
const exercised = { compact: 0, converted: 0 };

/**
 * Runs `ops` on a fresh kernel of `scheme`; every step's outcome (or error) and figures, in
 * order. Process 0 created the region (1 TiB-aligned, 512 GiB; a 3 GiB mapping in it, the first
 * `donor` GiB populated); processes 1-3 attached it. An exited process is replaced by a new one.
 */
function runOps(scheme: string, limit: number, donor: number, ops: Op[]): unknown[] {
  const seen = new Set<CompactTree>();
  return withLimit(limit, () => {
    const k = new Kernel({ scheme });
    const W = 1n << 40n;
    const base = 1 << 28;
    const pids = [0, 1, 2, 3].map(() => k.spawn({ uid: 1, gid: 1 }));
    k.mmap(pids[0], W, 3n * GIB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mshare(pids[0], 'r', W, 512n * GIB, O_CREAT | O_RDWR, 0o600);
    if (donor > 0) k.touch(pids[0], W, BigInt(donor) * GIB, 'write');
    for (const pid of pids.slice(1)) k.mshare(pid, 'r', W, 512n * GIB, O_RDWR, 0);
    const out: unknown[] = [];
    const page = (p: number) => BigInt(p) * 4096n;
    for (const op of ops) {
      const pid = pids[op.proc];
      let r: unknown;
      try {
        switch (op.kind) {
          case 'access': r = access(k, pid, op.pages.map((p) => base + p)); break;
          case 'touch': r = k.touch(pid, page(base + op.at), page(op.len), 'write', op.stride); break;
          case 'munmap': k.munmap(pid, page(base + op.at), page(op.len)); break;
          case 'remap': k.mmap(pid, page(base + op.at), page(op.len), RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED); break;
          case 'private': {
            const at = page(5 * 2 ** 27 + op.at);
            k.mmap(pid, at, page(op.len), RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
            r = k.touch(pid, at, page(op.len), 'write', op.stride);
            break;
          }
          case 'detach': k.munmap(pid, W, 512n * GIB); break;
          case 'attach': k.mshare(pid, 'r', W, 512n * GIB, O_RDWR, 0); break;
          case 'exit':
            k.exit(pid);
            pids[op.proc] = k.spawn({ uid: 1, gid: 1 });
            break;
        }
      } catch (err) {
        r = String(err);
      }
      out.push(r, figures(k));
      for (const pid of k.pids()) {
        const compact = procOf(k, pid).compact;
        if (compact !== null && compact.present > 0) seen.add(compact);
      }
      for (const c of seen) {
        if (k.pids().some((pid) => procOf(k, pid).compact === c)) continue;
        seen.delete(c);
        exercised.converted++;
      }
      exercised.compact += seen.size;
    }
    return out;
  });
}

describe('compact counterfactual: random kernel runs give the figures of the tree alone', function () {
  this.timeout(120_000);
  for (const scheme of ['mshare', 'hugetlb', 'ptshare', 'thp']) {
    it(`${scheme}: access/touch/munmap/mmap/detach/attach/exit sequences, compact on (any limit) vs off`, () => {
      exercised.compact = 0;
      exercised.converted = 0;
      fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 14 }), fc.constantFrom(0, 1, 2), fc.constantFrom(3, 50, 4096),
        (ops, donor, limit) => {
          const oracle = runOps(scheme, 0, donor, ops);
          const got = runOps(scheme, limit, donor, ops);
          assert.deepEqual(got, oracle);
        }), { numRuns: 40, endOnFailure: true });
      assert.ok(exercised.compact > 0 && exercised.converted > 0, `compact steps ${exercised.compact}, compact forms gone ${exercised.converted}`);
    });
  }
});
