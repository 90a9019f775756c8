/**
 * The simulated kernel's system-call surface: processes, mmap/munmap/mprotect, mshare and
 * mshare_unlink, accesses. No I/O. Every call validates all of its arguments before it changes
 * anything, so an error (KernelError, named by errno) leaves the state as it was.
 */
import { AccessCounts, FaultCounters } from './counts.js';
import { KernelError, einval } from './errors.js';
import { PAGE_SHIFT, PAGE_SIZE, geometry as geometryOf, type Geometry } from './geometry.js';
import { Mm, Process, Region } from './mm.js';
import { Msharefs, mayOpen, validateName } from './msharefs.js';
import { COUNTERFACTUAL, TableMemory } from './pagetable/ledger.js';
import { attachSubtree, cloneSubtree, detachSubtree } from './pagetable/move.js';
import { freeAllTables, zap } from './pagetable/range.js';
import { PageTree } from './pagetable/tree.js';
import {
  AccessPath, OUTCOME_MASK, SYNCED, kindCode, touchRange, type FaultContext,
} from './fault.js';
import { Links } from './links.js';
import { processStatus, regionInfo, systemAccounting, type AccountingSource } from './accounting.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_KNOWN, MAP_PRIVATE, MAP_SHARED, MAP_TYPE, O_ACCMODE, O_CREAT, O_EXCL,
  O_RDONLY, O_RDWR, OUTCOME_NAMES, Outcome, PROT_MASK, PROT_READ, PROT_WRITE, type AccessKind,
} from './uapi.js';
import type {
  AccessResult, KernelOptions, ProcStatus, RegionInfo, SpawnOptions, SystemAccounting,
} from './types.js';
import type { Vma } from './vma.js';

const MAX_UINT64 = (1n << 64n) - 1n;
/** vm.mmap_min_addr = 65536: the lowest page mmap will place a mapping at. */
const MMAP_MIN_PAGE = 16;
/** mmap_base sits below the stack gap (128 MiB, the kernel's minimum), so it is not 2 MiB-aligned. */
const STACK_GAP_PAGES = (128 * 1024 * 1024) / PAGE_SIZE;

export class Kernel implements FaultContext, AccountingSource {
  readonly geometry: Geometry;
  readonly sharing: boolean;
  readonly links: Links;
  layoutEpoch = 0;
  /** Running totals since the kernel started (Prometheus counters read them). */
  readonly totals = FaultCounters.zero();
  /** Every table page the machine holds (private + host), by level; PGDs not included. */
  readonly memory: TableMemory;
  readonly msharefs = new Msharefs();
  private readonly processes = new Map<number, Process>();
  /** Host mms alive: named regions, and unlinked ones still mapped. */
  private readonly hosts = new Set<Region>();
  private readonly path: AccessPath;
  private nextPid = 1;

  constructor(options: KernelOptions = {}) {
    this.geometry = geometryOf(options.geometry ?? 'x86_64-4level');
    this.sharing = options.sharing ?? true;
    const linkLevel = options.linkLevel ?? this.geometry.levels;
    if (!Number.isInteger(linkLevel) || linkLevel < 2 || linkLevel > this.geometry.levels) {
      throw einval(`linkLevel ${linkLevel} must be an integer from 2 (PMD) to ${this.geometry.levels} (PGD)`);
    }
    this.links = new Links(this.geometry, linkLevel);
    this.memory = new TableMemory(this.geometry.levels);
    this.path = new AccessPath(this);
  }

  get regionCount(): number {
    return this.msharefs.size;
  }

  get linkLevel(): number {
    return this.links.level;
  }

  /** mshare's alignment in bytes (PGDIR_SIZE for the RFC's top-level link). */
  get mshareAlignmentBytes(): bigint {
    return BigInt(this.links.span) << BigInt(PAGE_SHIFT);
  }

  // ---- processes ---------------------------------------------------------------------------

