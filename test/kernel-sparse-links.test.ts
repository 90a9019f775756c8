/**
 * The sparse forms of link identities (link-ids.ts) and of huge-entry maps (pagetable/huge-map.ts):
 * each starts sparse and turns dense past a threshold, and answers as a plain Map / Set does
 * through the transition; the kernel's figures through it are those of one entry at a time.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { packPages } from '../shared/addresses.js';
import { Kernel, MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE } from '../shared/kernel/index.js';
import { HostLinks, LinkEntries, SPARSE_MAX_LINKS, type LinkIds } from '../shared/kernel/link-ids.js';
import { SPARSE_MAX_HUGE, clearHuge, denseHuge, hugeHas, hugeSet, type HugeMap } from '../shared/kernel/pagetable/huge-map.js';
import { pmdTableBytes } from '../shared/kernel/pagetable/size.js';
import { PmdTable } from '../shared/kernel/pagetable/tree.js';

type LinkOp =
  | { kind: 'set'; slot: number; id: number }
  | { kind: 'delete'; slot: number }
  | { kind: 'share'; g: number }
  | { kind: 'copy'; first: number; len: number }
  | { kind: 'drop'; start: number; len: number };

/** Three groups' slots, so ranges cross groups' edges; identities from a few values, 0 among them. */
const slotArb = fc.oneof(fc.integer({ min: 0, max: 3 * 512 - 1 }), fc.integer({ min: 500, max: 530 }));
const linkOpArb: fc.Arbitrary<LinkOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), slot: slotArb, id: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), slot: slotArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('share' as const), g: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('copy' as const), first: slotArb, len: fc.integer({ min: 1, max: 512 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), start: slotArb, len: fc.integer({ min: 1, max: 700 }) }) },
);

/** Everything a LinkIds answers, as a Map (slot -> identity, zeros left out). */
function contents(ids: LinkIds): Map<number, number> {
  const out = new Map<number, number>();
  for (let slot = 0; slot < 3 * 512; slot++) if (ids.get(slot) !== 0) out.set(slot, ids.get(slot));
  return out;
}

describe('sparse and dense link identities (link-ids.ts)', () => {
  it('answer as a Map does, through sparse -> dense, shared groups and copies (fast-check)', () => {
    fc.assert(fc.property(fc.array(linkOpArb, { maxLength: 80 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 512, maxLength: 512 }),
      (ops, hostIds) => {
        // A host with group 0 full, group 1 full but for slot 600, group 2 a few slots.
        const host = new HostLinks();
        const hostModel = new Map<number, number>();
        for (let i = 0; i < 512; i++) {
          for (const slot of [i, 512 + i]) {
            if (slot === 600) continue;
            host.set(slot, hostIds[i]);
            hostModel.set(slot, hostIds[i]);
          }
        }
        for (const slot of [1024, 1030, 1535]) {
          host.set(slot, 7);
          hostModel.set(slot, 7);
        }
        const ids = new LinkEntries();
        const model = new Map<number, number>();
        for (const op of ops) {
          if (op.kind === 'set') {
            ids.set(op.slot, op.id);
            if (op.id === 0) model.delete(op.slot);
            else model.set(op.slot, op.id);
          } else if (op.kind === 'delete') {
            assert.equal(ids.delete(op.slot), model.delete(op.slot));
          } else if (op.kind === 'share') {
            if (!host.isFullGroup(op.g)) continue;
            let changed = 0;
            for (let i = op.g * 512; i < op.g * 512 + 512; i++) {
              if ((model.get(i) ?? 0) !== hostModel.get(i)) changed++;
              model.set(i, hostModel.get(i) ?? 0);
            }
            assert.equal(ids.shareGroup(op.g, host), changed);
          } else if (op.kind === 'copy') {
            const last = Math.min(op.first + op.len - 1, op.first - (op.first % 512) + 511);
            let all = true;
            for (let s = op.first; s <= last; s++) all &&= hostModel.has(s);
            assert.equal(host.allSet(op.first, last), all);
            let changed = 0;
            for (let s = op.first; s <= last; s++) {
              const id = hostModel.get(s) ?? 0;
              if ((model.get(s) ?? 0) === id) continue;
              changed++;
              if (id === 0) model.delete(s);
              else model.set(s, id);
            }
            assert.equal(ids.copyRange(host, op.first, last), changed);
          } else {
            // Slots of 2 pages each: pages [start, start + len) hold slots from ceil(start / 2).
            ids.dropRange(op.start, op.start + op.len, 2);
            for (const s of [...model.keys()]) if (s * 2 >= op.start && s * 2 < op.start + op.len) model.delete(s);
          }
          assert.equal(ids.size, model.size);
        }
        assert.deepEqual(contents(ids), model);
        assert.deepEqual(new Map(ids.entries()), model);
        // The host's groups were shared, never written through: it still holds what it was given.
        assert.deepEqual(contents(host), hostModel);
      }), { numRuns: 300 });
  });

  it(`a group turns dense past ${SPARSE_MAX_LINKS} entries and answers the same; a shared group is copied before a write`, () => {
    const ids = new LinkEntries();
    for (let i = 0; i <= SPARSE_MAX_LINKS; i++) ids.set(512 + 3 * i, i + 1);
    for (let i = 0; i <= SPARSE_MAX_LINKS; i++) assert.equal(ids.get(512 + 3 * i), i + 1);
    assert.equal(ids.get(513), 0);
    assert.equal(ids.size, SPARSE_MAX_LINKS + 1);
    const host = new HostLinks();
    for (let s = 0; s < 512; s++) host.set(s, 9);
    const client = new LinkEntries();
    assert.equal(client.shareGroup(0, host), 512);
    client.set(5, 1);
    assert.equal(host.get(5), 9);
    assert.equal(client.get(5), 1);
    assert.equal(client.size, 512);
  });
});

