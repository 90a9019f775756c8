/**
 * Huge pages, like mm/hugetlb.c and mm/huge_memory.c: a 2 MiB page is one PMD entry (no PTE
 * table), a 1 GiB page one PUD entry (no PMD table). hugetlbfs shares PMD tables between mappers
 * of one file (huge_pmd_share): at fault time, when the faulting mm has no PMD table for the
 * 1 GiB span yet, both VMAs are shared mappings covering the whole aligned span, map the same file
 * offset there and have the same flags (vma_shareable, page_table_shareable), and another mapper's
 * table already exists. Each sharer's VmPTE counts the shared table; the machine holds it once.
 *
 * Anonymous THP maps 2 MiB with one fault but deposits a PTE table under every huge PMD
 * (pgtable_trans_huge_deposit), so its tables are those of 4 KiB pages; shmem THP does not.
 */
import { KernelError, einval } from './errors.js';
import { PAGE_SIZE } from './geometry.js';
import type { Region } from './mm.js';
import { denseHuge, hugeHas, hugeSet } from './pagetable/huge-map.js';
import { fill, type FillCounts } from './pagetable/fill.js';
import { DirTable, PmdTable, type PageTree } from './pagetable/tree.js';
import { MAP_ANONYMOUS, MAP_SHARED, MAP_TYPE } from './uapi.js';
import type { Vma } from './vma.js';

/** How a mapping's memory is mapped (TranslationCache.huge, HugeMapping.kind). */
export const HUGE_NONE = 0;
export const HUGETLB_2M = 1;
export const HUGETLB_1G = 2;
export const THP_SHMEM = 3;
export const THP_ANON = 4;

const PMD_PAGES = 512;
const PUD_PAGES = 512 * 512;

/** What a huge fault needs of the mapping it is in. */
export interface HugeMapping {
  readonly kind: number;
  /** The VMA's pages [start, end). */
  readonly start: number;
  readonly end: number;
  /**
   * hugetlb shared mappings: the file (the key of PMD sharing) and the file offset of `start` in
   * pages; null for a mapping that never shares (private, anonymous, THP).
   */
  readonly file: string | null;
  readonly offset: number;
  /** The VMA's flags that must match for sharing (vm_flags without VM_LOCKED): its prot here. */
  readonly flagsKey: number;
}

/** hugetlbfs state: shareable PMD tables by (file, offset, flags), and the huge page pools. */
export class Hugetlb {
  /** Shareable PMD tables by file, then by (file offset x 8 + flags): no string key per fault. */
  private readonly shareable = new Map<string, Map<number, PmdTable[]>>();
  /** Pool sizes in pages (Infinity = unlimited) and reservations, by kind (HUGETLB_2M, HUGETLB_1G). */
  readonly pool = [0, Infinity, Infinity];
  readonly reserved = [0, 0, 0];
  /** Shared files' reserved huge page indices (a file's pages are reserved once). */
  private readonly fileReserved = new Map<string, Set<number>>();
  /** Files by the huge page kind they were first mapped with (0: a regular file). */
  readonly fileKind = new Map<string, number>();
  /**
   * Machine memory's hugetlb kind (memory.ts reserveHugetlb/unreserveHugetlb, wired in by the
   * kernel): reserved pool pages are charged in bytes; charging throws ENOMEM with nothing changed.
   */
  charge: (bytes: number) => void = () => undefined;
  uncharge: (bytes: number) => void = () => undefined;

  constructor(pages2m?: number, pages1g?: number) {
    if (pages2m !== undefined) this.pool[HUGETLB_2M] = pages2m;
    if (pages1g !== undefined) this.pool[HUGETLB_1G] = pages1g;
  }

  /** The shareable PMD tables of `file` at page offset `offset` with flags `flagsKey` (prot: < 8). */
  list(file: string, offset: number, flagsKey: number): PmdTable[] {
    let byOffset = this.shareable.get(file);
    if (byOffset === undefined) {
      byOffset = new Map();
      this.shareable.set(file, byOffset);
    }
    const key = offset * 8 + flagsKey; // exact: offsets are below 2^40 pages
    let l = byOffset.get(key);
    if (l === undefined) {
      l = [];
      byOffset.set(key, l);
    }
    return l;
  }

