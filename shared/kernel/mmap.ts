/**
 * mmap and munmap, like mm/mmap.c: placement (top-down, as arch_get_unmapped_area_topdown), and
 * the unmapping of a private range with its tables. Inside an mshare'd window both act on the
 * host mm, seen by every sharer at once (mshare.ts).
 */
import { zapCounterfactual } from './counterfactual.js';
import { KernelError, einval } from './errors.js';
import { HUGETLB_1G, HUGETLB_2M, hugeLength, hugeUnit, type Hugetlb } from './huge.js';
import { PAGE_SHIFT, PAGE_SIZE } from './geometry.js';
import type { Process, Region } from './mm.js';
import { detachWindow, unmapInHost, viewHasVma, windowFor, type MshareContext, type WindowContext } from './mshare.js';
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, MAP_TYPE } from './uapi.js';
import { zap } from './pagetable/range.js';
import { pageOf, type MmapRequest } from './validate.js';
import type { Vma } from './vma.js';

/** vm.mmap_min_addr = 65536: the lowest page mmap will place a mapping at. */
const MMAP_MIN_PAGE = 16;
/** x86 DEFAULT_MAP_WINDOW in pages: (1 << 47) - 4 KiB. */
const DEFAULT_MAP_WINDOW = 2 ** 35 - 1;
const PMD_PAGES = 512;
/** mmap_base sits below the stack gap (128 MiB, the kernel's minimum), so it is not 2 MiB-aligned. */
const STACK_GAP_PAGES = (128 * 1024 * 1024) / PAGE_SIZE;

/** What mmap needs from the kernel beyond a window's layout changes. */
export interface MmapContext extends WindowContext {
  readonly hugetlb: Hugetlb;
}

/** Maps a checked request; returns the mapping's address. */
export function mmap(ctx: MmapContext, proc: Process, req: MmapRequest): bigint {
  const huge = hugeKindOf(ctx.hugetlb, req);
  const pages = huge === 0 ? req.pages : hugeLength(huge, req.fixed ? pageOf(req.addr) : null, req.pages);
  if (huge !== 0 && req.offset % hugeUnit(huge) !== 0) throw einval(`offset ${req.offset * PAGE_SIZE} is not aligned to the huge page size`);
  const shared = (req.vmaFlags & MAP_TYPE) === MAP_SHARED;
  const vma = (start: number): Vma => {
    const v: Vma = { start, end: start + pages, prot: req.prot, flags: req.vmaFlags, file: req.file };
    if (huge !== 0) {
      v.pageShift = huge === HUGETLB_1G ? 18 : 9;
      v.offset = req.offset;
    }
    return v;
  };
  let start: number;
  let region: Region | undefined;
  if (req.fixed) {
    start = pageOf(req.addr);
    region = windowFor(proc, start, start + pages, 'mmap');
    (region ? region.host.vmas : proc.mm.vmas).checkMapCount(start, start + pages, 1, ctx.limits.maxMapCount);
  } else {
    proc.mm.vmas.checkMapCount(0, 0, 1, ctx.limits.maxMapCount);
    start = getUnmappedArea(ctx, proc, req, pages, huge !== 0 ? hugeUnit(huge) : thpAligned(req) ? PMD_PAGES : 1);
  }
  // hugetlb_reserve_pages: beyond the pool, ENOMEM before anything changes. A shared file's pages
  // are reserved once; a private mapping's with the mapping.
  if (huge !== 0) ctx.hugetlb.reserve(huge, shared && req.file !== '' ? req.file : null, req.offset, pages);
  if (req.file !== '') ctx.hugetlb.fileKind.set(req.file, huge);
  if (huge !== 0) proc.hugeMapped = true;
  if (region) {
    unmapInHost(ctx, region, start, start + pages);
    region.host.vmas.insert(vma(start));
  } else {
    if (req.fixed) unmapPrivate(ctx, proc, start, start + pages);
    proc.mm.vmas.insert(vma(start));
  }
  return BigInt(start) << BigInt(PAGE_SHIFT);
}

