/**
 * The OOM killer, as mm/oom_kill.c runs it: when an allocation does not fit, the process with the
 * highest oom_badness() is killed and the allocation retried; with nothing killable the machine
 * panics ("Out of memory and no killable processes", then "System is deadlocked on memory").
 */
import { PAGE_SIZE } from './geometry.js';
import type { Process } from './mm.js';

export const OOM_SCORE_ADJ_MIN = -1000;
export const OOM_SCORE_ADJ_MAX = 1000;

/** One kill, as the kernel log and ListOomEvents report it. */
export interface OomEvent {
  pid: number;
  comm: string;
  uid: number;
  /** get_mm_rss x 4 KiB at the kill. */
  residentBytes: number;
  /** mm_pgtables_bytes (PTE + PMD + PUD, the PGD excluded) at the kill. */
  pagetableBytes: number;
  unixTimeNs: bigint;
  /** The process whose allocation invoked the killer; 0 for a Spawn (no process yet). */
  allocatingPid: number;
}

/**
 * A process killed by the OOM killer while it was itself allocating: the call unwinds and the
 * kernel finishes the kill (exit) before answering ESRCH.
 */
export class OomKilled extends Error {
  constructor(readonly pid: number) {
    super(`pid ${pid} was killed by the OOM killer`);
    this.name = 'OomKilled';
  }
}

/** get_mm_rss: the pages the mm maps (anonymous, file and shared-memory pages alike). */
export function mmRssPages(proc: Process): number {
  return proc.mm.tree.present;
}

/** mm_pgtables_bytes / PAGE_SIZE: PTE + PMD + PUD tables (the PGD is not in it). */
export function mmPgtablePages(proc: Process): number {
  const t = proc.mm.tree.tables;
  return t[1] + t[2] + t[3];
}

/**
 * oom_badness(): rss + swap entries (none here) + page-table pages, plus oom_score_adj in
 * thousandths of the machine's pages. -Infinity (LONG_MIN) for a process never to be chosen:
 * init (pid 1) and oom_score_adj -1000.
 */
export function oomBadness(proc: Process, totalPages: number): number {
  if (proc.pid === 1 || proc.oomScoreAdj === OOM_SCORE_ADJ_MIN) return -Infinity;
  const points = mmRssPages(proc) + mmPgtablePages(proc);
  return points + Math.trunc(proc.oomScoreAdj * (totalPages / 1000));
}

/**
 * select_bad_process(): the highest badness; on a tie the task found last in task-list order
 * (the newest), since oom_evaluate_task only skips a lower score.
 */
export function selectVictim(processes: Iterable<Process>, totalPages: number): Process | undefined {
  let chosen: Process | undefined;
  let chosenPoints = -Infinity;
  for (const proc of processes) {
    const points = oomBadness(proc, totalPages);
    if (points === -Infinity || points < chosenPoints) continue;
    chosen = proc;
    chosenPoints = points;
  }
  return chosen;
}

export function oomEvent(proc: Process, allocatingPid: number, unixTimeNs: bigint): OomEvent {
  return {
    pid: proc.pid,
    comm: proc.comm,
    uid: proc.uid,
    residentBytes: mmRssPages(proc) * PAGE_SIZE,
    pagetableBytes: mmPgtablePages(proc) * PAGE_SIZE,
    unixTimeNs,
    allocatingPid,
  };
}
