/**
 * The simulated kernel's system-call surface, the facade the services call: processes,
 * mmap/munmap/mprotect, mshare and mshare_unlink, accesses, /proc and msharefs reads. No I/O. Each
 * call checks its arguments (validate.ts) before it changes anything, so an error (KernelError,
 * named by errno) leaves the state as it was; the work is in the module named after the call.
 */
import { processStatus, regionInfo, systemAccounting, type AccountingSource } from './accounting.js';
import { AccessCounts, ExactCounters, FaultCounters } from './counts.js';
import { KernelError, LimitError, einval } from './errors.js';
import { AccessPath, OUTCOME_MASK, SYNCED, type FaultContext } from './fault.js';
import { PAGE_SHIFT, geometry as geometryOf, type Geometry } from './geometry.js';
import { Links } from './links.js';
import { Mm, Process, type Region } from './mm.js';
import { mmap, munmap } from './mmap.js';
import { mprotect } from './mprotect.js';
import { exitMshare, mshare, mshareUnlink, type MshareContext } from './mshare.js';
import { Msharefs } from './msharefs.js';
import { COUNTERFACTUAL, TableMemory } from './pagetable/ledger.js';
import { freeAllTables } from './pagetable/range.js';
import { PageTree } from './pagetable/tree.js';
import { accessBatch, touchRange } from './touch.js';
import {
  DEFAULT_LIMITS, type AccessResult, type KernelLimits, type KernelOptions, type ProcStatus, type RegionInfo, type SpawnOptions,
  type SystemAccounting,
} from './types.js';
import { O_CREAT, OUTCOME_NAMES, type AccessKind } from './uapi.js';
import {
  batchLength, checkKind, checkLinkLevel, checkProt, checkU64, mmapArgs, mshareArgs, pageOf, spawnArgs, touchPages,
  userRange,
} from './validate.js';

export class Kernel implements FaultContext, AccountingSource, MshareContext {
  readonly geometry: Geometry;
  readonly sharing: boolean;
  readonly links: Links;
  /** Bumped by every call that may change a layout: every translation cache goes stale. */
  layoutEpoch = 0;
  /** Running totals since the kernel started (Prometheus counters read them). */
  readonly totals = FaultCounters.zero();
  /** The exact totals (64-bit): `totals` is folded into them once per call. */
  readonly exactTotals = ExactCounters.zero();
  /** Every table page the machine holds (private + host), by level; PGDs not included. */
  readonly memory: TableMemory;
  readonly msharefs = new Msharefs();
  readonly hosts = new Set<Region>();
  private readonly processes = new Map<number, Process>();
  readonly limits: KernelLimits;
  private readonly path: AccessPath;
  /** The last pid allocated (alloc_pid's idr cursor). */
  private lastPid = 0;
  /** Live processes per uid (RLIMIT_NPROC). */
  private readonly perUid = new Map<number, number>();

  constructor(options: KernelOptions = {}) {
    this.geometry = geometryOf(options.geometry ?? 'x86_64-4level');
    this.sharing = options.sharing ?? true;
    this.links = new Links(this.geometry, checkLinkLevel(options.linkLevel ?? this.geometry.levels, this.geometry));
    this.memory = new TableMemory(this.geometry.levels);
    this.path = new AccessPath(this);
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
  }

  get linkLevel(): number {
    return this.links.level;
  }

  get regionCount(): number {
    return this.msharefs.size;
  }

  /** mshare's alignment in bytes (PGDIR_SIZE for the RFC's top-level link). */
  get mshareAlignmentBytes(): bigint {
    return BigInt(this.links.span) << BigInt(PAGE_SHIFT);
  }

  // ---- processes ---------------------------------------------------------------------------

  /** Creates a process with an empty address space (one PGD page). Returns its pid. */
  spawn(opts: SpawnOptions): number {
    const { uid, gid, comm } = spawnArgs(opts);
    const count = this.perUid.get(uid) ?? 0;
    if (uid !== 0 && count >= this.limits.maxProcessesPerUid) {
      throw new LimitError('EAGAIN', 'processes_per_uid', `uid ${uid} has ${count} processes (RLIMIT_NPROC ${this.limits.maxProcessesPerUid})`);
    }
    const pid = this.allocPid();
    this.perUid.set(uid, count + 1);
    const mm = new Mm(this.geometry, this.memory);
    const counterfactual = this.sharing ? new PageTree(this.geometry, COUNTERFACTUAL) : mm.tree;
    this.processes.set(pid, new Process(pid, uid, gid, comm, mm, counterfactual));
    return pid;
  }

  /** Tears down the address space. References it held stay (orphaned) so regions outlive it. */
  exit(pid: number): void {
    this.layoutEpoch++; // harmless if the call fails
    const proc = this.process(pid);
    exitMshare(this, proc);
    freeAllTables(proc.mm.tree);
    if (this.sharing) freeAllTables(proc.counterfactual);
    this.processes.delete(pid);
    const left = (this.perUid.get(proc.uid) ?? 1) - 1;
    if (left > 0) this.perUid.set(proc.uid, left);
    else this.perUid.delete(proc.uid);
  }

  /**
   * alloc_pid: the next pid after the last one allocated, wrapping at pid_max to 300
   * (RESERVED_PIDS), skipping live pids; EAGAIN when every pid is taken.
   */
  private allocPid(): number {
    const max = this.limits.pidMax;
    const low = Math.min(300, max - 1);
    let pid = this.lastPid;
    for (let tries = max; tries > 0; tries--) {
      pid = pid + 1 >= max ? low : pid + 1;
      if (!this.processes.has(pid)) {
        this.lastPid = pid;
        return pid;
      }
    }
    throw new LimitError('EAGAIN', 'pid_max', `no free pid below pid_max ${max}`);
  }

