/**
 * Page-table accounting as Linux reports it: VmPTE (mm->pgtables_bytes: PTE + PMD + PUD tables)
 * per process, /proc/meminfo PageTables (every table page, PGD and P4D included) for the system,
 * and the unshared counterfactual beside each figure.
 */
import { ExactCounters, type FaultCounters } from './counts.js';
import { ENTRIES_PER_TABLE, ENTRY_BYTES, PAGE_SHIFT, PAGE_SIZE, type Geometry } from './geometry.js';
import type { Mm, Process, Region } from './mm.js';
import { CompactTree, commonWithCompact } from './pagetable/compact.js';
import { DirTable, FULL_TABLES, PmdTable, commonPteTables, isFull, type Full, type PageTree } from './pagetable/tree.js';
import type { Scheme } from './schemes/index.js';
import type { ProcStatus, RegionInfo, SeedBaseline, SystemAccounting, TableCounts } from './types.js';

/**
 * The RFC's figure: every client maps every SGA page with its own PTE. 1500 x 300 GiB ->
 * 943,718,400,000 bytes (878.9 GiB). The upper variant adds the PMD and PUD tables each client
 * would also hold for an SGA aligned to their spans (one PMD table per GiB, one PUD per 512 GiB).
 */
export function seedBaseline(clients: number, sgaBytes: number): SeedBaseline {
  const pages = Math.ceil(sgaBytes / PAGE_SIZE);
  const pteTables = Math.ceil(pages / 512);
  const pmdTables = Math.ceil(pteTables / 512);
  const pudTables = Math.ceil(pmdTables / 512);
  return {
    clients,
    sgaBytes,
    pteBytes: clients * pages * ENTRY_BYTES,
    pteWithUpperBytes: clients * (pages * ENTRY_BYTES + (pmdTables + pudTables) * PAGE_SIZE),
  };
}

/** What the accounting reads of the kernel (the kernel satisfies it). */
export interface AccountingSource {
  readonly geometry: Geometry;
  readonly sharing: boolean;
  readonly linkLevel: number;
  readonly scheme: Scheme;
  /** Every table page the machine holds (private and host; a shared hugetlb PMD table once). */
  readonly memory: { readonly pages: ArrayLike<number> };
  /** Bytes of each mm's PGD (8 KiB under PTI). */
  readonly pgdBytes: number;
  readonly totals: FaultCounters;
  readonly exactTotals: ExactCounters;
  /** Names in msharefs. */
  readonly regionCount: number;
}

/** Table pages of one mm's tree (plus counterfactual tables and minus common ones), by kind. */
function tableCounts(levels: number, byLevel: ArrayLike<number>, pgd = 1): TableCounts {
  return {
    pte: byLevel[1],
    pmd: byLevel[2],
    pud: byLevel[3],
    p4d: levels === 5 ? byLevel[4] : 0,
    pgd,
  };
}

/** PGD pages of one mm: 2 under PTI (an order-1 allocation), else 1. */
const pgdPagesOf = (kernel: AccountingSource) => kernel.pgdBytes / PAGE_SIZE;

const vmpte = (t: TableCounts) => t.pte + t.pmd + t.pud;
const total = (t: TableCounts) => t.pte + t.pmd + t.pud + t.p4d + t.pgd;

/**
 * The process's counterfactual to read: the host's tree while it mirrors one, its compact form
 * while it has one (counterfactual.ts), else its tree.
 */
function counterfactualView(proc: Process): PageTree | CompactTree {
  return proc.mirrorOf !== null ? proc.mirrorOf.host.tree : proc.compact ?? proc.counterfactual;
}

/**
 * The tables a process would hold with nothing shared: private + counterfactual - common. Without
 * sharing, its own tree already is that (its counterfactual is its own tree).
 */
