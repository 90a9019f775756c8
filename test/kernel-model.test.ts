/**
 * Property-based check: random mmap/munmap/mprotect/touch sequences, by several processes inside
 * and outside an mshare'd window, keep the kernel's accounting equal to a direct recount by a naive
 * model (a set of present pages and a set of table pages per mm, no collapsing, no caches).
 * A `limit` command shrinks the machine's memory to what is in use plus a few pages; every process
 * is unkillable (pid 1, oom_score_adj -1000), so the next allocation that does not fit panics the
 * machine: the touch stops at that page (the model predicts which) and every later allocation is
 * ENOMEM, while machine memory by kind stays equal to the model's recount.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  Kernel, MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_RDWR, PROT_READ, PROT_WRITE,
} from '../shared/kernel/index.js';

const PAGE = 4096;
const RW = PROT_READ | PROT_WRITE;
const GIB_PAGES = 2 ** 18;
const WINDOW = 2 ** 28; // 1 TiB, 512 GiB-aligned
const WINDOW_PAGES = 2 ** 27;

/** Zones: small ones across a 1 GiB boundary, big ones a whole 1 GiB (to make full subtrees). */
const ZONES = [
  { base: GIB_PAGES - 4096, size: 8192, window: false },
  { base: 2 * GIB_PAGES, size: GIB_PAGES, window: false },
  { base: WINDOW + GIB_PAGES - 4096, size: 8192, window: true },
  { base: WINDOW + 2 * GIB_PAGES, size: GIB_PAGES, window: true },
];

interface Range { s: number; e: number; prot: number }

class ModelMm {
  vmas: Range[] = [];
  pages = new Set<number>();
  tables = new Set<number>();

  find(p: number): Range | undefined {
    return this.vmas.find((v) => v.s <= p && p < v.e);
  }
  overlaps(s: number, e: number): boolean {
    return this.vmas.some((v) => v.s < e && s < v.e);
  }
  removeVmas(s: number, e: number): boolean {
    const out: Range[] = [];
    let removed = false;
    for (const v of this.vmas) {
      if (v.e <= s || v.s >= e) { out.push(v); continue; }
      removed = true;
      if (v.s < s) out.push({ ...v, e: s });
      if (v.e > e) out.push({ ...v, s: e });
    }
    this.vmas = out;
    return removed;
  }
  populate(p: number): boolean {
    if (this.pages.has(p)) return false;
    this.pages.add(p);
    for (let level = 1; level <= 3; level++) this.tables.add(tableKey(level, Math.floor(p / 512 ** level)));
    return true;
  }
  /** Clears [s, e) and frees the tables under it that no VMA of the view overlaps. */
  zap(s: number, e: number, hasVma: (s: number, e: number) => boolean): void {
    for (const p of [...this.pages]) if (p >= s && p < e) this.pages.delete(p);
    for (const key of [...this.tables]) {
      const level = Math.floor(key / 2 ** 44);
      const span = 512 ** level;
      const ts = (key % 2 ** 44) * span;
      if (ts < e && s < ts + span && !hasVma(ts, ts + span)) this.tables.delete(key);
    }
  }
  vmptePages(): number {
    return this.tables.size;
  }
}

const tableKey = (level: number, index: number) => level * 2 ** 44 + index;

/** Runs whose machine panicked: the limit command must really be exercised. */
let panics = 0;

/** Thrown by the model where the kernel must refuse with ENOMEM. */
class ModelPanic extends Error {}