  /** Creates a process with an empty address space (one PGD page). Returns its pid. */
  spawn(opts: SpawnOptions): number {
    const uid = checkId(opts?.uid, 'uid');
    const gid = checkId(opts?.gid, 'gid');
    const comm = opts.comm ?? '';
    if (typeof comm !== 'string') throw einval('comm must be a string');
    // TASK_COMM_LEN is 16 including the NUL: the kernel truncates longer names.
    const pid = this.nextPid++;
    const mm = new Mm(this.geometry, this.memory);
    const counterfactual = this.sharing ? new PageTree(this.geometry, COUNTERFACTUAL) : mm.tree;
    this.processes.set(pid, new Process(pid, uid, gid, comm.slice(0, 15), mm, counterfactual));
    return pid;
  }

  /** Tears down the address space. References it held stay (orphaned) so regions outlive it. */
  exit(pid: number): void {
    this.layoutEpoch++; // every translation cache goes stale (harmless if the call fails)
    const proc = this.process(pid);
    for (const { window: region } of [...proc.windows]) {
      if (region.holders.delete(pid)) region.orphans++;
      this.unmapWindow(proc, region);
    }
    freeAllTables(proc.mm.tree);
    if (this.sharing) freeAllTables(proc.counterfactual);
    this.processes.delete(pid);
  }

  hasProcess(pid: number): boolean {
    return this.processes.has(pid);
  }

  pids(): number[] {
    return [...this.processes.keys()];
  }

  // ---- mmap, munmap, mprotect ---------------------------------------------------------------

