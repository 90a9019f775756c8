/**
 * Link slot -> identity maps (0: none), the storage behind links.ts: a process's link entries and
 * a host's identities. Slots are kept 512 to a group (a PMD table's worth at PMD links), each
 * group in one of two forms. Sparse (every group starts so): its slots' identities are entries of
 * the one Map itself, beside the group's count, since at PMD links a process touching a few random
 * pages of a large region holds one or two entries in each of hundreds of groups (PostgreSQL's
 * 1,000 pages of 1 TiB: ~640 groups each), where 512 identities a group cost 2 KiB and an OS page
 * fault each, and an array a group two more objects for every collection to trace. Dense (once a
 * group passes SPARSE_MAX_LINKS entries): 512 identities in a typed array, a lookup one load. The
 * form is representation only: every reading is the same in either.
 */

/** Entries a sparse group holds at most; one more turns it dense (2 KiB, about 1.5x their Map entries). */
export const SPARSE_MAX_LINKS = 32;

let slabArray = new Int32Array(0);
let slabUsed = 0;
/** 512 zeroed identities carved from a shared slab: one typed array each would cost a malloc. */
function slab(): Int32Array {
  if (slabUsed === slabArray.length) {
    slabArray = new Int32Array(512 * 2048);
    slabUsed = 0;
  }
  slabUsed += 512;
  return slabArray.subarray(slabUsed - 512, slabUsed);
}

/**
 * Dense groups held by more than one LinkIds (a process linked a whole group to its host's): never
 * written again; a writer copies first (copy on write), so a process's entry stays what it copied
 * when the host's changes. `FULL_GROUPS` are those whose 512 identities are all set.
 */
const SHARED_GROUPS = new WeakSet<Int32Array>();
const FULL_GROUPS = new WeakSet<Int32Array>();

/** The Map key of a sparse group's slot: negative, apart from the groups' keys. */
function slotKey(slot: number): number {
  return -1 - slot;
}

/** Nonzero identities of a dense group. */
function denseCount(a: Int32Array): number {
  if (FULL_GROUPS.has(a)) return 512;
  let n = 0;
  for (let i = 0; i < 512; i++) if (a[i] !== 0) n++;
  return n;
}

/**
 * Link slot -> identity (0: none). Key g >= 0: group g, its dense identities or (sparse) its
 * count; key -1 - slot: a sparse group's slot's identity. A process that links a whole group its
 * host has full holds the host's dense array itself (one object per client PMD table mirroring the
 * host's entries), not a copy of its 512 entries.
 */
export class LinkIds {
  private readonly map = new Map<number, Int32Array | number>();
  /** Slots with a nonzero identity. */
  size = 0;

  get(slot: number): number {
    const a = this.map.get(Math.floor(slot / 512));
    if (a === undefined) return 0;
    if (typeof a !== 'number') return a[slot % 512];
    const id = this.map.get(slotKey(slot));
    return typeof id === 'number' ? id : 0;
  }

  /** Whether group `g` has all 512 identities set (a shared full group: without a loop). */
  isFullGroup(g: number): boolean {
    const a = this.map.get(g);
    return a !== undefined && typeof a !== 'number' && denseCount(a) === 512;
  }

  /** Whether slots [first, last] of one group all have an identity. */
  allSet(first: number, last: number): boolean {
    for (let slot = first; slot <= last; slot++) if (this.get(slot) === 0) return false;
    return true;
  }

  /** Copies `from`'s identities of slots [first, last] (one group) where they differ; returns how many. */
  copyRange(from: LinkIds, first: number, last: number): number {
    let copied = 0;
    for (let slot = first; slot <= last; slot++) {
      const id = from.get(slot);
      if (this.get(slot) === id) continue;
      this.set(slot, id);
      copied++;
    }
    return copied;
  }

  /**
   * Makes group `g` hold `from`'s dense array of group `g` itself (full: isFullGroup), which
   * neither writes again; returns the entries that changed.
   */
  shareGroup(g: number, from: LinkIds): number {
    const theirs = from.map.get(g);
    if (theirs === undefined || typeof theirs === 'number') throw new Error('shareGroup: the group is not full');
    const mine = this.map.get(g);
    if (mine === theirs) return 0;
    SHARED_GROUPS.add(theirs);
    FULL_GROUPS.add(theirs);
    let same = 0;
    // A group it had none of (the common case: a first touch) differs everywhere, without a look.
    if (mine !== undefined) for (let i = 0; i < 512; i++) if (this.get(g * 512 + i) === theirs[i]) same++;
    this.size += 512 - this.dropGroup(g);
    this.map.set(g, theirs);
    return 512 - same;
  }

  set(slot: number, id: number): void {
    this.write(slot, id);
  }

