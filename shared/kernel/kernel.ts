/**
 * The simulated kernel's system-call surface, the facade the services call: processes,
 * mmap/munmap/mprotect, mshare and mshare_unlink, accesses, /proc and msharefs reads. No I/O. Each
 * call checks its arguments (validate.ts) before it changes anything, so an error (KernelError,
 * named by errno) leaves the state as it was; the work is in the module named after the call.
 */
import { processStatus, regionInfo, systemAccounting, type AccountingSource } from './accounting.js';
import { accessBatch, countAccess } from './batch.js';
import { AccessCounts, ExactCounters, FaultCounters } from './counts.js';
import { KernelError, LimitError, einval } from './errors.js';
import { AccessPath, OUTCOME_MASK, PrivateAccessPath, SYNCED, type FaultContext } from './fault.js';
import { PAGE_SHIFT, PAGE_SIZE, geometry as geometryOf, type Geometry } from './geometry.js';
import { Hugetlb } from './huge.js';
import { Links } from './links.js';
import { Mm, Process, type Region } from './mm.js';
import { mmap, munmap } from './mmap.js';
import { mprotect } from './mprotect.js';
import { exitMshare, mshare, mshareUnlink, type MshareContext } from './mshare.js';
import { Msharefs } from './msharefs.js';
import { MachineMemory, type MemoryKind } from './memory.js';
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN, type OomEvent } from './oom.js';
import { OomKiller, memoryByKind, resyncPrivate, resyncShared, setMachineMemory } from './oomkill.js';
import { freeAllTables } from './pagetable/range.js';
import { scheme as schemeOf, type Scheme } from './schemes/index.js';
import { touchRange } from './touch.js';
import { pieceLast, type TouchPiece } from './touch-piece.js';
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
  /** Whether windows link to host mms' tables (mshare, ptshare). */
  readonly sharing: boolean;
  readonly scheme: Scheme;
  readonly pti: boolean;
  readonly hugetlb: Hugetlb;
  readonly links: Links;
  /** Bumped by every call that may change a layout: every translation cache goes stale. */
  layoutEpoch = 0;
  /** Running totals since the kernel started (Prometheus counters read them). */
  readonly totals = FaultCounters.zero();
  /** The exact totals (64-bit): `totals` is folded into them once per call. */
  readonly exactTotals = ExactCounters.zero();
  /**
   * The machine's memory by kind (memory.ts); its table ledger holds every table page (private +
   * host) by level, PGDs counted apart.
   */
  readonly memory: MachineMemory;
  private readonly oom: OomKiller;
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
    const byAlias = options.sharing === false ? 'none' : 'mshare';
    if (options.scheme !== undefined && options.sharing !== undefined && (options.scheme === 'none') === options.sharing) {
      throw einval(`scheme '${options.scheme}' contradicts sharing ${options.sharing}`);
    }
    this.scheme = schemeOf(options.scheme ?? byAlias);
    this.sharing = this.scheme.linkLevel !== null;
    this.pti = options.pti ?? false;
    this.hugetlb = new Hugetlb(options.hugepages2m, options.hugepages1g);
    const level = this.scheme.linkLevel === 'top' || this.scheme.linkLevel === null ? this.geometry.levels : this.scheme.linkLevel;
    this.links = new Links(this.geometry, checkLinkLevel(options.linkLevel ?? level, this.geometry));
    this.memory = new MachineMemory(this.geometry.levels, options.machineMemoryBytes ?? Infinity, options.processBaseBytes ?? 0);
    this.memory.pgdPagesPerMm = this.pti ? 2 : 1;
    const now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.oom = new OomKiller({
      memory: this.memory, processes: () => this.processes.values(), processOf: (pid) => this.processes.get(pid),
      exit: (pid) => this.exit(pid), fold: (proc) => this.fold(proc), now,
    });
    this.memory.outOfMemory = () => this.oom.outOfMemory();
    this.hugetlb.charge = (bytes) => this.memory.reserveHugetlb(bytes);
    this.hugetlb.uncharge = (bytes) => this.memory.unreserveHugetlb(bytes);
    this.path = this.sharing ? new AccessPath(this) : new PrivateAccessPath(this);
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
  }

  get linkLevel(): number {
    return this.links.level;
  }

  get regionCount(): number {
    return this.msharefs.size;
  }

  /** PGD bytes of each mm: 8 KiB under PTI (an order-1 allocation), else 4 KiB. */
  get pgdBytes(): number {
    return (this.pti ? 2 : 1) * this.geometry.pageSize;
  }

  /** mshare's alignment in bytes (PGDIR_SIZE for the RFC's top-level link). */
  get mshareAlignmentBytes(): bigint {
    return BigInt(this.links.span) << BigInt(PAGE_SHIFT);
  }

  // ---- processes ---------------------------------------------------------------------------

  /** Creates a process with an empty address space (one PGD page). Returns its pid. */
  spawn(opts: SpawnOptions): number {
    const { uid, gid, comm } = spawnArgs(opts);
    const adj = opts.oomScoreAdj ?? 0;
    if (!Number.isInteger(adj) || adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX) {
      throw einval(`oom_score_adj ${adj} is not a whole number in [-1000, 1000]`);
    }
    const count = this.perUid.get(uid) ?? 0;
    if (uid !== 0 && count >= this.limits.maxProcessesPerUid) {
      throw new LimitError('EAGAIN', 'processes_per_uid', `uid ${uid} has ${count} processes (RLIMIT_NPROC ${this.limits.maxProcessesPerUid})`);
    }
    const pid = this.allocPid();
    this.oom.current = 0;
    this.memory.chargeMm(true); // its PGD and base cost: may invoke the OOM killer
    this.perUid.set(uid, (this.perUid.get(uid) ?? 0) + 1); // a victim of that uid changed the count
    const mm = new Mm(this.geometry, this.memory);
    const proc = new Process(pid, uid, gid, comm, mm, this.scheme.name !== 'none');
    proc.oomScoreAdj = adj;
    this.processes.set(pid, proc);
    return pid;
  }

  /** Tears down the address space. References it held stay (orphaned) so regions outlive it. */
  exit(pid: number): void {
    this.layoutEpoch++; // harmless if the call fails
    const proc = this.process(pid);
    exitMshare(this, proc);
    resyncPrivate(this, proc);
    this.memory.chargePrivate(-proc.privatePages);
    freeAllTables(proc.mm.tree);
    const counterfactual = proc.ownCounterfactual ? proc.counterfactualIfMade : null;
    if (counterfactual !== null) freeAllTables(counterfactual);
    this.memory.unchargeMm(true);
    this.processes.delete(pid);
    const left = (this.perUid.get(proc.uid) ?? 1) - 1;
    if (left > 0) this.perUid.set(proc.uid, left);
    else this.perUid.delete(proc.uid);
    resyncShared(this, this.processes.size);
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

  // ---- machine memory and the OOM killer (oomkill.ts) ----------------------------------------

  /** Every OOM kill, oldest first (the kernel log's "Killed process"). */
  get oomEvents(): readonly OomEvent[] {
    return this.oom.events;
  }

  /** Calls `listener` on every OOM kill, before the victim exits; returns its removal. */
  onOomKill(listener: (event: OomEvent) => void): () => void {
    return this.oom.onKill(listener);
  }

  /** Whether the machine has panicked out of memory: every allocating call is then ENOMEM. */
  get panicked(): boolean {
    return this.memory.panicked;
  }

  memoryByKind(): Record<MemoryKind, number> {
    return memoryByKind(this);
  }

  setMachineMemory(bytes: number): void {
    setMachineMemory(this, bytes, this.processes.size);
  }

  hasProcess(pid: number): boolean {
    return this.processes.has(pid);
  }

  pids(): number[] {
    return [...this.processes.keys()];
  }

  // ---- mmap, munmap, mprotect ---------------------------------------------------------------

  /** mmap(addr, length, prot, flags, fd=file). Inside an mshare'd window (MAP_FIXED) it maps in the host. */
  mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number, file = '', offset = 0n): bigint {
    this.layoutEpoch++;
    const proc = this.process(pid);
    const at = this.oom.allocating(proc, () => mmap(this, proc, mmapArgs(this.geometry, addr, length, prot, flags, file, offset)));
    this.resyncLayout(proc, at, length); // MAP_FIXED over a mapping unmaps it first
    return at;
  }

  munmap(pid: number, addr: bigint, length: bigint): void {
    this.layoutEpoch++;
    const proc = this.process(pid);
    const [start, end] = userRange(this.geometry, addr, length, 'munmap');
    if (start === end) throw einval('length is 0');
    munmap(this, proc, start, end);
    this.resyncLayout(proc, addr, length);
  }

  /** After a layout change: the caller's private pages, every mapper's of a window it hit (addr, length), the shared. */
  private resyncLayout(proc: Process, addr?: bigint, length?: bigint): void {
    resyncPrivate(this, proc);
    if (addr !== undefined && length !== undefined && !this.sharing) {
      const start = Number(addr >> BigInt(PAGE_SHIFT));
      const end = start + Number((length + BigInt(PAGE_SIZE) - 1n) >> BigInt(PAGE_SHIFT));
      for (const w of proc.windows) {
        if (w.end <= start || w.start >= end) continue;
        for (const p of w.window.mappers) if (p !== proc) resyncPrivate(this, p);
      }
    }
    resyncShared(this, this.processes.size);
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
    const creating = (oflags & O_CREAT) !== 0 && this.msharefs.lookup(name) === undefined;
    // A panicked machine refuses every allocating request (ENOMEM) before any limit is looked at.
    if (creating && this.memory.panicked) this.memory.reserve(PAGE_SIZE);
    if (creating && this.msharefs.size >= this.limits.maxRegions) {
      throw new LimitError('ENOSPC', 'regions', `msharefs holds ${this.msharefs.size} regions, the limit (MSHARE_MAX_REGIONS)`);
    }
    this.oom.allocating(proc, () => {
      // Room for a new host mm's PGD (with sharing; without, the host never gets tables), counted
      // by resyncLayout once the host exists.
      if (this.sharing && (oflags & O_CREAT) !== 0) this.memory.reserve(this.pgdBytes);
      mshare(this, proc, name, args);
    });
    this.resyncLayout(proc);
  }

  /** mshare_unlink(name): drops one reference (mshare.ts). */
  mshareUnlink(pid: number, name: string): void {
    this.layoutEpoch++;
    const proc = this.process(pid);
    mshareUnlink(this, proc, name);
    this.resyncLayout(proc);
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
    const r = this.oom.allocating(proc, () => countAccess(this.path.access(proc, page, code), proc.counters, this.totals));
    return { outcome: OUTCOME_NAMES[r & OUTCOME_MASK], synced: (r & SYNCED) !== 0 };
  }

  /**
   * The batch path: `addrs` holds little-endian u64 addresses (length a multiple of 8). The outcome
   * code of address i (uapi Outcome) is written to out[i] when `out` is given.
   */
  accessBatch(pid: number, kind: AccessKind, addrs: Uint8Array, out?: Uint8Array): AccessCounts {
    const proc = this.process(pid);
    const code = checkKind(kind);
    const n = batchLength(addrs, out);
    return this.oom.allocating(proc, () => accessBatch(this.path, proc, code, addrs, n, out));
  }

  /** Accesses every stride-th page of [addr, addr+length). Cost grows with tables, not pages. */
  touch(pid: number, addr: bigint, length: bigint, kind: AccessKind, stridePages = 1, piece?: TouchPiece): AccessCounts {
    const proc = this.process(pid);
    checkU64(addr, 'addr');
    checkU64(length, 'length');
    const code = checkKind(kind);
    const pages = touchPages(addr, length, stridePages);
    if (pages === null) return AccessCounts.zero();
    // With `piece` (its rest -1), only the first piece of that work: touch-piece.ts sets piece.rest.
    const last = piece ? pieceLast(proc.mm.vmas, pages[0], pages[1], stridePages, this.geometry.userLimitPages, piece) : pages[1];
    return this.oom.allocating(proc, () => touchRange(this, proc, pages[0], last, code, stridePages));
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
