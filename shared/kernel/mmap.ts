/**
 * mmap and munmap, like mm/mmap.c: placement (top-down, as arch_get_unmapped_area_topdown), and
 * the unmapping of a private range with its tables. Inside an mshare'd window both act on the
 * host mm, seen by every sharer at once (mshare.ts).
 */
import { KernelError } from './errors.js';
import { PAGE_SHIFT, PAGE_SIZE } from './geometry.js';
import type { Process } from './mm.js';
import { unmapInHost, windowFor, type WindowContext } from './mshare.js';
import { zap } from './pagetable/range.js';
import { pageOf, type MmapRequest } from './validate.js';
import type { Vma } from './vma.js';

/** vm.mmap_min_addr = 65536: the lowest page mmap will place a mapping at. */
const MMAP_MIN_PAGE = 16;
/** mmap_base sits below the stack gap (128 MiB, the kernel's minimum), so it is not 2 MiB-aligned. */
const STACK_GAP_PAGES = (128 * 1024 * 1024) / PAGE_SIZE;

/** Maps a checked request; returns the mapping's address. */
export function mmap(ctx: WindowContext, proc: Process, req: MmapRequest): bigint {
  const vma = (start: number): Vma => ({ start, end: start + req.pages, prot: req.prot, flags: req.vmaFlags, file: req.file });
  if (req.fixed) {
    const start = pageOf(req.addr);
    const end = start + req.pages;
    const region = windowFor(proc, start, end, 'mmap');
    (region ? region.host.vmas : proc.mm.vmas).checkMapCount(start, end, 1, ctx.limits.maxMapCount);
    if (region) {
      unmapInHost(ctx, region, start, end);
      region.host.vmas.insert(vma(start));
    } else {
      unmapPrivate(proc, start, end);
      proc.mm.vmas.insert(vma(start));
    }
    return req.addr;
  }
  proc.mm.vmas.checkMapCount(0, 0, 1, ctx.limits.maxMapCount);
  const start = getUnmappedArea(ctx, proc, req);
  proc.mm.vmas.insert(vma(start));
  return BigInt(start) << BigInt(PAGE_SHIFT);
}

/** A hint, rounded down to a page, is used when the range there is free; else top-down search. */
function getUnmappedArea(ctx: WindowContext, proc: Process, req: MmapRequest): number {
  const g = ctx.geometry;
  const hintPage = req.addr >= g.userLimitBytes ? 0 : pageOf(req.addr);
  const ceiling = g.userLimitPages - STACK_GAP_PAGES;
  const start = proc.mm.vmas.findFree(req.pages, hintPage > 0 ? hintPage : -1, MMAP_MIN_PAGE, ceiling);
  if (start < 0) throw new KernelError('ENOMEM', `no free range of ${req.length} bytes in the address space`);
  return start;
}

/** munmap of pages [start, end), checked and not empty. */
export function munmap(ctx: WindowContext, proc: Process, start: number, end: number): void {
  const region = windowFor(proc, start, end, 'munmap');
  (region ? region.host.vmas : proc.mm.vmas).checkMapCount(start, end, 0, ctx.limits.maxMapCount);
  if (region) unmapInHost(ctx, region, start, end);
  else unmapPrivate(proc, start, end);
}

/** Unmaps a range of the process's own mm: its VMAs, then its pages and freed tables. */
function unmapPrivate(proc: Process, start: number, end: number): void {
  if (proc.mm.vmas.remove(start, end).length === 0) return;
  zap(proc.mm.tree, start, end, (s, e) => proc.mm.vmas.overlaps(s, e));
}
