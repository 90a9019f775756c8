/**
 * mshare and mshare_unlink, like the RFC's mm/mshare.c: creating a region (its host mm takes the
 * creator's VMAs and tables), attaching to one, dropping references; and a process's window onto a
 * region: mapping and unmapping it, and the layout changes by any sharer that act on the host.
 * msharefs.ts is the namespace; links.ts keeps the link entries.
 */
import { breakMirrors, counterfactualTree, zapCounterfactual } from './counterfactual.js';
import { KernelError, einval } from './errors.js';
import type { KernelLimits } from './types.js';
import type { Geometry } from './geometry.js';
import { HUGETLB_1G, HUGETLB_2M, hugeLength, type Hugetlb } from './huge.js';
import type { Links } from './links.js';
import { Mm, Region, type Process } from './mm.js';
import { mayOpen, type Msharefs } from './msharefs.js';
import type { TableMemory } from './pagetable/ledger.js';
import { attachSubtree, cloneSubtree, detachSubtree } from './pagetable/move.js';
import { freeAllTables, zap } from './pagetable/range.js';
import type { Scheme } from './schemes/index.js';
import { MAP_SHARED, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, PROT_READ, PROT_WRITE } from './uapi.js';
import { bytes, bytesHex, oct, type MshareRequest } from './validate.js';

/** What a window's layout changes need from the kernel. */
export interface WindowContext {
  readonly geometry: Geometry;
  readonly sharing: boolean;
  readonly links: Links;
  readonly limits: KernelLimits;
}

/** What mshare needs from the kernel. */
export interface MshareContext extends WindowContext {
  /** The ledger every host's tables are charged to. */
  readonly memory: TableMemory;
  readonly msharefs: Msharefs;
  /** Host mms alive: named regions, and unlinked ones still mapped. */
  readonly hosts: Set<Region>;
  readonly scheme: Scheme;
  readonly hugetlb: Hugetlb;
}

/** mshare(name, addr, length, oflags, mode): creates (O_CREAT) or opens a region and maps its window. */
export function mshare(ctx: MshareContext, proc: Process, name: string, req: MshareRequest): void {
  const existing = ctx.msharefs.lookup(name);
  if (existing) {
    if ((req.oflags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL)) throw new KernelError('EEXIST', `region '${name}' exists`);
    attach(ctx, proc, existing, req.start, req.end, req.accmode);
  } else {
    if (!(req.oflags & O_CREAT)) throw new KernelError('ENOENT', `no region named '${name}' and O_CREAT not given`);
    create(ctx, proc, name, req);
  }
}

function attach(ctx: MshareContext, proc: Process, region: Region, start: number, end: number, accmode: number): void {
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
  mapWindow(proc, region, accmode);
  region.holders.add(proc.pid);
}

/** The creator's VMAs in the range move to a new host mm, with their tables. */
function create(ctx: MshareContext, proc: Process, name: string, req: MshareRequest): void {
  const { start, end, accmode } = req;
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
  // A hugetlb window is a hugetlbfs file: its pages come from the pool, reserved now (ENOMEM
  // before anything changes) and given back with the host.
  const kind = ctx.scheme.windowKind;
  const huge = kind === HUGETLB_2M || kind === HUGETLB_1G;
  const reserved = huge ? ctx.hugetlb.reserve(kind, null, 0, vmas.reduce((n, v) => n + hugeLength(kind, null, v.end - v.start), 0)) : 0;
  const host = new Mm(ctx.geometry, ctx.memory);
  const region = new Region(name, start, end, proc.uid, proc.gid, req.mode, accmode, host);
  region.hugeReserved = reserved;
  for (const v of proc.mm.vmas.remove(start, end)) host.vmas.insert(v);
  if (ctx.sharing) {
    // The creator's tables for the range become the host's (its PGD entries are copied); in
    // the counterfactual the creator keeps private copies.
    const links = ctx.links;
    for (let page = start; page < end; page += links.span) {
      const { entry, present } = detachSubtree(proc.mm.tree, links.level, page);
      if (entry === null) continue;
      attachSubtree(counterfactualTree(proc), links.level, page, cloneSubtree(entry), present);
      attachSubtree(host.tree, links.level, page, entry, present);
    }
    links.refresh(region, start, end);
    links.adopt(proc, region);
  }
  ctx.msharefs.add(region);
  ctx.hosts.add(region);
  mapWindow(proc, region, accmode);
  region.holders.add(proc.pid);
}

/**
 * mshare_unlink(name): drops one reference. A holder drops its own; the owner or root, holding
 * none, may drop one left by an exited process. A non-last unlink unmaps the window from the
 * caller; the last removes the name, and the host mm goes once no process maps it.
 */