  /**
   * mmap(addr, length, prot, flags, fd=file). Inside an mshare'd window (MAP_FIXED) the mapping is
   * made in the host mm, seen by every sharer at once.
   */
  mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number, file = ''): bigint {
    this.layoutEpoch++; // every translation cache goes stale (harmless if the call fails)
    const proc = this.process(pid);
    checkU64(addr, 'addr');
    checkU64(length, 'length');
    if (!Number.isInteger(flags) || (flags & ~MAP_KNOWN) !== 0) {
      throw einval(`flags 0x${hex(flags)} has bits outside MAP_SHARED|MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS`);
    }
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE) {
      throw einval('flags must hold exactly one of MAP_SHARED (0x01) and MAP_PRIVATE (0x02)');
    }
    checkProt(prot);
    if (typeof file !== 'string') throw einval('file must be a string');
    if (flags & MAP_ANONYMOUS) {
      if (file !== '') throw einval(`MAP_ANONYMOUS takes no file, got '${file}'`);
    } else if (file === '') {
      throw new KernelError('EBADF', 'a mapping without MAP_ANONYMOUS needs a file');
    }
    if (length === 0n) throw einval('length is 0');
    const pages = this.lengthPages(length);
    if (pages > this.geometry.userLimitPages) throw new KernelError('ENOMEM', `length ${length} exceeds the user address space`);
    const vma = (start: number): Vma => ({ start, end: start + pages, prot, flags: flags & ~MAP_FIXED, file });

    if (flags & MAP_FIXED) {
      if (addr % BigInt(PAGE_SIZE) !== 0n) throw einval(`MAP_FIXED addr 0x${addr.toString(16)} is not page-aligned`);
      const start = this.pageOf(addr);
      if (start + pages > this.geometry.userLimitPages) {
        throw new KernelError('ENOMEM', `[0x${addr.toString(16)}, +${length}) ends above TASK_SIZE 0x${this.geometry.userLimitBytes.toString(16)}`);
      }
      const region = this.windowFor(proc, start, start + pages, 'mmap');
      if (region) {
        this.unmapInHost(region, start, start + pages);
        region.host.vmas.insert(vma(start));
      } else {
        this.unmapPrivate(proc, start, start + pages);
        proc.mm.vmas.insert(vma(start));
      }
      return addr;
    }
    // A hint, rounded down to a page, used when the range there is free (else top-down search).
    const hintPage = addr >= this.geometry.userLimitBytes ? 0 : this.pageOf(addr);
    const ceiling = this.geometry.userLimitPages - STACK_GAP_PAGES;
    const start = proc.mm.vmas.findFree(pages, hintPage > 0 ? hintPage : -1, MMAP_MIN_PAGE, ceiling);
    if (start < 0) throw new KernelError('ENOMEM', `no free range of ${length} bytes in the address space`);
    proc.mm.vmas.insert(vma(start));
    return BigInt(start) << BigInt(PAGE_SHIFT);
  }

  munmap(pid: number, addr: bigint, length: bigint): void {
    this.layoutEpoch++; // every translation cache goes stale (harmless if the call fails)
    const proc = this.process(pid);
    const [start, end] = this.userRange(addr, length, 'munmap');
    if (start === end) throw einval('length is 0');
    const region = this.windowFor(proc, start, end, 'munmap');
    if (region) this.unmapInHost(region, start, end);
    else this.unmapPrivate(proc, start, end);
  }

  mprotect(pid: number, addr: bigint, length: bigint, prot: number): void {
    this.layoutEpoch++; // every translation cache goes stale (harmless if the call fails)
    const proc = this.process(pid);
    checkProt(prot);
    const [start, end] = this.userRange(addr, length, 'mprotect');
    if (start === end) return;
    const region = this.windowFor(proc, start, end, 'mprotect');
    const vmas = region ? region.host.vmas : proc.mm.vmas;
    if (!vmas.covers(start, end)) {
      throw new KernelError('ENOMEM', `[0x${addr.toString(16)}, +${length}) is not fully mapped`);
    }
    vmas.protect(start, end, prot);
  }

  // ---- mshare ------------------------------------------------------------------------------

  /**
   * mshare(name, addr, length, oflags, mode): creates (O_CREAT) or opens a region and maps its
   * window. The creator's VMAs in the range move to a new host mm with their tables.
   */
  mshare(pid: number, name: string, addr: bigint, length: bigint, oflags: number, mode: number): void {
    this.layoutEpoch++; // every translation cache goes stale (harmless if the call fails)
    const proc = this.process(pid);
    validateName(name);
    if (!Number.isInteger(oflags) || (oflags & ~(O_ACCMODE | O_CREAT | O_EXCL)) !== 0) {
      throw einval(`oflags 0o${oct(oflags)} has bits outside O_RDONLY|O_RDWR|O_CREAT|O_EXCL`);
    }
    const accmode = oflags & O_ACCMODE;
    if (accmode !== O_RDONLY && accmode !== O_RDWR) {
      throw einval('oflags access mode must be O_RDONLY (0) or O_RDWR (2): a region cannot be write-only');
    }
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
      throw einval(`mode ${mode} (0o${oct(mode)}) has bits outside 0777${mode === 600 ? ' (decimal 600 is not 0600)' : ''}`);
    }
    checkU64(addr, 'addr');
    checkU64(length, 'length');
    const align = this.mshareAlignmentBytes;
    if (length === 0n) throw einval('length is 0');
    if (addr % align !== 0n) throw einval(`addr 0x${addr.toString(16)} is not aligned to ${align} bytes (PGDIR_SIZE)`);
    if (length % align !== 0n) throw einval(`length ${length} is not a multiple of ${align} bytes (PGDIR_SIZE)`);
    if (addr + length > this.geometry.userLimitBytes) {
      throw einval(`[0x${addr.toString(16)}, +${length}) ends above TASK_SIZE 0x${this.geometry.userLimitBytes.toString(16)}`);
    }
    const start = this.pageOf(addr);
    const end = start + this.pageOf(length);
    const existing = this.msharefs.lookup(name);
    if (existing) {
      if ((oflags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL)) throw new KernelError('EEXIST', `region '${name}' exists`);
      this.attach(proc, existing, start, end, accmode);
    } else {
      if (!(oflags & O_CREAT)) throw new KernelError('ENOENT', `no region named '${name}' and O_CREAT not given`);
      this.create(proc, name, start, end, accmode, mode);
    }
  }

  private attach(proc: Process, region: Region, start: number, end: number, accmode: number): void {
    if (start !== region.start || end !== region.end) {
      throw einval(`region '${region.name}' is [0x${bytesHex(region.start)}, +${bytes(region.end - region.start)}): a process maps the whole region at its address`);
    }
    if (!mayOpen(region, proc.uid, proc.gid, accmode)) {
      throw new KernelError('EACCES', `uid ${proc.uid} gid ${proc.gid} may not open '${region.name}' (mode 0o${oct(region.mode)}, owner ${region.uid}:${region.gid}) ${accmode === O_RDWR ? 'read-write' : 'read-only'}`);
    }
    if (accmode === O_RDWR && region.accessMode === O_RDONLY) {
      throw new KernelError('EPERM', `region '${region.name}' was created O_RDONLY: an attacher cannot ask for O_RDWR`);
    }
    if (proc.mm.vmas.overlaps(start, end)) {
      throw einval(`pid ${proc.pid} already has a mapping inside [0x${bytesHex(start)}, 0x${bytesHex(end)})`);
    }
    this.mapWindow(proc, region, accmode);
    region.holders.add(proc.pid);
  }

  private create(proc: Process, name: string, start: number, end: number, accmode: number, mode: number): void {
    const vmas = proc.mm.vmas.overlapping(start, end);
    if (vmas.length === 0) {
      throw einval(`pid ${proc.pid} has no mapping inside [0x${bytesHex(start)}, 0x${bytesHex(end)}) to share (mshare.c: find_vma_intersection)`);
    }
    for (const v of vmas) {
      if (v.window !== undefined) throw einval(`the range overlaps mshare'd region '${v.window.name}'`);
      if (v.start < start || v.end > end) {
        throw einval(`mapping [0x${bytesHex(v.start)}, 0x${bytesHex(v.end)}) crosses the edge of the range`);
      }
    }
    const host = new Mm(this.geometry, this.memory);
    const region = new Region(name, start, end, proc.uid, proc.gid, mode, accmode, host);
    for (const v of proc.mm.vmas.remove(start, end)) host.vmas.insert(v);
    if (this.sharing) {
      // The creator's tables for the range become the host's (its PGD entries are copied); in
      // the counterfactual the creator keeps private copies.
      const links = this.links;
      for (let page = start; page < end; page += links.span) {
        const { entry, present } = detachSubtree(proc.mm.tree, links.level, page);
        if (entry === null) continue;
        attachSubtree(proc.counterfactual, links.level, page, cloneSubtree(entry), present);
        attachSubtree(host.tree, links.level, page, entry, present);
      }
      links.refresh(region, start, end);
      links.adopt(proc, region);
    }
    this.msharefs.add(region);
    this.hosts.add(region);
    this.mapWindow(proc, region, accmode);
    region.holders.add(proc.pid);
  }

  /**
   * mshare_unlink(name): drops one reference. A holder drops its own; the owner or root, holding
   * none, may drop one left by an exited process. A non-last unlink unmaps the window from the
   * caller; the last removes the name, and the host mm goes once no process maps it.
   */
  mshareUnlink(pid: number, name: string): void {
    this.layoutEpoch++; // every translation cache goes stale (harmless if the call fails)
    const proc = this.process(pid);
    const region = this.msharefs.get(name);
    if (region.holders.has(pid)) {
      region.holders.delete(pid);
      if (region.refcount > 0) this.unmapWindow(proc, region);
    } else if (proc.uid === 0 || proc.uid === region.uid) {
      if (region.orphans === 0) {
        throw new KernelError('EBUSY', `pid ${pid} holds no reference to '${name}' and all ${region.refcount} are held by live processes`);
      }
      region.orphans--;
    } else {
      throw new KernelError('EPERM', `pid ${pid} (uid ${proc.uid}) holds no reference to '${name}' and is neither its owner (uid ${region.uid}) nor root`);
    }
    if (region.refcount === 0) {
      region.unlinked = true;
      this.msharefs.remove(region);
      this.releaseHostIfUnused(region);
    }
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
    const page = addr >= this.geometry.userLimitBytes ? this.geometry.userLimitPages : this.pageOf(addr);
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
    if (!(addrs instanceof Uint8Array)) throw einval('addrs must be bytes');
    if (addrs.byteLength % 8 !== 0) throw einval(`addrs is ${addrs.byteLength} bytes, not a multiple of 8`);
    const n = addrs.byteLength / 8;
    if (out !== undefined && out.length < n) throw einval(`out has room for ${out.length} outcomes, need ${n}`);
    const words = addrs.byteOffset % 4 === 0
      ? new Uint32Array(addrs.buffer, addrs.byteOffset, n * 2)
      : new Uint32Array(new Uint8Array(addrs).buffer); // a copy (a Buffer's slice() is a view)
    const counts = AccessCounts.zero();
    const path = this.path;
    for (let i = 0; i < n; i++) {
      // Below 2^52 for any u64 address, so exact; the fault path compares it with TASK_SIZE.
      const page = words[2 * i + 1] * 0x100000 + (words[2 * i] >>> PAGE_SHIFT);
      const r = path.access(proc, page, code);
      const outcome = r & OUTCOME_MASK;
      if (out !== undefined) out[i] = outcome;
      if (outcome === Outcome.PRESENT) counts.present++;
      else if (outcome === Outcome.MINOR_FAULT) counts.minorFault++;
      else if (outcome === Outcome.SIGSEGV) counts.sigsegv++;
      else counts.sigbus++;
      if ((r & SYNCED) !== 0) counts.synced++;
    }
    return counts;
  }

  /** Accesses every stride-th page of [addr, addr+length). Cost grows with tables, not pages. */
  touch(pid: number, addr: bigint, length: bigint, kind: AccessKind, stridePages = 1): AccessCounts {
    const proc = this.process(pid);
    checkU64(addr, 'addr');
    checkU64(length, 'length');
    const code = checkKind(kind);
    if (!Number.isSafeInteger(stridePages) || stridePages < 1) throw einval(`stride ${stridePages} must be a whole number of pages >= 1`);
    if (length === 0n) return AccessCounts.zero();
    if (addr + length - 1n > MAX_UINT64) throw einval('addr + length overflows 64 bits');
    const first = Number(addr >> BigInt(PAGE_SHIFT));
    const last = Number((addr + length - 1n) >> BigInt(PAGE_SHIFT));
    return touchRange(this, proc, first, last, code, stridePages);
  }

  // ---- /proc ---------------------------------------------------------------------------------

  procStatus(pid: number): ProcStatus {
    return processStatus(this, this.process(pid));
  }

  accounting(): SystemAccounting {
    return systemAccounting(this, this.processes.values(), this.hosts);
  }

  // ---- internals -----------------------------------------------------------------------------

  private process(pid: number): Process {
    const proc = Number.isInteger(pid) ? this.processes.get(pid) : undefined;
    if (!proc) throw new KernelError('ESRCH', `no process with pid ${pid}`);
    return proc;
  }

  private pageOf(bytes: bigint): number {
    return Number(bytes >> BigInt(PAGE_SHIFT));
  }

  private lengthPages(length: bigint): number {
    return Number((length + BigInt(PAGE_SIZE - 1)) >> BigInt(PAGE_SHIFT));
  }

  /** Validates a page-aligned user range for munmap/mprotect and returns it in pages. */
  private userRange(addr: bigint, length: bigint, call: string): [number, number] {
    checkU64(addr, 'addr');
    checkU64(length, 'length');
    if (addr % BigInt(PAGE_SIZE) !== 0n) throw einval(`${call}: addr 0x${addr.toString(16)} is not page-aligned`);
    const pages = this.lengthPages(length);
    if (addr + (BigInt(pages) << BigInt(PAGE_SHIFT)) > this.geometry.userLimitBytes) {
      throw einval(`${call}: [0x${addr.toString(16)}, +${length}) ends above TASK_SIZE`);
    }
    const start = this.pageOf(addr);
    return [start, start + pages];
  }

  /**
   * The region whose window holds [start, end), or undefined when the range touches no window.
   * A range across a window's edge is refused; changing a window's layout needs an O_RDWR attach.
   */
  private windowFor(proc: Process, start: number, end: number, call: string): Region | undefined {
    for (const w of proc.windows) {
      const region = w.window;
      if (end <= region.start || start >= region.end) continue;
      if (start < region.start || end > region.end) {
        throw einval(`${call}: the range crosses the edge of mshare'd region '${region.name}'`);
      }
      if ((w.prot & PROT_WRITE) === 0) {
        throw new KernelError('EACCES', `${call}: pid ${proc.pid} attached '${region.name}' O_RDONLY and cannot change its mappings`);
      }
      return region;
    }
    return undefined;
  }

  private unmapPrivate(proc: Process, start: number, end: number): void {
    if (proc.mm.vmas.remove(start, end).length === 0) return;
    zap(proc.mm.tree, start, end, (s, e) => proc.mm.vmas.overlaps(s, e));
  }

  /** Unmaps [start, end) in a host: its tables, and every mapper's counterfactual or private tables. */
  private unmapInHost(region: Region, start: number, end: number): void {
    if (region.host.vmas.remove(start, end).length === 0) return;
    const hostVmas = region.host.vmas;
    if (this.sharing) {
      zap(region.host.tree, start, end, (s, e) => hostVmas.overlaps(s, e));
      this.links.refresh(region, start, end);
    }
    for (const proc of region.mappers) zap(proc.counterfactual, start, end, (s, e) => this.viewHasVma(proc, s, e));
  }

  /**
   * Whether any mapping the process sees overlaps [s, e): its own VMAs outside windows, the
   * host's VMAs inside them. The rule for tables a process would hold privately.
   */
  private viewHasVma(proc: Process, s: number, e: number): boolean {
    for (const v of proc.mm.vmas.overlapping(s, e)) {
      if (v.window === undefined) return true;
      if (v.window.host.vmas.overlaps(Math.max(s, v.start), Math.min(e, v.end))) return true;
    }
    return false;
  }

  private mapWindow(proc: Process, region: Region, accmode: number): void {
    const prot = accmode === O_RDWR ? PROT_READ | PROT_WRITE : PROT_READ;
    const window = { start: region.start, end: region.end, prot, flags: MAP_SHARED, file: '', window: region };
    proc.mm.vmas.insert(window);
    proc.windows.push(window);
    region.mappers.add(proc);
  }

  /** Removes a process's window onto a region, with the tables it held for it. */
  private unmapWindow(proc: Process, region: Region): void {
    const { start, end } = region;
    proc.mm.vmas.remove(start, end);
    proc.windows.splice(proc.windows.findIndex((w) => w.window === region), 1);
    region.mappers.delete(proc);
    this.links.forget(proc, region);
    // Without sharing the counterfactual is the process's own tree, which held the window's pages.
    zap(proc.counterfactual, start, end, (s, e) => this.viewHasVma(proc, s, e));
    if (this.sharing) zap(proc.mm.tree, start, end, (s, e) => proc.mm.vmas.overlaps(s, e));
    this.releaseHostIfUnused(region);
  }

  private releaseHostIfUnused(region: Region): void {
    if (!region.unlinked || region.mappers.size > 0) return;
    freeAllTables(region.host.tree);
    this.links.release(region);
    this.hosts.delete(region);
  }
}