/** MAP_HUGETLB's page size, or a hugetlb file's: EINVAL for a hugetlb flag on another file. */
function hugeKindOf(reg: Hugetlb, req: MmapRequest): number {
  if (req.file === '') return req.huge;
  const known = reg.fileKind.get(req.file);
  if (known === undefined) return req.huge;
  if (req.huge !== 0 && known !== req.huge) {
    throw einval(known === 0 ? `MAP_HUGETLB: '${req.file}' is not a hugetlb file` : `MAP_HUGETLB: '${req.file}' has another huge page size`);
  }
  return known;
}

/**
 * __thp_get_unmapped_area: a hint-less private anonymous mapping whose length is a multiple of
 * 2 MiB lands on a 2 MiB boundary (measured: a 1 GiB one does, a 1 GiB + 4 KiB one does not).
 */
function thpAligned(req: MmapRequest): boolean {
  return (req.vmaFlags & MAP_TYPE) === MAP_PRIVATE && (req.vmaFlags & MAP_ANONYMOUS) !== 0 && req.pages % PMD_PAGES === 0;
}

/**
 * A hint, rounded down to a page, is used when the range there is free; else a top-down search
 * below mmap_base. `align` > 1: the search is for length + align, the start rounded up to it
 * (__thp_get_unmapped_area, hugetlb_get_unmapped_area). mmap_base sits below 2^47 on 5-level
 * paging too, unless the hint is above it (x86 DEFAULT_MAP_WINDOW).
 */
function getUnmappedArea(ctx: WindowContext, proc: Process, req: MmapRequest, pages: number, align: number): number {
  const g = ctx.geometry;
  const hintPage = req.addr >= g.userLimitBytes ? 0 : pageOf(req.addr);
  const window = hintPage > DEFAULT_MAP_WINDOW ? g.userLimitPages : Math.min(DEFAULT_MAP_WINDOW, g.userLimitPages);
  const ceiling = window - STACK_GAP_PAGES;
  const vmas = proc.mm.vmas;
  if (hintPage > 0 && hintPage % align === 0 && hintPage + pages <= g.userLimitPages && !vmas.overlaps(hintPage, hintPage + pages)) {
    return hintPage;
  }
  const found = vmas.findFree(pages + (align > 1 ? align : 0), -1, MMAP_MIN_PAGE, ceiling);
  if (found < 0) throw new KernelError('ENOMEM', `no free range of ${req.length} bytes in the address space`);
  return align > 1 ? Math.ceil(found / align) * align : found;
}

/** munmap of pages [start, end), checked and not empty. */
export function munmap(ctx: MmapContext & MshareContext, proc: Process, start: number, end: number): void {
  // An munmap of a whole window detaches the process from the region (the RFC code, the 2025
  // series): its mapping goes, the host's VMAs stay for the other sharers.
  const whole = proc.windows.find((w) => w.start === start && w.end === end);
  if (whole !== undefined) {
    detachWindow(ctx, proc, whole.window);
    return;
  }
  const region = windowFor(proc, start, end, 'munmap');
  (region ? region.host.vmas : proc.mm.vmas).checkMapCount(start, end, 0, ctx.limits.maxMapCount);
  if (region) unmapInHost(ctx, region, start, end);
  else unmapPrivate(ctx, proc, start, end);
}

/** Unmaps a range of the process's own mm: its VMAs, then its pages and freed tables. */
function unmapPrivate(ctx: MmapContext, proc: Process, start: number, end: number): void {
  const removed = proc.mm.vmas.remove(start, end);
  if (removed.length === 0) return;
  releasePrivateHuge(ctx.hugetlb, removed);
  zap(proc.mm.tree, start, end, (s, e) => proc.mm.vmas.overlaps(s, e));
  if (proc.ownCounterfactual) zapCounterfactual(proc, start, end, (s, e) => viewHasVma(proc, s, e));
}

/** Gives back the pool reservation of private hugetlb VMAs (or pieces of them) that go. */
export function releasePrivateHuge(reg: Hugetlb, vmas: readonly Vma[]): void {
  for (const v of vmas) {
    if (v.pageShift === undefined || (v.flags & MAP_TYPE) === MAP_SHARED && v.file !== '') continue;
    const kind = v.pageShift === 18 ? HUGETLB_1G : HUGETLB_2M;
    reg.unreserve(kind, Math.ceil((v.end - v.start) / hugeUnit(kind)));
  }
}
