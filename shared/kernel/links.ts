/**
 * Link identity: where a process's tables point into a host's. The RFC links PGD entries
 * (linkLevel = the top level); linkLevel 2 links PMD entries. Each host table under a link slot
 * gets a new identity when it is allocated; a process's link entry remembers the identity it
 * copied, so an entry that differs from the host's is stale and is copied again on the next access
 * (mshare.c: find_shared_vma, pgd_same / set_pgd). Everything about link entries lives here.
 */
import type { Geometry } from './geometry.js';
import type { Process, Region } from './mm.js';

/** A process's link entries: link slot -> identity of the host table it points at (0: none). */
export class LinkEntries {
  private readonly ids = new Map<number, number>();

  get(slot: number): number {
    return this.ids.get(slot) ?? 0;
  }

  set(slot: number, id: number): void {
    this.ids.set(slot, id);
  }

  delete(slot: number): void {
    this.ids.delete(slot);
  }

  /** Drops the entries whose slot starts inside pages [start, end) (`span` pages a slot). */
  dropRange(start: number, end: number, span: number): void {
    for (const slot of [...this.ids.keys()]) {
      const page = slot * span;
      if (page >= start && page < end) this.ids.delete(slot);
    }
  }
}

/** A host's tables under link slots: their identities, and an epoch bumped on every change. */
export class HostLinks {
  private readonly ids = new Map<number, number>();
  /** Bumped on every change of the identities, so the fault path can skip comparing entries. */
  epoch = 0;

  get(slot: number): number {
    return this.ids.get(slot) ?? 0;
  }

  has(slot: number): boolean {
    return this.ids.has(slot);
  }

  set(slot: number, id: number): void {
    this.ids.set(slot, id);
    this.epoch++;
  }

  delete(slot: number): void {
    if (this.ids.delete(slot)) this.epoch++;
  }

  clear(): void {
    this.ids.clear();
    this.epoch++;
  }

  entries(): IterableIterator<[number, number]> {
    return this.ids.entries();
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