describe('sparse and dense huge-entry maps (pagetable/huge-map.ts)', () => {
  it('answer as a Set does, through sparse -> dense and clears (fast-check)', () => {
    const opArb = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), i: fc.integer({ min: 0, max: 511 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), i: fc.integer({ min: 0, max: 511 }), n: fc.integer({ min: 1, max: 100 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('dense' as const), i: fc.constant(0) }) },
    );
    fc.assert(fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const t: { huge: HugeMap | null } = { huge: null };
      const model = new Set<number>();
      for (const op of ops) {
        if (op.kind === 'set') {
          assert.equal(hugeSet(t, op.i), !model.has(op.i));
          model.add(op.i);
        } else if (op.kind === 'clear') {
          const hi = Math.min(511, op.i + op.n - 1);
          clearHuge(t, op.i, hi);
          for (let i = op.i; i <= hi; i++) model.delete(i);
        } else {
          denseHuge(t);
        }
        for (let i = 0; i < 512; i++) assert.equal(hugeHas(t.huge, i), model.has(i));
      }
    }), { numRuns: 300 });
  });

  it(`a map is an index, then an array, and turns dense past ${SPARSE_MAX_HUGE} entries; one entry costs far less than the 512-bit map`, () => {
    const pmd = new PmdTable();
    const form = (): string => (typeof pmd.huge === 'number' ? 'index' : Array.isArray(pmd.huge) ? 'array' : 'dense');
    hugeSet(pmd, 7);
    assert.equal(form(), 'index');
    const one = pmdTableBytes(pmd);
    hugeSet(pmd, 100);
    assert.equal(form(), 'array');
    for (let i = 1; i < SPARSE_MAX_HUGE - 1; i++) hugeSet(pmd, 100 + i);
    assert.equal(form(), 'array');
    hugeSet(pmd, 1);
    assert.equal(form(), 'dense');
    for (const i of [1, 7, 101, 100 + SPARSE_MAX_HUGE - 2]) assert.ok(hugeHas(pmd.huge, i));
    assert.ok(!hugeHas(pmd.huge, 2));
    assert.ok(pmdTableBytes(pmd) - one >= 150, `${one} B with one entry, ${pmdTableBytes(pmd)} B dense`);
  });
});

describe('kernel figures through the sparse -> dense transitions', () => {
  const GiB = 1n << 30n;
  const ADDR = 1n << 40n;
  const FIRST = Number(ADDR >> 12n);

  /** A donor with its region (one mshare alignment) touched, and a client touching `pages` in it. */
  function run(scheme: string, pages: number[], batch: boolean) {
    const k = new Kernel({ scheme });
    const donor = k.spawn({ uid: 1, gid: 1, comm: 'donor' });
    const len = scheme === 'ptshare' ? 4n * GiB : 512n * GiB;
    k.mmap(donor, ADDR, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    k.mshare(donor, 'r', ADDR, len, O_CREAT | O_EXCL | O_RDWR, 0o600);
    k.touch(donor, ADDR, len, 'write');
    const pid = k.spawn({ uid: 1, gid: 1, comm: 'client' });
    k.mshare(pid, 'r', ADDR, len, O_RDWR, 0);
    let synced = 0;
    let minorFault = 0;
    if (batch) ({ synced, minorFault } = k.accessBatch(pid, 'write', packPages(pages.length, (i) => FIRST + pages[i])));
    else {
      // One page a Touch: touch.ts's slot-by-slot and group paths instead of the fault path.
      for (const p of pages) {
        const c = k.touch(pid, BigInt(FIRST + p) << 12n, 4096n, 'write');
        synced += c.synced;
        minorFault += c.minorFault;
      }
    }
    return { synced, minorFault, vmPte: k.procStatus(pid).vmpteBytes, acct: k.accounting() };
  }

  it('ptshare syncs one link entry per distinct 2 MiB slot and thp faults one huge page per 2 MiB, either form', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 20 - 1 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 0, max: 3 }), (raw, g) => {
      // Most pages in one GiB (one group, one PMD table), so both thresholds are crossed.
      const pages = raw.map((p, i) => (i % 4 === 0 ? p : g * 2 ** 18 + (p % 2 ** 18)));
      const slots = new Set(pages.map((p) => Math.floor(p / 512))).size;
      const pt = run('ptshare', pages, true);
      assert.equal(pt.synced, slots);
      assert.deepEqual(pt, run('ptshare', pages, false));
      const thp = run('thp', pages, true);
      assert.equal(thp.minorFault, slots);
      assert.deepEqual(thp, run('thp', pages, false));
    }), { numRuns: 25 });
  });
});
