/**
 * The simulated kernel's system-call surface, the facade the services call: processes,
 * mmap/munmap/mprotect, mshare and mshare_unlink, accesses, /proc and msharefs reads. No I/O. Each
 * call checks its arguments (validate.ts) before it changes anything, so an error (KernelError,
 * named by errno) leaves the state as it was; the work is in the module named after the call.
 */
import { processStatus, regionInfo, systemAccounting, type AccountingSource } from './accounting.js';
import { AccessCounts, FaultCounters } from './counts.js';
import { KernelError, einval } from './errors.js';
import { AccessPath, OUTCOME_MASK, SYNCED, type FaultContext } from './fault.js';
import { PAGE_SHIFT, geometry as geometryOf, type Geometry } from './geometry.js';
import { Hugetlb } from './huge.js';
import { Links } from './links.js';
import { Mm, Process, type Region } from './mm.js';
import { mmap, munmap } from './mmap.js';
import { mprotect } from './mprotect.js';
import { exitMshare, mshare, mshareUnlink, type MshareContext } from './mshare.js';
import { Msharefs } from './msharefs.js';
import { COUNTERFACTUAL, TableMemory } from './pagetable/ledger.js';
import { freeAllTables } from './pagetable/range.js';
import { PageTree } from './pagetable/tree.js';
import { scheme as schemeOf, type Scheme } from './schemes/index.js';
import { accessBatch, touchRange } from './touch.js';
import type { AccessResult, KernelOptions, ProcStatus, RegionInfo, SpawnOptions, SystemAccounting } from './types.js';
import { OUTCOME_NAMES, type AccessKind } from './uapi.js';
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
  /** Every table page the machine holds (private + host), by level; PGDs not included. */
  readonly memory: TableMemory;
  readonly msharefs = new Msharefs();
  readonly hosts = new Set<Region>();
  private readonly processes = new Map<number, Process>();
  private readonly path: AccessPath;
  private nextPid = 1;

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
    this.memory = new TableMemory(this.geometry.levels);
    this.path = new AccessPath(this);
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
    const pid = this.nextPid++;
    const mm = new Mm(this.geometry, this.memory);
    const counterfactual = this.scheme.name !== 'none' ? new PageTree(this.geometry, COUNTERFACTUAL) : mm.tree;
    this.processes.set(pid, new Process(pid, uid, gid, comm, mm, counterfactual));
    return pid;
  }

  /** Tears down the address space. References it held stay (orphaned) so regions outlive it. */
  exit(pid: number): void {
    this.layoutEpoch++; // harmless if the call fails
    const proc = this.process(pid);
    exitMshare(this, proc);
    freeAllTables(proc.mm.tree);
    if (proc.counterfactual !== proc.mm.tree) freeAllTables(proc.counterfactual);
    this.processes.delete(pid);
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
    return mmap(this, proc, mmapArgs(this.geometry, addr, length, prot, flags, file, offset));
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
    mprotect(proc, start, end, prot, addr, length);
  }

  // ---- mshare ------------------------------------------------------------------------------

  /** mshare(name, addr, length, oflags, mode): creates (O_CREAT) or opens a region and maps its window. */
  mshare(pid: number, name: string, addr: bigint, length: bigint, oflags: number, mode: number): void {
    this.layoutEpoch++;
    const proc = this.process(pid);
    mshare(this, proc, name, mshareArgs(this.geometry, this.mshareAlignmentBytes, name, addr, length, oflags, mode));
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
    const r = this.path.access(proc, page, code);
    return { outcome: OUTCOME_NAMES[r & OUTCOME_MASK], synced: (r & SYNCED) !== 0 };
  }

  /**
   * The batch path: `addrs` holds little-endian u64 addresses (length a multiple of 8). The outcome
   * code of address i (uapi Outcome) is written to out[i] when `out` is given.
   */
  accessBatch(pid: number, kind: AccessKind, addrs: Uint8Array, out?: Uint8Array): AccessCounts {
    const proc = this.process(pid);
    const code = checkKind(kind);
    return accessBatch(this.path, proc, code, addrs, batchLength(addrs, out), out);
  }

  /** Accesses every stride-th page of [addr, addr+length). Cost grows with tables, not pages. */
  touch(pid: number, addr: bigint, length: bigint, kind: AccessKind, stridePages = 1): AccessCounts {
    const proc = this.process(pid);
    checkU64(addr, 'addr');
    checkU64(length, 'length');
    const code = checkKind(kind);
    const pages = touchPages(addr, length, stridePages);
    if (pages === null) return AccessCounts.zero();
    return touchRange(this, proc, pages[0], pages[1], code, stridePages);
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
