/**
 * Virtual memory areas of one mm, kept sorted and non-overlapping, in page numbers. munmap and
 * mprotect split VMAs at their edges (__split_vma); adjacent VMAs are not merged (vma_merge is not
 * simulated: it changes VMA counts, never page tables).
 */
import { LimitError } from './errors.js';
import type { Region } from './mm.js';

export interface Vma {
  start: number;
  end: number;
  prot: number;
  flags: number;
  file: string;
  /**
   * Pages per page-table entry that maps this VMA's memory, as a shift of 4 KiB pages: 0 (4 KiB),
   * 9 (2 MiB: hugetlb, or shmem THP where the VMA covers the aligned 2 MiB), 18 (1 GiB hugetlb).
   * Absent = 0.
   */
  pageShift?: number;
  /** hugetlb: the file offset of `start`, in 4 KiB pages (mappers of one file share PMD tables). */
  offset?: number;
  /** Shared-memory THP (shmem_enabled=always): 2 MiB PMD entries where the VMA covers them. */
  thp?: boolean;
  /** Set on a process's window onto an mshare'd range: the VMAs inside live in its host mm. */
  window?: Region;
}

export class VmaList {
  private vmas: Vma[] = [];

  get length(): number {
    return this.vmas.length;
  }

  all(): readonly Vma[] {
    return this.vmas;
  }

  /** Index of the first VMA whose end is above `page` (find_vma). */
  private lowerBound(page: number): number {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.vmas[mid].end <= page) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index in all() of the first VMA whose end is above `page`. */
  indexAfter(page: number): number {
    return this.lowerBound(page);
  }

  /** The VMA containing `page`, or undefined. */
  find(page: number): Vma | undefined {
    const v = this.vmas[this.lowerBound(page)];
    return v !== undefined && v.start <= page ? v : undefined;
  }

  /** VMAs overlapping [start, end), in order (find_vma_intersection and onwards). */
  overlapping(start: number, end: number): Vma[] {
    const out: Vma[] = [];
    for (let i = this.lowerBound(start); i < this.vmas.length && this.vmas[i].start < end; i++) {
      out.push(this.vmas[i]);
    }
    return out;
  }

  /** The first VMA overlapping [start, end), without listing the rest (a touch's next gap). */
  firstOverlapping(start: number, end: number): Vma | undefined {
    const v = this.vmas[this.lowerBound(start)];
    return v !== undefined && v.start < end ? v : undefined;
  }

  overlaps(start: number, end: number): boolean {
    const v = this.vmas[this.lowerBound(start)];
    return v !== undefined && v.start < end;
  }

  /** True when [start, end) is covered by VMAs without holes. */
  covers(start: number, end: number): boolean {
    let at = start;
    for (const v of this.overlapping(start, end)) {
      if (v.start > at) return false;
      at = v.end;
    }
    return at >= end;
  }

  /**
   * The VMA count after [start, end) is replaced by `added` VMAs: the pieces of VMAs crossing its
   * edges stay (a split adds one), the VMAs inside go.
   */
  countAfter(start: number, end: number, added: number): number {
    const hit = this.overlapping(start, end);
    if (hit.length === 0) return this.vmas.length + added;
    const kept = (hit[0].start < start ? 1 : 0) + (hit[hit.length - 1].end > end ? 1 : 0);
    return this.vmas.length - hit.length + kept + added;
  }

  /** ENOMEM when replacing [start, end) by `added` VMAs would leave more than `max` (vm.max_map_count). */
  checkMapCount(start: number, end: number, added: number, max: number): void {
    const after = this.countAfter(start, end, added);
    if (after > max && after > this.vmas.length) {
      throw new LimitError('ENOMEM', 'max_map_count', `the mm would hold ${after} mappings, over vm.max_map_count ${max}`);
    }
  }

  insert(vma: Vma): void {
    if (this.overlaps(vma.start, vma.end)) throw new Error('VmaList.insert: overlapping VMA');
    this.vmas.splice(this.lowerBound(vma.start), 0, vma);
  }

  /** Removes [start, end), splitting VMAs that cross its edges. Returns the removed pieces. */
  remove(start: number, end: number): Vma[] {
    const removed: Vma[] = [];
    const kept: Vma[] = [];
    const i0 = this.lowerBound(start);
    let i = i0;
    for (; i < this.vmas.length && this.vmas[i].start < end; i++) {
      const v = this.vmas[i];
      if (v.start < start) kept.push({ ...v, end: start });
      if (v.end > end) kept.push({ ...v, start: end });
      removed.push({ ...v, start: Math.max(v.start, start), end: Math.min(v.end, end) });
    }
    this.vmas.splice(i0, i - i0, ...kept);
    return removed;
  }

  /** Sets `prot` on [start, end), which the caller has checked is fully covered. */
  protect(start: number, end: number, prot: number): void {
    const pieces = this.remove(start, end);
    for (const p of pieces) this.insert({ ...p, prot });
  }

  /**
   * A free gap of `pages` pages: the hint when it is free, else the highest gap below `ceiling`
   * and above `floor` (the top-down allocator of arch_get_unmapped_area_topdown). -1 if none.
   */
  findFree(pages: number, hint: number, floor: number, ceiling: number): number {
    if (hint >= floor && hint + pages <= ceiling && !this.overlaps(hint, hint + pages)) return hint;
    let gapTop = ceiling;
    // Start at the VMA straddling the ceiling, if one does (a fixed mapping across mmap_base):
    // the gap below the ceiling ends at its start.
    let first = this.lowerBound(ceiling);
    if (!(first < this.vmas.length && this.vmas[first].start < ceiling)) first--;
    for (let i = first; i >= -1; i--) {
      const gapBottom = i >= 0 ? Math.max(this.vmas[i].end, floor) : floor;
      if (i >= 0 && this.vmas[i].end > gapTop) {
        gapTop = Math.min(gapTop, this.vmas[i].start);
        continue;
      }
      if (gapTop - gapBottom >= pages) return gapTop - pages;
      if (i >= 0) gapTop = Math.min(gapTop, this.vmas[i].start);
    }
    return -1;
  }
}