class Model {
  host = new ModelMm();
  procs: Array<{ own: ModelMm; shadow: ModelMm }> = [];
  /** Without sharing: the window's pages any process has, counted once (shared memory). */
  resident = new Set<number>();
  limit = Infinity;
  panicked = false;
  /** Minor faults the unshared counterfactual took in the last touch (the second tree is the oracle). */
  unshared = 0;
  /** usedPages() at the start of the running touch, plus what it charged since. */
  private used = 0;
  constructor(readonly sharing: boolean, n: number) {
    for (let i = 0; i < n; i++) this.procs.push({ own: new ModelMm(), shadow: new ModelMm() });
  }
  /** The tree holding a process's pages for the window. */
  windowTree(i: number): ModelMm {
    return this.sharing ? this.procs[i].shadow : this.procs[i].own;
  }
  viewHasVma(i: number, s: number, e: number): boolean {
    const inWindow = this.host.overlaps(Math.max(s, WINDOW), Math.min(e, WINDOW + WINDOW_PAGES));
    return this.procs[i].own.overlaps(s, e) || inWindow;
  }
  unmap(i: number, s: number, e: number, window: boolean): void {
    if (!window) {
      if (!this.procs[i].own.removeVmas(s, e)) return;
      this.procs[i].own.zap(s, e, (a, b) => this.viewHasVma(i, a, b));
      return;
    }
    if (!this.host.removeVmas(s, e)) return;
    if (this.sharing) this.host.zap(s, e, (a, b) => this.host.overlaps(a, b));
    for (const p of [...this.resident]) if (p >= s && p < e) this.resident.delete(p);
    this.procs.forEach((_, j) => this.windowTree(j).zap(s, e, (a, b) => this.viewHasVma(j, a, b)));
  }
  touch(i: number, first: number, end: number, stride: number, write: boolean) {
    const c = { present: 0, minorFault: 0, sigsegv: 0, sigbus: 0 };
    this.unshared = 0;
    this.used = this.limit === Infinity ? 0 : this.usedPages();
    for (let p = first; p < end; p += stride) {
      const inWindow = p >= WINDOW && p < WINDOW + WINDOW_PAGES;
      const v = inWindow ? this.host.find(p) : this.procs[i].own.find(p);
      if (!v) {
        if (inWindow) c.sigbus++;
        else c.sigsegv++;
        continue;
      }
      if (write && !(v.prot & PROT_WRITE)) { c.sigsegv++; continue; }
      const mm = inWindow && this.sharing ? this.host : this.procs[i].own;
      if (!mm.pages.has(p)) this.charge(mm, p, inWindow);
      let newly: boolean;
      if (inWindow && !this.sharing) this.resident.add(p);
      if (inWindow && this.sharing) {
        newly = this.host.populate(p);
        if (this.procs[i].shadow.populate(p)) this.unshared++;
      } else {
        newly = this.procs[i].own.populate(p);
        if (newly) this.unshared++;
      }
      if (newly) c.minorFault++;
      else c.present++;
    }
    return c;
  }
  /** Machine memory in use, in pages: tables and PGDs, shared pages once, private pages. */
  usedPages(): number {
    let pages = this.procs.length + (this.sharing ? 1 + this.host.tables.size + this.host.pages.size : this.resident.size);
    for (const { own } of this.procs) {
      pages += own.tables.size;
      for (const p of own.pages) if (p < WINDOW || p >= WINDOW + WINDOW_PAGES) pages++;
    }
    return pages;
  }
  /** A new page of `mm` and the tables on its path fit, or the machine panics (nothing killable). */
  charge(mm: ModelMm, p: number, inWindow: boolean): void {
    let cost = inWindow && !this.sharing && this.resident.has(p) ? 0 : 1;
    for (let level = 1; level <= 3; level++) if (!mm.tables.has(tableKey(level, Math.floor(p / 512 ** level)))) cost++;
    if (this.panicked || this.used + cost > this.limit) {
      if (!this.panicked) panics++;
      this.panicked = true;
      throw new ModelPanic();
    }
    this.used += cost;
  }
  unsharedVmptePages(i: number): number {
    const { own, shadow } = this.procs[i];
    return new Set([...own.tables, ...shadow.tables]).size;
  }
}

