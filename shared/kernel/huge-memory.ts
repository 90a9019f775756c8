/**
 * Machine memory for huge-page faults (memory.ts's kinds). hugetlb pages were charged when their
 * pool reserved them at mmap; a THP fault's pages are charged when it maps them, through the
 * HugeData hook huge.ts's fault and fill call.
 */
import { PAGE_SIZE, type Geometry } from './geometry.js';
import { HUGETLB_1G, HUGETLB_2M, THP_SHMEM, type HugeData, type HugeMapping } from './huge.js';
import type { MachineMemory } from './memory.js';
import type { Process, Region } from './mm.js';
import { COUNTERFACTUAL } from './pagetable/ledger.js';
import { fill } from './pagetable/fill.js';
import { countPresent } from './pagetable/range.js';
import { PageTree } from './pagetable/tree.js';

/**
 * The machine-memory charge of THP faults (memory.ts's kinds): in a window, shared memory once
 * however many mappers fault it (the region's resident pages, as 4 KiB faults without sharing
 * count them); anonymous THP, the process's private pages. A shmem THP mapping outside windows
 * (a memfd of the process's own) is not charged: its huge entries are not among the pages the
 * private figure is read back from (privatePagesOf).
 */
export function hugeData(ctx: { readonly memory: MachineMemory; readonly geometry: Geometry }, proc: Process,
  region: Region | null, m: HugeMapping): HugeData | undefined {
  if (m.kind === HUGETLB_2M || m.kind === HUGETLB_1G || (region === null && m.kind === THP_SHMEM)) return undefined;
  const memory = ctx.memory;
  if (region === null) {
    return (start, end, tables) => {
      memory.reserve((end - start + tables) * PAGE_SIZE); // room for the pages and their tables at once
      memory.chargePrivate(end - start);
      proc.privatePages += end - start;
    };
  }
  return (start, end, tables) => {
    const resident = region.resident ??= new PageTree(ctx.geometry, COUNTERFACTUAL);
    // Room for the pages new to the region (its shared memory) and the tables at once, counted only
    // when the most they could need does not fit (else reserve has nothing to do). One page (an
    // unaligned edge) is looked up rather than counted by a range walk.
    if (!memory.fits((end - start + tables) * PAGE_SIZE)) {
      const present = end - start === 1 ? (resident.isPresent(start) ? 1 : 0) : countPresent(resident, start, end);
      memory.reserve((end - start - present + tables) * PAGE_SIZE);
    }
    memory.chargeShared(fill(resident, start, end, 1).newly);
  };
}

