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
    return (_s, _e, _stride, newly, tables) => {
      memory.reserve((newly + tables) * PAGE_SIZE); // room for the pages and their tables at once
      memory.chargePrivate(newly);
      proc.privatePages += newly;
    };
  }
  return (start, end, stride, _newly, tables) => {
    const resident = region.resident ??= new PageTree(ctx.geometry, COUNTERFACTUAL);
    // The pages new to the region (its shared memory), and room for them and the tables at once.
    if (end - start === 1) {
      // One 4 KiB page (an unaligned edge): no range walk.
      const fresh = resident.isPresent(start) ? 0 : 1;
      memory.reserve((fresh + tables) * PAGE_SIZE);
      if (fresh === 1) {
        memory.chargeShared(1);
        resident.populate(start);
      }
      return;
    }
    // Counted only when the most it could need does not fit (else reserve has nothing to do).
    if (!memory.fits((Math.ceil((end - start) / stride) + tables) * PAGE_SIZE)) {
      let fresh = 0;
      if (stride === 1) fresh = end - start - countPresent(resident, start, end);
      else for (let p = start; p < end; p += stride) if (!resident.isPresent(p)) fresh++;
      memory.reserve((fresh + tables) * PAGE_SIZE);
    }
    memory.chargeShared(fill(resident, start, end, stride).newly);
  };
}

