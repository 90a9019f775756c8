/**
 * Link identity: where a process's tables point into a host's. The RFC links PGD entries
 * (linkLevel = the top level); linkLevel 2 links PMD entries. Each host table under a link slot
 * gets a new identity when it is allocated; a process's link entry remembers the identity it
 * copied, so an entry that differs from the host's is stale and is copied again on the next access
 * (mshare.c: find_shared_vma, pgd_same / set_pgd). Everything about link entries lives here.
 */
import type { Geometry } from './geometry.js';
import type { Process, Region } from './mm.js';

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
 * Group arrays held by more than one LinkIds (a process linked a whole group to its host's): never
 * written again; a writer copies first (copy on write), so a process's entry stays what it copied
 * when the host's changes. `FULL_GROUPS` are those whose 512 identities are all set.
 */
const SHARED_GROUPS = new WeakSet<Int32Array>();
const FULL_GROUPS = new WeakSet<Int32Array>();

/**
 * Link slot -> identity (0: none), kept 512 slots to a typed array: at PMD links a process has
 * 512 entries a GiB, 153,600 for the field's SGA, too many for a Map of 1500 processes. A process
 * that links a whole group its host has full holds the host's array itself (one object per client
 * PMD table mirroring the host's entries), not a copy of its 512 entries.
 */
export class LinkIds {
  private readonly groups = new Map<number, Int32Array>();
  /** Slots with a nonzero identity. */
  size = 0;

  get(slot: number): number {
    const g = this.groups.get(Math.floor(slot / 512));
    return g === undefined ? 0 : g[slot % 512];
  }

  /** The 512 identities of group `g` (slots 512g ..), or undefined: for reading only. */
  find(g: number): Int32Array | undefined {
    return this.groups.get(g);
  }

  /** Group `g`'s identities to write into: created when missing, copied when shared. */
  make(g: number): Int32Array {
    let a = this.groups.get(g);
    if (a === undefined || SHARED_GROUPS.has(a)) {
      const own = slab();
      if (a !== undefined) own.set(a);
      a = own;
      this.groups.set(g, a);
    }
    return a;
  }

  /** Whether group `g` has all 512 identities set (a shared full group: without a loop). */
  isFullGroup(g: number): boolean {
    const a = this.groups.get(g);
    if (a === undefined) return false;
    if (FULL_GROUPS.has(a)) return true;
    for (let i = 0; i < 512; i++) if (a[i] === 0) return false;
    return true;
  }

  /**
   * Makes group `g` hold `from`'s array of group `g` itself (full: isFullGroup), which neither
   * writes again; returns the entries that changed.
   */
  shareGroup(g: number, from: LinkIds): number {
    const theirs = from.groups.get(g) as Int32Array;
    const mine = this.groups.get(g);
    if (mine === theirs) return 0;
    SHARED_GROUPS.add(theirs);
    FULL_GROUPS.add(theirs);
    let changed = 512;
    if (mine !== undefined) {
      changed = 0;
      for (let i = 0; i < 512; i++) {
        if (mine[i] === 0) this.size++;
        if (mine[i] !== theirs[i]) changed++;
      }
    } else this.size += 512;
    this.groups.set(g, theirs);
    return changed;
  }

  set(slot: number, id: number): void {
    const a = this.make(Math.floor(slot / 512));
    this.size += (a[slot % 512] === 0 ? 1 : 0) - (id === 0 ? 1 : 0);
    a[slot % 512] = id;
  }

  delete(slot: number): boolean {
    const g = Math.floor(slot / 512);
    const r = this.find(g);
    if (r === undefined || r[slot % 512] === 0) return false;
    this.make(g)[slot % 512] = 0;
    this.size--;
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
        this.size -= FULL_GROUPS.has(a) ? 512 : nonzero(a);
        this.groups.delete(g);
        continue;
      }
      for (let i = 0; i < 512; i++) {
        const page = (g * 512 + i) * span;
        if (a[i] !== 0 && page >= start && page < end) this.delete(g * 512 + i);
      }
    }
  }

  *entries(): IterableIterator<[number, number]> {
    for (const [g, a] of this.groups) for (let i = 0; i < 512; i++) if (a[i] !== 0) yield [g * 512 + i, a[i]];
  }
}

