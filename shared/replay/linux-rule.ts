/**
 * Linux's VmPTE rule applied to a capture, without the simulator: mm_pgtables_bytes counts the
 * PTE, PMD and PUD tables of the mm, and x86-64 Linux holds exactly one PTE table per 2 MiB
 * region, one PMD table per 1 GiB region and one PUD table per 512 GiB region with a present or
 * swapped page in it (anonymous THP included: a PTE table is deposited for it). So
 *   VmPTE = 4 KiB x (distinct 2 MiB + 1 GiB + 512 GiB regions holding such a page).
 * hugetlb pages need no PTE table (a 2 MiB page is a PMD entry) nor, for 1 GiB pages, a PMD table.
 *
 * The replay's check of the simulator is the simulator's own answer; this is the independent
 * one, and it says when it cannot be known from the capture (PMD-mapped shmem/file THP whose
 * place pagemap does not show, VM_PFNMAP pages pagemap does not report).
 */
import { isHugetlb, isPfnMap, type CapturedProcess, type CapturedVma } from '../capture/format.js';

const TABLE_BYTES = 4096;
const where = (v: CapturedVma) => `${v.path || 'VMA'} at 0x${(BigInt(v.startPage) << 12n).toString(16)}`;
const PTE_SPAN = 512; // pages per PTE table (2 MiB)
const PMD_SPAN = 512 * 512; // 1 GiB
const PUD_SPAN = 512 * 512 * 512; // 512 GiB

export interface RuleResult {
  /** The VmPTE Linux would show for the captured pages; null when the capture cannot tell. */
  vmpteBytes: number | null;
  tables: { pte: number; pmd: number; pud: number };
  /** Why vmpteBytes is null, or what it assumed. */
  caveats: string[];
}

export function linuxRuleVmpte(p: CapturedProcess): RuleResult {
  const pte = new Set<number>();
  const pmd = new Set<number>();
  const pud = new Set<number>();
  const caveats: string[] = [];
  let unknown = false;
  const add = (set: Set<number>, span: number, first: number, last: number) => {
    for (let i = Math.floor(first / span); i <= Math.floor(last / span); i++) set.add(i);
  };
  for (const v of p.vmas) {
    const huge = isHugetlb(v);
    if (v.pmdMappedBytes > 0 && !huge) {
      unknown = true;
      caveats.push(`${where(v)}: ${v.pmdMappedBytes / 1024} kB of shmem/file THP mapped by PMDs (no PTE table), at places pagemap does not show`);
    }
    for (const r of v.runs) {
      const first = v.startPage + r.offset;
      const last = first + r.length - 1;
      if (!huge || v.kernelPageSize < PTE_SPAN * TABLE_BYTES) add(pte, PTE_SPAN, first, last);
      if (!huge || v.kernelPageSize < PMD_SPAN * TABLE_BYTES) add(pmd, PMD_SPAN, first, last);
      add(pud, PUD_SPAN, first, last);
    }
  }
  // VM_PFNMAP ([vvar] ...): pagemap reports none of its pages. Harmless where its 2 MiB regions
  // hold a captured page anyway (the usual [vvar] beside [vdso]); said when they do not.
  for (const v of p.vmas) {
    if (!isPfnMap(v)) continue;
    let uncovered = false;
    for (let i = Math.floor(v.startPage / PTE_SPAN); i <= Math.floor((v.endPage - 1) / PTE_SPAN); i++) {
      if (!pte.has(i)) uncovered = true;
    }
    if (uncovered) {
      caveats.push(`${where(v)} is VM_PFNMAP: pagemap reports none of its pages, and a 2 MiB region of it holds no captured page; if it has PTEs, Linux counts tables the capture cannot show`);
    }
  }
  const tables = { pte: pte.size, pmd: pmd.size, pud: pud.size };
  return {
    vmpteBytes: unknown ? null : (tables.pte + tables.pmd + tables.pud) * TABLE_BYTES,
    tables,
    caveats,
  };
}