  hasProcess(pid: number): boolean {
    return this.processes.has(pid);
  }

  pids(): number[] {
    return [...this.processes.keys()];
  }

  // ---- mmap, munmap, mprotect ---------------------------------------------------------------

  /** mmap(addr, length, prot, flags, fd=file). Inside an mshare'd window (MAP_FIXED) it maps in the host. */
  mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number, file = ''): bigint {
    this.layoutEpoch++;
    const proc = this.process(pid);
    return mmap(this, proc, mmapArgs(this.geometry, addr, length, prot, flags, file));
  }

  munmap(pid: number, addr: bigint, length: bigint): void {
    this.layoutEpoch++;
    const proc = this.process(pid);
    const [start, end] = userRange(this.geometry, addr, length, 'munmap');
    if (start === end) throw einval('length is 0');
    munmap(this, proc, start, end);
  }

  mprotect(pid: number, addr: bigint, length: bigint, prot: number): void {
    this.layoutEpoch++;
    const proc = this.process(pid);
    checkProt(prot);
    const [start, end] = userRange(this.geometry, addr, length, 'mprotect');
    mprotect(proc, start, end, prot, addr, length, this.limits.maxMapCount);
  }

  // ---- mshare ------------------------------------------------------------------------------

  /** mshare(name, addr, length, oflags, mode): creates (O_CREAT) or opens a region and maps its window. */
  mshare(pid: number, name: string, addr: bigint, length: bigint, oflags: number, mode: number): void {
    this.layoutEpoch++;
    const proc = this.process(pid);
    const args = mshareArgs(this.geometry, this.mshareAlignmentBytes, name, addr, length, oflags, mode);
    if ((oflags & O_CREAT) !== 0 && this.msharefs.size >= this.limits.maxRegions && this.msharefs.lookup(name) === undefined) {
      throw new LimitError('ENOSPC', 'regions', `msharefs holds ${this.msharefs.size} regions, the limit (MSHARE_MAX_REGIONS)`);
    }
    mshare(this, proc, name, args);
  }

  /** mshare_unlink(name): drops one reference (mshare.ts). */
  mshareUnlink(pid: number, name: string): void {
    this.layoutEpoch++;
    mshareUnlink(this, this.process(pid), name);
  }

  /** The msharefs read: start and size, with owner, mode and reference count. */
  readRegion(name: string): RegionInfo {
    return regionInfo(this, this.msharefs.get(name));
  }

  listRegions(): RegionInfo[] {
    return this.msharefs.list().map((r) => regionInfo(this, r));
  }

  // ---- accesses ----------------------------------------------------------------------------

  access(pid: number, addr: bigint, kind: AccessKind): AccessResult {
    const proc = this.process(pid);
    checkU64(addr, 'addr');
    const code = checkKind(kind);
    const page = addr >= this.geometry.userLimitBytes ? this.geometry.userLimitPages : pageOf(addr);
    let r: number;
    try {
      r = this.path.access(proc, page, code);
    } finally {
      this.fold(proc);
    }
    return { outcome: OUTCOME_NAMES[r & OUTCOME_MASK], synced: (r & SYNCED) !== 0 };
  }

  /**
   * The batch path: `addrs` holds little-endian u64 addresses (length a multiple of 8). The outcome
   * code of address i (uapi Outcome) is written to out[i] when `out` is given.
   */
  accessBatch(pid: number, kind: AccessKind, addrs: Uint8Array, out?: Uint8Array): AccessCounts {
    const proc = this.process(pid);
    const code = checkKind(kind);
    try {
      return accessBatch(this.path, proc, code, addrs, batchLength(addrs, out), out);
    } finally {
      this.fold(proc);
    }
  }

  /** Accesses every stride-th page of [addr, addr+length). Cost grows with tables, not pages. */
  touch(pid: number, addr: bigint, length: bigint, kind: AccessKind, stridePages = 1): AccessCounts {
    const proc = this.process(pid);
    checkU64(addr, 'addr');
    checkU64(length, 'length');
    const code = checkKind(kind);
    const pages = touchPages(addr, length, stridePages);
    if (pages === null) return AccessCounts.zero();
    try {
      return touchRange(this, proc, pages[0], pages[1], code, stridePages);
    } finally {
      this.fold(proc);
    }
  }

  /** The exact counters of a process, or of the whole machine: 64-bit, exact past 2^53. */
  exactCounters(pid?: number): ExactCounters {
    if (pid === undefined) return ExactCounters.peek(this.exactTotals, this.totals);
    const proc = this.process(pid);
    return ExactCounters.peek(proc.exact, proc.counters);
  }

  /** Folds a call's counts into the exact totals (once per call: the fault path counts in numbers). */
  private fold(proc: Process): void {
    ExactCounters.fold(proc.exact, proc.counters);
    ExactCounters.fold(this.exactTotals, this.totals);
  }

  // ---- /proc ---------------------------------------------------------------------------------

  procStatus(pid: number): ProcStatus {
    return processStatus(this, this.process(pid));
  }

  accounting(): SystemAccounting {
    return systemAccounting(this, this.processes.values(), this.hosts);
  }

  private process(pid: number): Process {
    const proc = Number.isInteger(pid) ? this.processes.get(pid) : undefined;
    if (!proc) throw new KernelError('ESRCH', `no process with pid ${pid}`);
    return proc;
  }
}
