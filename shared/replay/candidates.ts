/**
 * Sharing candidates of a capture (issue 11, part 3's input): MAP_SHARED mappings of the same
 * object (device, inode) at the same file offset in two or more captured processes: SysV shm,
 * memfd, `/dev/zero (deleted)` shared anonymous memory, POSIX shm, shared files. MAP_PRIVATE
 * mappings (a shared library's text included) are never candidates: each process may hold its own
 * copy of any page, so their tables cannot be one. Mappings without an inode have no identity.
 *
 * A scheme replay (mshare, ptshare, hugetlb ...) takes this list and changes how the candidates'
 * mappings are replayed (shared/replay/replay.ts: ReplayPlan); every other mapping stays as
 * captured.
 */
import {
  capturedPages, devInode, hexAddr, isHugetlb, type Capture, type CapturedVma,
} from '../capture/format.js';

export type CandidateKind = 'shared-anonymous' | 'sysv-shm' | 'memfd' | 'posix-shm' | 'file';

export interface CandidateMapping {
  pid: number;
  comm: string;
  /** Index of the process in the capture, and of the VMA in the process. */
  process_index: number;
  vma_index: number;
  start: string;
  end: string;
  length_bytes: number;
  present_pages: number;
  swapped_pages: number;
}

export interface Candidate {
  /** "major:minor:inode@offset" (the replay's file name is "major:minor:inode"). */
  key: string;
  dev: string;
  inode: string;
  offset: string;
  path: string;
  kind: CandidateKind;
  hugetlb: boolean;
  /** Distinct processes mapping it. */
  process_count: number;
  /** Every process maps it at the same address (fork()ed sharers do). */
  same_address: boolean;
  /** The largest mapping of it, bytes. */
  length_bytes: number;
  /** Present + swapped pages, summed over the mappings. */
  captured_pages: number;
  mappings: CandidateMapping[];
}

export function candidateKind(v: CapturedVma): CandidateKind {
  if (v.path === '/dev/zero (deleted)' || v.path === '/dev/zero') return 'shared-anonymous';
  if (/^\/SYSV[0-9a-f]{8}( \(deleted\))?$/.test(v.path)) return 'sysv-shm';
  if (v.path.startsWith('/memfd:')) return 'memfd';
  if (v.path.startsWith('/dev/shm/')) return 'posix-shm';
  return 'file';
}

export function findCandidates(capture: Capture): Candidate[] {
  const groups = new Map<string, { v: CapturedVma; m: CandidateMapping }[]>();
  capture.processes.forEach((p, pi) => {
    p.vmas.forEach((v, vi) => {
      if (!v.shared || v.inode === 0n) return;
      const key = `${devInode(v)}@${v.offset}`;
      const m: CandidateMapping = {
        pid: p.pid,
        comm: p.comm,
        process_index: pi,
        vma_index: vi,
        start: hexAddr(v.startPage),
        end: hexAddr(v.endPage),
        length_bytes: (v.endPage - v.startPage) * 4096,
        present_pages: capturedPages(v, 'present'),
        swapped_pages: capturedPages(v, 'swapped'),
      };
      const list = groups.get(key);
      if (list) list.push({ v, m });
      else groups.set(key, [{ v, m }]);
    });
  });
  const out: Candidate[] = [];
  for (const [key, list] of groups) {
    const pids = new Set(list.map((e) => e.m.pid));
    if (pids.size < 2) continue;
    const first = list[0].v;
    const [dev, inode] = [devInode(first).split(':').slice(0, 2).join(':'), first.inode.toString()];
    out.push({
      key,
      dev,
      inode,
      offset: first.offset.toString(),
      path: first.path,
      kind: candidateKind(first),
      hugetlb: list.some((e) => isHugetlb(e.v)),
      process_count: pids.size,
      same_address: list.every((e) => e.m.start === list[0].m.start),
      length_bytes: Math.max(...list.map((e) => e.m.length_bytes)),
      captured_pages: list.reduce((n, e) => n + e.m.present_pages + e.m.swapped_pages, 0),
      mappings: list.map((e) => e.m),
    });
  }
  return out.sort((a, b) => b.captured_pages - a.captured_pages || a.key.localeCompare(b.key));
}
