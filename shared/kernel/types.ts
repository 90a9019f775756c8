/** The values the simulated kernel returns: what /proc and msharefs would show. */
import type { GeometryName } from './geometry.js';
import type { OutcomeName } from './uapi.js';

export interface KernelOptions {
  /** Paging geometry; default x86_64-4level. */
  geometry?: GeometryName;
  /**
   * true (default): mshare'd ranges really share the host's tables (the RFC).
   * false: the same syscalls and VMAs, but every process populates private tables for the range
   * (the world without mshare, simulated rather than estimated).
   */
  sharing?: boolean;
  /**
   * The sharing scheme (schemes/): none, mshare, ptshare, hugetlb, hugetlb-1g, thp. Default from
   * `sharing`: mshare, or none when sharing is false; a conflicting pair is EINVAL.
   */
  scheme?: string;
  /** Page-table isolation: each PGD is an 8 KiB (order-1) allocation. Default false. */
  pti?: boolean;
  /** hugetlb pool sizes in pages (unset: unlimited). */
  hugepages2m?: number;
  hugepages1g?: number;
  /**
   * Level of the table whose entries link a process to a host's tables (the RFC: the top level,
   * PGD). The mshare alignment is the span of one entry at this level.
   */
  linkLevel?: number;
  /** Limits (README, "Limits"); each defaults to Linux's. */
  limits?: Partial<KernelLimits>;
  /** The machine's memory in bytes (memory.ts); unset or Infinity: unlimited. */
  machineMemoryBytes?: number;
  /** Charged per process at spawn (kernel stack, task and mm, session memory); default 0. */
  processBaseBytes?: number;
  /** The clock of OOM events (ns since the epoch); default Date.now(). */
  now?: () => bigint;
}

export interface KernelLimits {
  /** vm.max_map_count: VMAs per mm; more is ENOMEM (mmap, and a split by munmap or mprotect). */
  readonly maxMapCount: number;
  /** RLIMIT_NPROC: live processes per uid; more is EAGAIN. uid 0 is exempt. */
  readonly maxProcessesPerUid: number;
  /** msharefs regions; another is ENOSPC. */
  readonly maxRegions: number;
  /** pid_max: pids are below it; allocation wraps to 300 (RESERVED_PIDS). */
  readonly pidMax: number;
}

export const DEFAULT_LIMITS: KernelLimits = Object.freeze({
  maxMapCount: 65_530, maxProcessesPerUid: 65_536, maxRegions: 4096, pidMax: 4_194_304,
});

export interface SpawnOptions {
  uid: number;
  gid: number;
  comm?: string;
  /** oom_score_adj, -1000 (never chosen) .. 1000; default 0. */
  oomScoreAdj?: number;
}

export interface AccessResult {
  outcome: OutcomeName;
  /** The process's link entry differed from the host's and was copied first (find_shared_vma). */
  synced: boolean;
}

/** Table pages by kind; bytes are pages x 4 KiB. */
export interface TableCounts {
  pte: number;
  pmd: number;
  pud: number;
  /** 5-level paging only; 0 on 4-level. */
  p4d: number;
  pgd: number;
}

export interface VmaInfo {
  start: bigint;
  end: bigint;
  prot: number;
  flags: number;
  /** Backing file name for file mappings, '' for anonymous ones. */
  file: string;
  /** Name of the mshare region whose host mm holds this VMA, '' for a private VMA. */
  region: string;
  /** Bytes one page-table entry maps for this VMA: 4096, 2 MiB (hugetlb, THP) or 1 GiB. */
  pageSize?: number;
}

export interface ProcStatus {
  pid: number;
  uid: number;
  gid: number;
  comm: string;
  /** /proc/PID/status VmPTE: PTE + PMD + PUD table pages of this mm, in bytes. */
  vmpteBytes: number;
  /** The same if none of its mappings were shared (private tables for the same touches). */
  unsharedVmpteBytes: number;
  /** PGD (+ P4D on 5-level) bytes: not in VmPTE, but in /proc/meminfo PageTables. */
  pgdBytes: number;
  unsharedPgdBytes: number;
  tables: TableCounts;
  minorFaults: number;
  unsharedMinorFaults: number;
  /** Link entries copied from hosts (find_shared_vma returning VM_FAULT_NOPAGE). */
  syncs: number;
  /** Names of the regions this process maps. */
  regions: string[];
  vmas: VmaInfo[];
}

export interface RegionInfo {
  name: string;
  start: bigint;
  size: bigint;
  uid: number;
  gid: number;
  /** Permission bits of the msharefs file (0..0o777). */
  mode: number;
  /** The access the creator asked for: O_RDONLY or O_RDWR. */
  accessMode: number;
  /** mshare() references not yet dropped by mshare_unlink(). */
  refcount: number;
  /** Live processes that have the range mapped. */
  mappedProcesses: number;
  /** Host mm table bytes (PTE + PMD + PUD + P4D + PGD). */
  pagetableBytes: number;
  tables: TableCounts;
  /** VMAs in the host mm. */
  vmaCount: number;
}

export interface SeedBaseline {
  clients: number;
  sgaBytes: number;
  /** clients x SGA / 4 KiB x 8 B: PTEs only, the RFC's 878.9 GiB figure. */
  pteBytes: number;
  /** The same with the PMD and PUD tables every client would also hold. */
  pteWithUpperBytes: number;
}

export interface SystemAccounting {
  geometry: GeometryName;
  sharing: boolean;
  scheme?: string;
  processes: number;
  regions: number;
  /** Live host mms, including those whose name was unlinked but that a process still maps. */
  hostMms: number;
  /** Everything /proc/meminfo PageTables would show: private tables + host tables + PGDs. */
  pagetableBytes: number;
  /** The same touches with every process holding private tables. */
  unsharedPagetableBytes: number;
  savedBytes: number;
  /** savedBytes / unsharedPagetableBytes, 0 when nothing is mapped. */
  savedRatio: number;
  privateTableBytes: number;
  hostTableBytes: number;
  pgdBytes: number;
  minorFaults: number;
  unsharedMinorFaults: number;
  accesses: { present: number; minorFault: number; sigsegv: number; sigbus: number };
  syncs: number;
}