function unsharedLevels(kernel: AccountingSource, proc: Process): ArrayLike<number> {
  const tree = proc.mm.tree;
  const cf = counterfactualView(proc);
  if (cf === tree) return tree.tables;
  const out = new Float64Array(tree.tables.length);
  // Huge mappings put PMD tables in the process's tree where the counterfactual has PTE tables
  // under them: compare down to the PTE level then (elsewhere the two trees never meet below it).
  const huge = proc.hugeMapped || kernel.scheme.windowKind !== 0 || kernel.scheme.thpAnon;
  const minLevel = huge ? 1 : kernel.linkLevel;
  const common = cf instanceof CompactTree ? commonWithCompact(tree, cf, minLevel) : commonTables(tree, cf, minLevel);
  for (let l = 1; l < out.length; l++) out[l] = tree.tables[l] + cf.tables[l] - common[l];
  return out;
}

/**
 * Tables below the root, by level (index = level), present at the same position in both trees:
 * the upper path a process's private tables and its counterfactual tables have in common, which
 * a single unshared tree would hold once. Only levels >= minLevel are compared.
 */
export function commonTables(a: PageTree, b: PageTree, minLevel: number): Float64Array {
  const common = new Float64Array(a.top + 1);
  // Every table of a subtree (a table of `level`) present in one tree under a FULL in the other.
  const addAll = (entry: PmdTable | DirTable | Full, level: number): void => {
    if (level < minLevel) return;
    if (isFull(entry)) {
      const row = FULL_TABLES[level];
      for (let j = Math.max(1, minLevel); j <= level; j++) common[j] += row[j];
      return;
    }
    common[level]++;
    if (entry instanceof PmdTable) {
      // Its PTE tables (FULL or not: one table page each), when level 1 is compared.
      if (minLevel <= 1) common[1] += entry.pteTables();
      return;
    }
    for (const child of entry.children) if (child !== null) addAll(child, level - 1);
  };
  // x and y are tables of `level` >= 3; compare their children, tables of level - 1.
  const walk = (x: DirTable, y: DirTable, level: number): void => {
    if (level - 1 < minLevel) return;
    for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
      const cx = x.children[i];
      const cy = y.children[i];
      if (cx === null || cy === null) continue;
      if (isFull(cx)) addAll(cy, level - 1);
      else if (isFull(cy)) addAll(cx, level - 1);
      else {
        common[level - 1]++;
        if (cx instanceof DirTable && cy instanceof DirTable) walk(cx, cy, level - 1);
        else if (cx instanceof PmdTable && cy instanceof PmdTable) walkPmd(cx, cy);
        else throw new Error('commonTables: a PMD table and a directory at the same position');
      }
    }
  };
  // Two PMD tables: their PTE tables in common, when level 1 is compared.
  const walkPmd = (x: PmdTable, y: PmdTable): void => {
    if (minLevel > 1 || x.lean || y.lean) return; // a lean table holds no PTE table
    common[1] += commonPteTables(x, y);
  };
  walk(a.root, b.root, a.top);
  return common;
}

export function processStatus(kernel: AccountingSource, proc: Process): ProcStatus {
  const levels = kernel.geometry.levels;
  const pgd = pgdPagesOf(kernel);
  const tables = tableCounts(levels, proc.mm.tree.tables, pgd);
  const unshared = tableCounts(levels, unsharedLevels(kernel, proc), pgd);
  const c = ExactCounters.approx(ExactCounters.peek(proc.exact, proc.counters));
  return {
    pid: proc.pid,
    uid: proc.uid,
    gid: proc.gid,
    comm: proc.comm,
    vmpteBytes: vmpte(tables) * PAGE_SIZE,
    unsharedVmpteBytes: vmpte(unshared) * PAGE_SIZE,
    pgdBytes: (tables.pgd + tables.p4d) * PAGE_SIZE,
    unsharedPgdBytes: (unshared.pgd + unshared.p4d) * PAGE_SIZE,
    tables,
    minorFaults: c.minorFault,
    unsharedMinorFaults: c.unsharedMinorFaults,
    syncs: c.synced,
    regions: proc.windows.map((w) => w.window.name),
    vmas: proc.mm.vmas.all().map((v) => ({
      start: BigInt(v.start) << BigInt(PAGE_SHIFT),
      end: BigInt(v.end) << BigInt(PAGE_SHIFT),
      prot: v.prot,
      flags: v.flags,
      file: v.file,
      region: v.window?.name ?? '',
      pageSize: PAGE_SIZE * 2 ** (v.window !== undefined ? windowShift(kernel.scheme.windowKind) : v.pageShift ?? 0),
    })),
  };
}