  /** set() without a subclass's bookkeeping (HostLinks counts a delete once). */
  private write(slot: number, id: number): void {
    const g = Math.floor(slot / 512);
    const a = this.map.get(g);
    if (a !== undefined && typeof a !== 'number') {
      const own = SHARED_GROUPS.has(a) ? this.dense(g) : a;
      this.size += (own[slot % 512] === 0 ? 1 : 0) - (id === 0 ? 1 : 0);
      own[slot % 512] = id;
      return;
    }
    const count = a ?? 0;
    const key = slotKey(slot);
    const old = this.map.get(key);
    if (old === id || (old === undefined && id === 0)) return;
    if (id === 0) {
      this.map.delete(key);
      this.size--;
      if (count === 1) this.map.delete(g);
      else this.map.set(g, count - 1);
      return;
    }
    if (old !== undefined) {
      this.map.set(key, id);
      return;
    }
    this.size++;
    if (count === SPARSE_MAX_LINKS) {
      this.dense(g)[slot % 512] = id;
      return;
    }
    this.map.set(key, id);
    this.map.set(g, count + 1);
  }

  /** Group `g` as a dense array of its own, holding its identities (its sparse entries go). */
  private dense(g: number): Int32Array {
    const own = slab();
    for (let i = 0; i < 512; i++) own[i] = this.get(g * 512 + i);
    this.dropGroup(g);
    this.map.set(g, own);
    return own;
  }

  /** Removes group `g` whole, without changing `size`; returns the identities it held. */
  private dropGroup(g: number): number {
    const a = this.map.get(g);
    if (a === undefined) return 0;
    this.map.delete(g);
    if (typeof a !== 'number') return denseCount(a);
    for (let i = 0; i < 512; i++) this.map.delete(slotKey(g * 512 + i));
    return a;
  }

  delete(slot: number): boolean {
    if (this.get(slot) === 0) return false;
    this.write(slot, 0);
    return true;
  }

  has(slot: number): boolean {
    return this.get(slot) !== 0;
  }

  clear(): void {
    this.map.clear();
    this.size = 0;
  }

  /**
   * Drops the identities of the slots that start inside pages [start, end) (`span` pages a slot):
   * a group wholly inside goes at once, a group across an edge slot by slot.
   */
  dropRange(start: number, end: number, span: number): void {
    for (const g of [...this.map.keys()]) {
      if (g < 0) continue;
      const first = g * 512 * span;
      const last = (g * 512 + 511) * span;
      if (last < start || first >= end) continue;
      if (first >= start && last < end) {
        this.size -= this.dropGroup(g);
        continue;
      }
      for (let i = 0; i < 512; i++) {
        const page = (g * 512 + i) * span;
        if (page >= start && page < end) this.delete(g * 512 + i);
      }
    }
  }

  /** Its dense groups' arrays (reshareGroups). */
  *denseGroups(): IterableIterator<Int32Array> {
    for (const a of this.map.values()) if (typeof a !== 'number') yield a;
  }

  *entries(): IterableIterator<[number, number]> {
    for (const [k, a] of this.map) {
      if (typeof a === 'number') {
        if (k < 0) yield [-1 - k, a];
      } else for (let i = 0; i < 512; i++) if (a[i] !== 0) yield [k * 512 + i, a[i]];
    }
  }
}

/**
 * After a restore (snapshot.ts), among `objects` (everything it made): the dense groups more than
 * one LinkIds holds are shared again, as copy on write needs. The marks are not in the saved graph
 * (WeakSets beside it); an array one LinkIds alone holds is written in place, which no other sees.
 */
export function reshareGroups(objects: Iterable<unknown>): void {
  const holders = new Map<Int32Array, number>();
  for (const o of objects) if (o instanceof LinkIds) for (const a of o.denseGroups()) holders.set(a, (holders.get(a) ?? 0) + 1);
  for (const [a, n] of holders) {
    if (n < 2) continue;
    SHARED_GROUPS.add(a);
    if (denseCount(a) === 512) FULL_GROUPS.add(a); // shared arrays are never written: full for good
  }
}

/** A process's link entries: link slot -> identity of the host table it points at (0: none). */
export class LinkEntries extends LinkIds {}

/** A host's tables under link slots: their identities, and an epoch bumped on every change. */
export class HostLinks extends LinkIds {
  /** Bumped on every change of the identities, so the fault path can skip comparing entries. */
  epoch = 0;

  override set(slot: number, id: number): void {
    super.set(slot, id);
    this.epoch++;
  }

  override delete(slot: number): boolean {
    const had = super.delete(slot);
    if (had) this.epoch++;
    return had;
  }

  override clear(): void {
    super.clear();
    this.epoch++;
  }
}