export function mshareUnlink(ctx: MshareContext, proc: Process, name: string): void {
  const region = ctx.msharefs.get(name);
  const pid = proc.pid;
  if (region.holders.has(pid)) {
    region.holders.delete(pid);
    if (region.refcount > 0) unmapWindow(ctx, proc, region);
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
    ctx.msharefs.remove(region);
    releaseHostIfUnused(ctx, region);
  }
}

/**
 * A process exits: its windows go; the references it held stay, orphaned, so regions outlive it.
 * Every named region is asked, not only those it maps: a holder may have munmapped its window.
 */
export function exitMshare(ctx: MshareContext, proc: Process): void {
  proc.compact = null; // its counterfactual goes with it: no tree to build for the zaps below
  for (const region of ctx.msharefs.values()) if (region.holders.delete(proc.pid)) region.orphans++;
  for (const { window: region } of [...proc.windows]) unmapWindow(ctx, proc, region);
}

/**
 * The region whose window holds [start, end), or undefined when the range touches no window.
 * A range across a window's edge is refused; changing a window's layout needs an O_RDWR attach.
 */
export function windowFor(proc: Process, start: number, end: number, call: string): Region | undefined {
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

/** Unmaps [start, end) in a host: its tables, and every mapper's counterfactual or private tables. */
export function unmapInHost(ctx: WindowContext, region: Region, start: number, end: number): void {
  const hostVmas = region.host.vmas;
  if (hostVmas.remove(start, end).length === 0) return;
  if (ctx.sharing) {
    breakMirrors(region); // the host and its mirrors' counterfactuals follow different zap rules
    zap(region.host.tree, start, end, (s, e) => hostVmas.overlaps(s, e));
    ctx.links.refresh(region, start, end);
  } else if (region.resident !== null) {
    // The shared-memory pages go with their mapping (memory.ts counts them from this set).
    zap(region.resident, start, end, (s, e) => hostVmas.overlaps(s, e));
  }
  for (const proc of region.mappers) {
    zapCounterfactual(proc, start, end, (s, e) => viewHasVma(proc, s, e));
    // Schemes without host tables (hugetlb, THP): each mapper's own tables for the window.
    if (!ctx.sharing && proc.ownCounterfactual) zap(proc.mm.tree, start, end, (s, e) => viewHasVma(proc, s, e));
  }
}

/** munmap of a whole window: the process detaches (its mapping and tables go; references stay). */
export function detachWindow(ctx: MshareContext, proc: Process, region: Region): void {
  unmapWindow(ctx, proc, region);
}

/**
 * Whether any mapping the process sees overlaps [s, e): its own VMAs outside windows, the
 * host's VMAs inside them. The rule for tables a process would hold privately.
 */
export function viewHasVma(proc: Process, s: number, e: number): boolean {
  for (const v of proc.mm.vmas.overlapping(s, e)) {
    if (v.window === undefined) return true;
    if (v.window.host.vmas.overlaps(Math.max(s, v.start), Math.min(e, v.end))) return true;
  }
  return false;
}

function mapWindow(proc: Process, region: Region, accmode: number): void {
  const prot = accmode === O_RDWR ? PROT_READ | PROT_WRITE : PROT_READ;
  const window = { start: region.start, end: region.end, prot, flags: MAP_SHARED, file: '', window: region };
  proc.mm.vmas.insert(window);
  proc.windows.push(window);
  region.mappers.add(proc);
}

/** Removes a process's window onto a region, with the tables it held for it. */
function unmapWindow(ctx: MshareContext, proc: Process, region: Region): void {
  const { start, end } = region;
  proc.mm.vmas.remove(start, end);
  proc.windows.splice(proc.windows.findIndex((w) => w.window === region), 1);
  region.mappers.delete(proc);
  ctx.links.forget(proc, region);
  // Without sharing the counterfactual is the process's own tree, which held the window's pages.
  zapCounterfactual(proc, start, end, (s, e) => viewHasVma(proc, s, e));
  if (proc.ownCounterfactual) zap(proc.mm.tree, start, end, (s, e) => proc.mm.vmas.overlaps(s, e));
  releaseHostIfUnused(ctx, region);
}

function releaseHostIfUnused(ctx: MshareContext, region: Region): void {
  if (!region.unlinked || region.mappers.size > 0) return;
  freeAllTables(region.host.tree);
  ctx.hugetlb.unreserve(ctx.scheme.windowKind, region.hugeReserved);
  ctx.links.release(region);
  ctx.hosts.delete(region);
}
