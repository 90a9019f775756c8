/**
 * mprotect, like mm/mprotect.c: VMAs split at the range's edges take the new protection. Inside an
 * mshare'd window it acts on the host mm, seen by every sharer at once. Tables do not change.
 */
import { KernelError } from './errors.js';
import { unshareRange } from './huge.js';
import type { Process } from './mm.js';
import { windowFor } from './mshare.js';

/** mprotect of pages [start, end), checked; `addr` and `length` as given, for the message. */
export function mprotect(
  proc: Process, start: number, end: number, prot: number, addr: bigint, length: bigint, maxMapCount = Infinity,
): void {
  if (start === end) return;
  const region = windowFor(proc, start, end, 'mprotect');
  const vmas = region ? region.host.vmas : proc.mm.vmas;
  if (!vmas.covers(start, end)) {
    throw new KernelError('ENOMEM', `[0x${addr.toString(16)}, +${length}) is not fully mapped`);
  }
  // The VMAs inside keep their number; the ones crossing the edges split.
  vmas.checkMapCount(start, end, vmas.overlapping(start, end).length, maxMapCount);
  // A shared hugetlb PMD table no longer matches the caller's flags: unshared for it alone.
  if (!region && vmas.overlapping(start, end).some((v) => v.pageShift === 9)) unshareRange(proc.mm.tree, start, end);
  vmas.protect(start, end, prot);
}
