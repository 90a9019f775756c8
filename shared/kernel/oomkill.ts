/**
 * The kernel's side of machine memory: the OOM killer wired to the processes (out_of_memory, the
 * kill, a call that may allocate), and memory by kind read back from the state after a layout
 * change. The policy (oom_badness, the victim) is oom.ts's; the counts are memory.ts's.
 */
import { KernelError } from './errors.js';
import { PAGE_SIZE, type Geometry } from './geometry.js';
import { privatePagesOf, residentOf, type MachineMemory, type MemoryKind } from './memory.js';
import type { Process, Region } from './mm.js';
import { OomKilled, oomEvent, selectVictim, type OomEvent } from './oom.js';

/** What the OOM killer needs of the kernel. */
export interface OomHost {
  readonly memory: MachineMemory;
  processes(): Iterable<Process>;
  processOf(pid: number): Process | undefined;
  exit(pid: number): void;
  /** Folds a call's counts into the exact totals. */
  fold(proc: Process): void;
  now(): bigint;
}

export class OomKiller {
  /** Every OOM kill, oldest first (the kernel log's "Killed process"). */
  readonly events: OomEvent[] = [];
  /** Told of each kill before the victim exits (the broker tells its session; the load test notes the first). */
  private readonly listeners = new Set<(event: OomEvent) => void>();
  /** The process whose call is running (0: none, as at Spawn): the OOM killer's allocating task. */
  current = 0;

  constructor(private readonly host: OomHost) {}

  /** Calls `listener` on every OOM kill, before the victim exits; returns its removal. */
  onKill(listener: (event: OomEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * out_of_memory(): kills the process with the highest oom_badness and returns (the allocation is
   * retried); when that process is the caller the call unwinds (OomKilled, answered ESRCH); with
   * nothing killable the machine panics and the allocation is refused (ENOMEM).
   */
  outOfMemory(): void {
    const memory = this.host.memory;
    const victim = selectVictim(this.host.processes(), memory.limitBytes / PAGE_SIZE);
    if (victim === undefined) {
      memory.panicked = true;
      throw new KernelError('ENOMEM', 'Out of memory and no killable processes... System is deadlocked on memory');
    }
    if (victim.pid === this.current) throw new OomKilled(victim.pid);
    this.kill(victim, this.current);
  }

  /** The victim exits: its mappings and private tables go; shared memory and references stay. */
  private kill(victim: Process, allocatingPid: number): void {
    const event = oomEvent(victim, allocatingPid, this.host.now());
    this.events.push(event);
    for (const listener of this.listeners) listener(event); // before the exit: the victim is still there
    this.host.exit(victim.pid);
  }

  /**
   * Runs a call of `proc` that may allocate. If the OOM killer chose the caller itself, the kill is
   * finished here (the process exits) and the call answers ESRCH.
   */
  allocating<T>(proc: Process, call: () => T): T {
    this.current = proc.pid;
    try {
      return call();
    } catch (err) {
      if (!(err instanceof OomKilled)) throw err;
      const victim = this.host.processOf(err.pid);
      if (victim !== undefined) this.kill(victim, err.pid);
      throw new KernelError('ESRCH', `pid ${err.pid} was killed by the OOM killer`);
    } finally {
      this.current = 0;
      this.host.fold(proc); // the counts the call made, killed or not, into the exact totals
    }
  }
}

/** What reading memory back from the state needs of the kernel. */
export interface MemoryState {
  readonly geometry: Geometry;
  readonly sharing: boolean;
  readonly memory: MachineMemory;
  readonly hosts: ReadonlySet<Region>;
}

/** Re-reads a process's private pages after a layout change (munmap, mshare) freed or moved some. */
export function resyncPrivate(k: MemoryState, proc: Process): void {
  const now = privatePagesOf(proc, k.sharing);
  k.memory.chargePrivate(now - proc.privatePages);
  proc.privatePages = now;
}

/** Re-reads the shared pages (and the PGDs: `processes`, and host mms' with sharing) after a host may have gone or gained pages. */
export function resyncShared(k: MemoryState, processes: number): void {
  let pages = 0;
  for (const r of k.hosts) pages += k.sharing ? r.host.tree.present : k.memory.limited ? (r.resident?.present ?? 0) : 0;
  k.memory.setPages('shared', pages);
  k.memory.setPgdPages(processes + (k.sharing ? k.hosts.size : 0));
}

/**
 * Machine memory in use by kind. Without sharing on an unlimited machine the shared pages (a
 * window's pages, once however many processes map them) are not tracked on the fault path:
 * they are recounted here, as the union of the mappers' pages.
 */
export function memoryByKind(k: MemoryState): Record<MemoryKind, number> {
  const kinds = k.memory.byKind();
  if (k.sharing || k.memory.limited) return kinds;
  kinds.shared = [...k.hosts].reduce((n, r) => n + residentOf(k.geometry, r).present, 0) * PAGE_SIZE;
  return kinds;
}

/**
 * Sets the machine's memory (a test's memory hot-unplug; Infinity: unlimited). Without sharing
 * the shared pages are tracked from then on, starting from their recount.
 */
export function setMachineMemory(k: MemoryState, bytes: number, processes: number): void {
  if (!k.sharing && !k.memory.limited && bytes !== Infinity) {
    for (const r of k.hosts) r.resident = residentOf(k.geometry, r);
  }
  k.memory.setLimit(bytes);
  resyncShared(k, processes);
}