  /**
   * Reserves the huge pages of a mapping at mmap (hugetlb_reserve_pages); ENOMEM beyond the pool,
   * with nothing reserved. A shared file's pages are reserved once, whoever maps them. Returns
   * the pages reserved for this mapping (given back by `unreserve` for a private one).
   */
  reserve(kind: number, file: string | null, offset: number, pages: number): number {
    const unit = kind === HUGETLB_1G ? PUD_PAGES : PMD_PAGES;
    const first = Math.floor(offset / unit);
    const count = Math.ceil(pages / unit);
    const set = file === null ? null : this.fileReserved.get(file) ?? new Set<number>();
    let needed = count;
    if (set !== null) for (let i = first; i < first + count; i++) if (set.has(i)) needed--;
    if (this.reserved[kind] + needed > this.pool[kind]) {
      throw new KernelError('ENOMEM', `hugetlb: ${needed} ${kind === HUGETLB_1G ? '1 GiB' : '2 MiB'} pages needed, `
        + `${this.pool[kind] - this.reserved[kind]} free in the pool`);
    }
    this.charge(needed * unit * PAGE_SIZE);
    this.reserved[kind] += needed;
    if (set !== null && file !== null) {
      for (let i = first; i < first + count; i++) set.add(i);
      this.fileReserved.set(file, set);
      return 0;
    }
    return needed;
  }

  unreserve(kind: number, pages: number): void {
    this.reserved[kind] -= pages;
    this.uncharge(pages * hugeUnit(kind) * PAGE_SIZE);
  }

  /** A shared file goes (an mshare region's host is freed): its reservation goes with it. */
  dropFile(kind: number, file: string): void {
    const set = this.fileReserved.get(file);
    if (set === undefined) return;
    this.reserved[kind] -= set.size;
    this.uncharge(set.size * hugeUnit(kind) * PAGE_SIZE);
    this.fileReserved.delete(file);
  }
}

/** The 2 MiB or 1 GiB alignment a hugetlb MAP_FIXED address needs, and the rounded length (pages). */
export function hugeUnit(kind: number): number {
  return kind === HUGETLB_1G ? PUD_PAGES : PMD_PAGES;
}

/** Checks a hugetlb mmap's address (MAP_FIXED) and rounds its length up (EINVAL when misaligned). */
export function hugeLength(kind: number, fixedPage: number | null, pages: number): number {
  const unit = hugeUnit(kind);
  if (fixedPage !== null && fixedPage % unit !== 0) throw einval(`MAP_HUGETLB: MAP_FIXED address not aligned to ${unit * 4} KiB`);
  return Math.ceil(pages / unit) * unit;
}