function checkId(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xfffffffe) {
    throw einval(`${what} ${String(value)} must be an integer from 0 to 4294967294`);
  }
  return value;
}

function checkU64(value: unknown, what: string): void {
  if (typeof value !== 'bigint') throw einval(`${what} must be a bigint`);
  if (value < 0n || value > MAX_UINT64) throw einval(`${what} ${value} is outside 0..2^64-1`);
}

function checkProt(prot: number): void {
  if (!Number.isInteger(prot) || (prot & ~PROT_MASK) !== 0 || prot < 0) {
    throw einval(`prot 0x${hex(prot)} has bits outside PROT_READ|PROT_WRITE|PROT_EXEC`);
  }
}

function checkKind(kind: AccessKind): 0 | 1 | 2 {
  if (kind !== 'read' && kind !== 'write' && kind !== 'exec') throw einval(`access kind '${String(kind)}' must be read, write or exec`);
  return kindCode(kind);
}

const hex = (n: number) => (Number.isFinite(n) ? (n >>> 0).toString(16) : String(n));
const oct = (n: number) => (Number.isFinite(n) ? n.toString(8) : String(n));
const bytes = (pages: number) => (BigInt(pages) << BigInt(PAGE_SHIFT)).toString();
const bytesHex = (page: number) => (BigInt(page) << BigInt(PAGE_SHIFT)).toString(16);