type Op =
  | { kind: 'mmap' | 'munmap' | 'mprotect' | 'touch' | 'access' | 'limit'; proc: number; zone: number; off: number; len: number; stride: number; write: boolean; prot: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('mmap', 'munmap', 'mprotect', 'touch', 'touch', 'access', 'limit'),
  proc: fc.integer({ min: 0, max: 2 }),
  zone: fc.integer({ min: 0, max: ZONES.length - 1 }),
  off: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 }).map((i) => i * 512), fc.integer({ min: 0, max: 8191 })),
  len: fc.oneof(fc.constant(-1), fc.constantFrom(512, 1024, 4096), fc.integer({ min: 1, max: 3000 })),
  stride: fc.constantFrom(1, 1, 3, 512, 700),
  write: fc.boolean(),
  prot: fc.constantFrom(RW, PROT_READ),
}) as fc.Arbitrary<Op>;

function run(sharing: boolean, ops: Op[]): void {
  const k = new Kernel({ sharing });
  const model = new Model(sharing, 3);
  const pids = [0, 1, 2].map(() => k.spawn({ uid: 1, gid: 1, oomScoreAdj: -1000 }));
  // The creator maps one page in the window, shares it, and every process attaches.
  const seed = { s: WINDOW, e: WINDOW + 1, prot: RW };
  k.mmap(pids[0], BigInt(WINDOW) * 4096n, 4096n, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  model.host.vmas.push(seed);
  k.mshare(pids[0], 'm', BigInt(WINDOW) * 4096n, BigInt(WINDOW_PAGES) * 4096n, O_CREAT | O_RDWR, 0o600);
  for (const pid of pids.slice(1)) k.mshare(pid, 'm', BigInt(WINDOW) * 4096n, BigInt(WINDOW_PAGES) * 4096n, O_RDWR, 0);
  // Every zone starts mapped, so that touches find pages to fault and unmaps find tables to free.
  ZONES.forEach((zone, z) => {
    const owners = zone.window ? [0] : [0, 1, 2];
    for (const i of owners) ops.unshift({ kind: 'mmap', proc: i, zone: z, off: 0, len: -1, stride: 1, write: false, prot: RW });
  });

  for (const op of ops) {
    const zone = ZONES[op.zone];
    const s = zone.base + Math.min(op.off, zone.size - 1);
    const e = op.len < 0 ? zone.base + zone.size : Math.min(s + op.len, zone.base + zone.size);
    const pid = pids[op.proc];
    const addr = BigInt(s) * 4096n;
    const length = BigInt(e - s) * 4096n;
    switch (op.kind) {
      case 'mmap': {
        k.mmap(pid, addr, length, op.prot, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
        model.unmap(op.proc, s, e, zone.window);
        const mm = zone.window ? model.host : model.procs[op.proc].own;
        mm.vmas.push({ s, e, prot: op.prot });
        break;
      }
      case 'munmap':
        k.munmap(pid, addr, length);
        model.unmap(op.proc, s, e, zone.window);
        break;
      case 'mprotect': {
        const mm = zone.window ? model.host : model.procs[op.proc].own;
        let covered = true;
        for (let p = s; p < e && covered; p++) covered = mm.find(p) !== undefined;
        if (!covered) {
          assert.throws(() => k.mprotect(pid, addr, length, op.prot), /ENOMEM/);
          break;
        }
        k.mprotect(pid, addr, length, op.prot);
        mm.vmas = mm.vmas.flatMap((v) => {
          if (v.e <= s || v.s >= e) return [v];
          const parts: Range[] = [];
          if (v.s < s) parts.push({ ...v, e: s });
          parts.push({ s: Math.max(v.s, s), e: Math.min(v.e, e), prot: op.prot });
          if (v.e > e) parts.push({ ...v, s: e });
          return parts;
        });
        break;
      }
      case 'limit':
        // A few pages of room (op.stride: 1, 3, 512, 700) beyond what is in use.
        model.limit = model.usedPages() + op.stride;
        k.setMachineMemory(model.limit * PAGE);
        break;
      case 'touch': {
        let want;
        try {
          want = model.touch(op.proc, s, e, op.stride, op.write);
        } catch (err) {
          if (!(err instanceof ModelPanic)) throw err;
          assert.throws(() => k.touch(pid, addr, length, op.write ? 'write' : 'read', op.stride), /ENOMEM/);
          break;
        }
        const unsharedBefore = k.procStatus(pid).unsharedMinorFaults;
        const got = k.touch(pid, addr, length, op.write ? 'write' : 'read', op.stride);
        assert.deepEqual({ present: got.present, minorFault: got.minorFault, sigsegv: got.sigsegv, sigbus: got.sigbus }, want, `touch ${JSON.stringify(op)}`);
        assert.equal(k.procStatus(pid).unsharedMinorFaults - unsharedBefore, model.unshared, `unshared minor faults of touch ${JSON.stringify(op)}`);
        break;
      }
      case 'access': {
        // The single-access fault path (translation and leaf caches) on up to 16 pages.
        const pages: number[] = [];
        for (let p = s; p < e && pages.length < 16; p += op.stride) pages.push(p);
        const buf = new Uint8Array(pages.length * 8);
        const view = new DataView(buf.buffer);
        pages.forEach((p, i) => view.setBigUint64(i * 8, BigInt(p) * 4096n + 123n, true));
        const out = new Uint8Array(pages.length);
        const want: number[] = [];
        let refused = false;
        let unshared = 0;
        for (const p of pages) {
          try {
            const c = model.touch(op.proc, p, p + 1, 1, op.write);
            unshared += model.unshared;
            want.push(c.present ? 0 : c.minorFault ? 1 : c.sigsegv ? 2 : 3);
          } catch (err) {
            if (!(err instanceof ModelPanic)) throw err;
            refused = true;
            break;
          }
        }
        const unsharedBefore = k.procStatus(pid).unsharedMinorFaults;
        if (refused) assert.throws(() => k.accessBatch(pid, op.write ? 'write' : 'read', buf, out), /ENOMEM/);
        else k.accessBatch(pid, op.write ? 'write' : 'read', buf, out);
        assert.deepEqual([...out.subarray(0, want.length)], want, `access ${JSON.stringify(op)}`);
        if (!refused) assert.equal(k.procStatus(pid).unsharedMinorFaults - unsharedBefore, unshared, `unshared minor faults of access ${JSON.stringify(op)}`);
        break;
      }
    }
    // The recount, after every step.
    let actual = 0;
    let unshared = 0;
    pids.forEach((p, i) => {
      const st = k.procStatus(p);
      assert.equal(st.vmpteBytes / PAGE, model.procs[i].own.vmptePages(), `VmPTE of process ${i} after ${JSON.stringify(op)}`);
      assert.equal(st.unsharedVmpteBytes / PAGE, model.unsharedVmptePages(i), `unshared VmPTE of process ${i}`);
      actual += model.procs[i].own.vmptePages() + 1;
      unshared += model.unsharedVmptePages(i) + 1;
    });
    const hostPages = sharing ? model.host.vmptePages() + 1 : 0;
    assert.equal(k.readRegion('m').pagetableBytes / PAGE, hostPages, 'host tables');
    const a = k.accounting();
    assert.equal(a.pagetableBytes / PAGE, actual + hostPages);
    assert.equal(a.unsharedPagetableBytes / PAGE, unshared);
    assert.equal(a.savedBytes, a.unsharedPagetableBytes - a.pagetableBytes);
    assert.equal(k.memory.pages.reduce((x, y) => x + y, 0), actual - 3 + (sharing ? model.host.vmptePages() : 0), 'table memory ledger');
    assert.equal(Object.values(k.memoryByKind()).reduce((a, b) => a + b, 0) / PAGE, model.usedPages(), `machine memory after ${JSON.stringify(op)}`);
    assert.equal(k.panicked, model.panicked, 'panicked');
  }
}

describe('accounting equals a direct recount (fast-check)', function () {
  this.timeout(120_000);
  for (const sharing of [true, false]) {
    it(`random mmap/munmap/mprotect/touch/limit sequences, ${sharing ? 'shared' : 'unshared'} mode`, () => {
      panics = 0;
      fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => run(sharing, ops)), {
        numRuns: 40,
        // A failure reports its first counterexample: shrinking these sequences can take minutes.
        endOnFailure: true,
      });
      assert.ok(panics > 0, 'some runs reached a panic');
    });
  }
});