/** The PMD table of `page`'s 1 GiB span for a hugetlb 2 MiB fault: shared when it can be. */
function pmdFor(reg: Hugetlb, tree: PageTree, m: HugeMapping, page: number): PmdTable {
  const have = tree.tableAt(2, page, false);
  if (have instanceof PmdTable) return have;
  const spanStart = page - (page % PUD_PAGES);
  // vma_shareable: a shared mapping covering the whole aligned span.
  const shareable = m.file !== null && m.start <= spanStart && spanStart + PUD_PAGES <= m.end;
  const others = shareable ? reg.list(m.file, m.offset + spanStart - m.start, m.flagsKey) : null;
  if (others !== null) {
    if (others.length > 0) {
      // huge_pmd_share: point this mm's PUD entry at another mapper's PMD table.
      const pmd = others[0];
      const pud = tree.tableAt(3, page, true) as DirTable;
      pud.children[tree.index(page, 3)] = pmd;
      pmd.sharers++;
      tree.countShared(2, 1);
      tree.invalidate();
      return pmd;
    }
  }
  const pmd = tree.tableAt(2, page, true, true) as PmdTable;
  if (others !== null) {
    pmd.shareList = others;
    others.push(pmd);
  }
  return pmd;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Whether the VMA covers the aligned 2 MiB around `page` (a THP can map it). */
function coversPmd(m: HugeMapping, page: number): boolean {
  const b = page - (page % PMD_PAGES);
  return m.start <= b && b + PMD_PAGES <= m.end;
}

/**
 * Charges a fault's THP data pages [start, end), all new to the tree (huge-memory.ts); hugetlb
 * pages need none (their pool). Called before they are mapped, with the tables their mapping
 * allocates: room for both at once, so a refusal maps nothing.
 */
export type HugeData = (start: number, end: number, tables: number) => void;

/** tree.populate(page), its page charged by `data` first when new. */
function populate4k(tree: PageTree, page: number, data: HugeData | undefined): boolean {
  if (tree.isPresent(page)) return false;
  data?.(page, page + 1, tree.missingTables(page));
  tree.populateAbsent(page);
  return true;
}

/** One fault-or-present access at `page` in a huge mapping; true when it faulted the page in. */
export function hugeFault(reg: Hugetlb, tree: PageTree, m: HugeMapping, page: number, data?: HugeData): boolean {
  switch (m.kind) {
    case HUGETLB_1G: {
      const pud = tree.tableAt(3, page, true) as DirTable;
      return hugeSet(pud, tree.index(page, 3));
    }
    case HUGETLB_2M: {
      const pmd = pmdFor(reg, tree, m, page);
      return hugeSet(pmd, (page >>> 9) & 511);
    }
    case THP_SHMEM: {
      if (!coversPmd(m, page)) return populate4k(tree, page, data);
      const pmd = tree.tableAt(2, page, true, true) as PmdTable;
      const i = (page >>> 9) & 511;
      if (pmd.hasPte(i)) return populate4k(tree, page, data); // already 4 KiB-mapped
      if (hugeHas(pmd.huge, i)) return false;
      const b = page - (page % PMD_PAGES);
      data?.(b, b + PMD_PAGES, 0); // charged before it is mapped: a refusal maps nothing
      return hugeSet(pmd, i);
    }
    default: {
      // THP_ANON: the whole 2 MiB in one fault, its PTE table deposited (counted as Linux does).
      if (!coversPmd(m, page) || tree.isPresent(page)) return populate4k(tree, page, data);
      const b = page - (page % PMD_PAGES);
      const pmd = tree.tableAt(2, page, false);
      if (pmd instanceof PmdTable && pmd.hasPte((page >>> 9) & 511)) return populate4k(tree, page, data);
      data?.(b, b + PMD_PAGES, tree.missingTables(b));
      fill(tree, b, b + PMD_PAGES, 1);
      return true;
    }
  }
}

/**
 * Every stride-th page of [from, end) inside a huge mapping: each huge page touched faults once
 * (its first touch) and is present after. Adds to `counts`; walks huge pages, not 4 KiB ones, and
 * finds a 2 MiB page's PMD table once per 1 GiB.
 */
export function hugeFill(reg: Hugetlb, tree: PageTree, m: HugeMapping, from: number, end: number, stride: number,
  counts: FillCounts & { reached: number }, data?: HugeData, fits?: (pages: number) => boolean): void {
  const unit = m.kind === HUGETLB_1G ? PUD_PAGES : PMD_PAGES;
  let pmd: PmdTable | null = null;
  let pmdSpan = -1;
  let p = from;
  while (p < end) {
    counts.reached = p; // where a refusal in this unit leaves the fill (touch.ts: the counterfactual)
    const unitEnd = Math.min(end, p - (p % unit) + unit);
    const n = Math.ceil((unitEnd - p) / stride);
    if ((m.kind === THP_SHMEM || m.kind === THP_ANON) && !coversPmd(m, p)) {
      // 4 KiB pages (under 2 MiB of them), one by one: each charged before it is mapped.
      for (; p < unitEnd; p += stride) {
        counts.reached = p;
        if (populate4k(tree, p, data)) counts.newly++;
        else counts.already++;
      }
      continue;
    }
    const whole = stride === 1 && p % PUD_PAGES === 0 && p + PUD_PAGES <= end && m.start <= p && p + PUD_PAGES <= m.end;
    const pmdWhole = !whole ? null
      : m.kind === HUGETLB_2M ? pmdFor(reg, tree, m, p)
        : m.kind === THP_SHMEM ? tree.tableAt(2, p, true, true) as PmdTable : null;
    if (pmdWhole !== null && pmdWhole.lean) {
      // A whole 1 GiB span, every page: one fault per 2 MiB page not yet there, word by word.
      pmdSpan = -1;
      const map = denseHuge(pmdWhole);
      let missing = 0;
      for (let w = 0; w < 16; w++) missing += 32 - popcount(map[w]);
      if (data !== undefined && missing > 0 && !(missing === 512 && fits?.(PUD_PAGES) === true)) {
        // 2 MiB page by 2 MiB page, each charged before it is mapped (a refusal stops between two).
        for (let i = 0; i < 512; i++) {
          const q = p + i * PMD_PAGES;
          counts.reached = q;
          const had = (map[i >>> 5] >>> (i & 31)) & 1;
          if (had === 0) data(q, q + PMD_PAGES, 0);
          map[i >>> 5] |= 1 << (i & 31);
          counts.newly += 1 - had;
          counts.already += PMD_PAGES - 1 + had;
        }
      } else {
        // Charged before they are mapped: the whole 1 GiB at once (it fits) where none was there.
        if (data !== undefined && missing === 512) data(p, p + PUD_PAGES, 0);
        map.fill(-1);
        counts.newly += missing;
        counts.already += PUD_PAGES - missing;
      }
      p += PUD_PAGES;
      continue;
    }
    let newly: boolean;
    if (m.kind === HUGETLB_2M || m.kind === THP_SHMEM) {
      const span = Math.floor(p / PUD_PAGES);
      if (span !== pmdSpan) {
        pmd = m.kind === HUGETLB_2M ? pmdFor(reg, tree, m, p) : tree.tableAt(2, p, true, true) as PmdTable;
        pmdSpan = span;
      }
      const t = pmd as PmdTable;
      const i = (p >>> 9) & 511;
      if (t.hasPte(i)) newly = populate4k(tree, p, data);
      else {
        newly = !hugeHas(t.huge, i);
        if (newly) data?.(p - (p % PMD_PAGES), p - (p % PMD_PAGES) + PMD_PAGES, 0);
        hugeSet(t, i);
      }
    } else {
      newly = hugeFault(reg, tree, m, p, data);
    }
    counts.newly += newly ? 1 : 0;
    counts.already += newly ? n - 1 : n;
    p += n * stride;
  }
  counts.reached = p;
}

/** How a private VMA's pages are mapped: null for 4 KiB pages (the common case). */
export function mappingOf(v: Vma, thpAnon: boolean): HugeMapping | null {
  const shift = v.pageShift ?? 0;
  const shared = (v.flags & MAP_TYPE) === MAP_SHARED;
  if (shift !== 0) {
    const kind = shift === 18 ? HUGETLB_1G : HUGETLB_2M;
    const file = shared && v.file !== '' ? v.file : null;
    return { kind, start: v.start, end: v.end, file, offset: v.offset ?? 0, flagsKey: v.prot };
  }
  // THP on (the thp scheme): shared memory (memfd, shmem) gets PMD-mapped 2 MiB pages too.
  if (v.thp === true || (thpAnon && shared)) return { kind: THP_SHMEM, start: v.start, end: v.end, file: null, offset: 0, flagsKey: 0 };
  if (thpAnon && !shared && (v.flags & MAP_ANONYMOUS) !== 0) {
    return { kind: THP_ANON, start: v.start, end: v.end, file: null, offset: 0, flagsKey: 0 };
  }
  return null;
}

/**
 * A window under a scheme whose window is a file (hugetlb, THP): the host's VMA `hv` as every
 * mapper's own mapping of the region's file, at the region's offsets; `prot` is the window's
 * (a read-only mapper has other flags, so it shares with no read-write one).
 */
export function windowMapping(kind: number, region: Region, hv: Vma, prot: number): HugeMapping | null {
  if (kind === HUGE_NONE) return mappingOf(hv, false);
  return { kind, start: hv.start, end: hv.end, file: `mshare#${region.id}`, offset: hv.start - region.start, flagsKey: prot };
}

/**
 * huge_pmd_unshare for mprotect: the caller lets go of every shared PMD table under [start, end)
 * (its view refaults into a private one); the other sharers keep theirs.
 */
export function unshareRange(tree: PageTree, start: number, end: number): void {
  for (let p = start - (start % PUD_PAGES); p < end; p += PUD_PAGES) {
    const pmd = tree.tableAt(2, p, false);
    if (!(pmd instanceof PmdTable) || pmd.sharers <= 1) continue;
    const pud = tree.tableAt(3, p, false) as DirTable;
    pud.children[tree.index(p, 3)] = null;
    pmd.sharers--;
    tree.countShared(2, -1);
    tree.invalidate();
  }
}
