/**
 * Link slot -> identity maps (0: none), the storage behind links.ts: a process's link entries and
 * a host's identities. Slots are kept 512 to a group (a PMD table's worth at PMD links), each
 * group in one of two forms. Sparse (every group starts so): a short array of (index, identity)
 * pairs sorted by index, since at PMD links a process touching a few random pages of a large
 * region holds one or two entries in each of hundreds of groups (PostgreSQL's 1,000 pages of
 * 1 TiB: ~640 groups each), where 512 identities a group cost 2 KiB and a page fault each. Dense
 * (once a group passes SPARSE_MAX_LINKS entries): 512 identities in a typed array, a lookup one
 * load. The form is representation only: every reading is the same in either.
 */

/** Entries a sparse group holds at most; one more turns it dense (2 KiB, about 4x the pairs' bytes). */
export const SPARSE_MAX_LINKS = 32;

/** A group: dense (512 identities) or sparse ([index, identity, ...] sorted by index, no zeros). */
type Group = Int32Array | number[];

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

/** Position of index `i` in a sparse group's pairs (2 x its rank), or where it would go. */
function pairAt(a: number[], i: number): number {
  let lo = 0;
  let hi = a.length >>> 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[2 * mid] < i) lo = mid + 1;
    else hi = mid;
  }
  return 2 * lo;
}

/** Identity at index `i` (0..511) of a group. */
function idIn(a: Group, i: number): number {
  if (!Array.isArray(a)) return a[i];
  const j = pairAt(a, i);
  return j < a.length && a[j] === i ? a[j + 1] : 0;
}

/** Nonzero identities of a group. */
function countOf(a: Group): number {
  if (Array.isArray(a)) return a.length >>> 1;
  if (FULL_GROUPS.has(a)) return 512;
  let n = 0;
  for (let i = 0; i < 512; i++) if (a[i] !== 0) n++;
  return n;
}

/**
 * Link slot -> identity (0: none). A process that links a whole group its host has full holds the
 * host's dense array itself (one object per client PMD table mirroring the host's entries), not a
 * copy of its 512 entries.
 */
export class LinkIds {
  private readonly groups = new Map<number, Group>();
  /** Slots with a nonzero identity. */
  size = 0;

  get(slot: number): number {
    const a = this.groups.get(Math.floor(slot / 512));
    return a === undefined ? 0 : idIn(a, slot % 512);
  }

  /** Whether group `g` has all 512 identities set (a shared full group: without a loop). */
  isFullGroup(g: number): boolean {
    const a = this.groups.get(g);
    return a !== undefined && !Array.isArray(a) && countOf(a) === 512;
  }

  /** Whether slots [first, last] of one group all have an identity. */
  allSet(first: number, last: number): boolean {
    const a = this.groups.get(Math.floor(first / 512));
    if (a === undefined) return false;
    for (let i = first % 512, e = last % 512; i <= e; i++) if (idIn(a, i) === 0) return false;
    return true;
  }

  /** Copies `from`'s identities of slots [first, last] (one group) where they differ; returns how many. */
  copyRange(from: LinkIds, first: number, last: number): number {
    const g = Math.floor(first / 512);
    const theirs = from.groups.get(g);
    if (theirs === undefined) return 0;
    let copied = 0;
    for (let slot = first; slot <= last; slot++) {
      const id = idIn(theirs, slot % 512);
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
    const theirs = from.groups.get(g);
    const mine = this.groups.get(g);
    if (theirs === undefined || Array.isArray(theirs)) throw new Error('shareGroup: the group is not full');
    if (mine === theirs) return 0;
    SHARED_GROUPS.add(theirs);
    FULL_GROUPS.add(theirs);
    let same = 0;
    if (mine !== undefined) {
      for (let i = 0; i < 512; i++) if (idIn(mine, i) === theirs[i]) same++;
      this.size -= countOf(mine);
    }
    this.size += 512;
    this.groups.set(g, theirs);
    return 512 - same;
  }

  set(slot: number, id: number): void {
    this.write(slot, id);
  }

  /** set() without a subclass's bookkeeping (HostLinks counts a delete once). */
  private write(slot: number, id: number): void {
    const g = Math.floor(slot / 512);
    const i = slot % 512;
    let a = this.groups.get(g);
    if (a === undefined || Array.isArray(a)) {
      if (id === 0 && a === undefined) return;
      const pairs = a ?? [];
      const j = pairAt(pairs, i);
      const had = j < pairs.length && pairs[j] === i;
      if (had && id !== 0) {
        pairs[j + 1] = id;
        return;
      }
      if (!had && id === 0) return;
      this.size += id === 0 ? -1 : 1;
      if (pairs.length === 2 * SPARSE_MAX_LINKS && id !== 0) {
        this.dense(g, pairs)[i] = id;
        return;
      }
      // A new array of the exact length: splice leaves spare capacity (16 elements and more).
      const out = new Array<number>(pairs.length + (id === 0 ? -2 : 2));
      for (let k = 0; k < j; k++) out[k] = pairs[k];
      const tail = id === 0 ? j + 2 : j;
      if (id !== 0) {
        out[j] = i;
        out[j + 1] = id;
      }
      for (let k = tail; k < pairs.length; k++) out[k + out.length - pairs.length] = pairs[k];
      if (out.length === 0) this.groups.delete(g);
      else this.groups.set(g, out);
      return;
    }
    if (SHARED_GROUPS.has(a)) a = this.dense(g, a);
    this.size += (a[i] === 0 ? 1 : 0) - (id === 0 ? 1 : 0);
    a[i] = id;
  }

  /** Group `g` as a dense array of its own, holding `from`'s identities. */
  private dense(g: number, from: Group): Int32Array {
    const own = slab();
    if (!Array.isArray(from)) own.set(from);
    else for (let j = 0; j < from.length; j += 2) own[from[j]] = from[j + 1];
    this.groups.set(g, own);
    return own;
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
    this.groups.clear();
    this.size = 0;
  }

  /**
   * Drops the identities of the slots that start inside pages [start, end) (`span` pages a slot):
   * a group wholly inside goes at once, a group across an edge slot by slot.
   */
  dropRange(start: number, end: number, span: number): void {
    for (const [g, a] of this.groups) {
      const first = g * 512 * span;
      const last = (g * 512 + 511) * span;
      if (last < start || first >= end) continue;
      if (first >= start && last < end) {
        this.size -= countOf(a);
        this.groups.delete(g);
        continue;
      }
      for (let i = 0; i < 512; i++) {
        const page = (g * 512 + i) * span;
        if (page >= start && page < end) this.delete(g * 512 + i);
      }
    }
  }

  *entries(): IterableIterator<[number, number]> {
    for (const [g, a] of this.groups) {
      if (Array.isArray(a)) for (let j = 0; j < a.length; j += 2) yield [g * 512 + a[j], a[j + 1]];
      else for (let i = 0; i < 512; i++) if (a[i] !== 0) yield [g * 512 + i, a[i]];
    }
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