function hostTables(kernel: AccountingSource, host: Mm): TableCounts {
  return tableCounts(kernel.geometry.levels, host.tree.tables, pgdPagesOf(kernel));
}

/** The page shift a scheme's window maps with (huge.ts kinds: 1 hugetlb 2 MiB, 2 1 GiB, 3 THP). */
const windowShift = (kind: number) => (kind === 2 ? 18 : kind === 0 ? 0 : 9);

export function regionInfo(kernel: AccountingSource, region: Region): RegionInfo {
  // Without sharing the host mm only holds VMAs: it never gets tables or a PGD of its own.
  const tables = kernel.sharing ? hostTables(kernel, region.host) : { pte: 0, pmd: 0, pud: 0, p4d: 0, pgd: 0 };
  return {
    name: region.name,
    start: BigInt(region.start) << BigInt(PAGE_SHIFT),
    size: BigInt(region.end - region.start) << BigInt(PAGE_SHIFT),
    uid: region.uid,
    gid: region.gid,
    mode: region.mode,
    accessMode: region.accessMode,
    refcount: region.refcount,
    mappedProcesses: region.mappers.size,
    pagetableBytes: total(tables) * PAGE_SIZE,
    tables,
    vmaCount: region.host.vmas.length,
  };
}

export function systemAccounting(kernel: AccountingSource, processes: Iterable<Process>, hosts: Iterable<Region>): SystemAccounting {
  const levels = kernel.geometry.levels;
  const pgd = pgdPagesOf(kernel);
  let nproc = 0;
  let privatePages = 0;
  let unsharedPages = 0;
  for (const proc of processes) {
    nproc++;
    privatePages += total(tableCounts(levels, proc.mm.tree.tables, 0));
    unsharedPages += total(tableCounts(levels, unsharedLevels(kernel, proc), pgd));
  }
  let nhosts = 0;
  let hostPages = 0;
  for (const region of hosts) {
    nhosts++;
    if (kernel.sharing) hostPages += total(hostTables(kernel, region.host));
  }
  // Each mm's PGD is counted once, here; the host figures above include their PGD.
  const hostPgds = kernel.sharing ? nhosts : 0;
  const hostTablePages = hostPages - hostPgds * pgd;
  const pgdPages = (nproc + hostPgds) * pgd;
  // The trees count a shared hugetlb PMD table in every sharer (VmPTE); the machine holds it once.
  let held = 0;
  for (let l = 1; l < kernel.memory.pages.length; l++) held += kernel.memory.pages[l];
  privatePages = held - hostTablePages;
  const actual = (privatePages + hostTablePages + pgdPages) * PAGE_SIZE;
  const unshared = unsharedPages * PAGE_SIZE;
  const t = ExactCounters.approx(ExactCounters.peek(kernel.exactTotals, kernel.totals));
  return {
    geometry: kernel.geometry.name,
    sharing: kernel.sharing,
    scheme: kernel.scheme.name,
    processes: nproc,
    regions: kernel.regionCount,
    hostMms: nhosts,
    pagetableBytes: actual,
    unsharedPagetableBytes: unshared,
    savedBytes: unshared - actual,
    savedRatio: unshared > 0 ? (unshared - actual) / unshared : 0,
    privateTableBytes: privatePages * PAGE_SIZE,
    hostTableBytes: hostTablePages * PAGE_SIZE,
    pgdBytes: pgdPages * PAGE_SIZE,
    minorFaults: t.minorFault,
    unsharedMinorFaults: t.unsharedMinorFaults,
    accesses: { present: t.present, minorFault: t.minorFault, sigsegv: t.sigsegv, sigbus: t.sigbus },
    syncs: t.synced,
  };
}