function nonzero(a: Int32Array): number {
  let n = 0;
  for (let i = 0; i < 512; i++) if (a[i] !== 0) n++;
  return n;
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

/** The kernel's link parameters and every change of link entries and identities. */
export class Links {
  /** Level of the table whose entries link a process to a host (the RFC: the top level). */
  readonly level: number;
  /** Pages under one link entry: the mshare alignment. */
  readonly span: number;
  private readonly levels: number;
  private lastId = 0;
  /** Touches link a group of 512 slots at once where they can (touch.ts); false: one at a time. */
  batch = true;

  constructor(geometry: Geometry, level: number) {
    this.level = level;
    this.span = geometry.entrySpanPages[level];
    this.levels = geometry.levels;
  }

  slotOf(page: number): number {
    return Math.floor(page / this.span);
  }

  /** Copies the host's link entry for `page` into the process where they differ; true if copied. */
  sync(proc: Process, region: Region, page: number): boolean {
    const slot = this.slotOf(page);
    const hostId = region.links.get(slot);
    if (proc.links.get(slot) === hostId) return false;
    this.set(proc, slot, hostId);
    return true;
  }

  /**
   * Links the slots [first, last] of one group (512 slots) at once, where every host identity is
   * set: the figures of set() slot by slot. Returns the entries copied (syncs).
   */
  setGroup(proc: Process, region: Region, first: number, last: number): number {
    const g = Math.floor(first / 512);
    const host = region.links.find(g);
    if (host === undefined) return -1;
    let copied: number;
    if (first % 512 === 0 && last % 512 === 511 && region.links.isFullGroup(g)) {
      // The whole group: the process holds the host's array (unchanged until either writes).
      copied = proc.links.shareGroup(g, region.links);
    } else {
      for (let i = first % 512, e = last % 512; i <= e; i++) if (host[i] === 0) return -1;
      copied = 0;
      let mine = proc.links.find(g);
      for (let i = first % 512, e = last % 512; i <= e; i++) {
        if ((mine === undefined ? 0 : mine[i]) === host[i]) continue;
        mine = proc.links.make(g);
        if (mine[i] === 0) proc.links.size++;
        mine[i] = host[i];
        copied++;
      }
    }
    if (copied > 0 && this.level < this.levels) proc.mm.tree.tableAt(this.level, first * this.span, true, true);
    return copied;
  }

  /** Points the process's entry for `slot` at host identity `hostId` (0 clears it). */
  set(proc: Process, slot: number, hostId: number): void {
    if (hostId === 0) {
      proc.links.delete(slot);
      return;
    }
    proc.links.set(slot, hostId);
    // Below the top level the process needs private tables down to the one holding the link entry.
    if (this.level < this.levels) proc.mm.tree.tableAt(this.level, slot * this.span, true, true);
  }

  /** A fault allocated host tables under `slot`: the link table's identity, new if it had none. */
  allocated(region: Region, slot: number): number {
    let id = region.links.get(slot);
    if (id === 0) {
      id = ++this.lastId;
      region.links.set(slot, id);
    }
    return id;
  }

  /** After host tables under [start, end) changed: a new identity where a link table appeared. */
  refresh(region: Region, start: number, end: number): void {
    const first = this.slotOf(start);
    const last = this.slotOf(end - 1);
    for (let slot = first; slot <= last; slot++) {
      const has = region.host.tree.entryAt(this.level, slot * this.span) !== null;
      const known = region.links.has(slot);
      if (has && !known) region.links.set(slot, ++this.lastId);
      else if (!has && known) region.links.delete(slot);
    }
  }

  /** The creator of a region: its entries point at the tables it just moved into the host. */
  adopt(proc: Process, region: Region): void {
    for (const [slot, id] of region.links.entries()) proc.links.set(slot, id);
  }

  /** The host mm goes (its tables are freed): no identity is left for an entry to match. */
  release(region: Region): void {
    region.links.clear();
  }

  /** A process unmaps a window: its link entries there go. */
  forget(proc: Process, region: Region): void {
    proc.links.dropRange(region.start, region.end, this.span);
  }
}
