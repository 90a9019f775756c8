/**
 * Link identity: where a process's tables point into a host's. The RFC links PGD entries
 * (linkLevel = the top level); linkLevel 2 links PMD entries. Each host table under a link slot
 * gets a new identity when it is allocated; a process's link entry remembers the identity it
 * copied, so an entry that differs from the host's is stale and is copied again on the next access
 * (mshare.c: find_shared_vma, pgd_same / set_pgd). Every change of link entries goes through here;
 * link-ids.ts stores them.
 */
import type { Geometry } from './geometry.js';
import type { Process, Region } from './mm.js';

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
    let copied: number;
    if (first % 512 === 0 && last % 512 === 511 && region.links.isFullGroup(g)) {
      // The whole group: the process holds the host's array (unchanged until either writes).
      copied = proc.links.shareGroup(g, region.links);
    } else {
      if (!region.links.allSet(first, last)) return -1;
      copied = proc.links.copyRange(region.links, first, last);
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
    // Below the top level the process needs private tables down to the one holding the link entry:
    // made first, so that a machine refusing them leaves the entry stale (copied again next time).
    if (this.level < this.levels) proc.mm.tree.tableAt(this.level, slot * this.span, true, true);
    proc.links.set(slot, hostId);
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
