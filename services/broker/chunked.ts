/**
 * Touch in chunks, so that no request holds the event loop for long: the range is cut at page
 * boundaries into pieces of CHUNK_TOUCHED_PAGES touched pages (stride x that many pages of address
 * space); each piece is one kernel call (validated, counted, whole), and after SLICE_MS of work the
 * handler yields to the event loop (setImmediate) so other clients are answered in between. A
 * cancelled call (deadline, client gone) stops before its next piece: the pieces done are
 * counted, nothing after. The pages touched, and so the counts, are those of one kernel.touch().
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AccessCounts } from '../../shared/kernel/counts.js';
import { PAGE_SHIFT } from '../../shared/kernel/geometry.js';
import type { Kernel } from '../../shared/kernel/kernel.js';
import type { AccessKind } from '../../shared/kernel/uapi.js';
import { touchPages } from '../../shared/kernel/validate.js';

/**
 * Touched pages per kernel call: 256 GiB of address space at stride 1. The kernel's cost grows
 * with the tables touched, not the span (holes cost little), so a fully mapped piece is ~128 Ki
 * PTE tables (a few ms) and a touch of the whole 4-level address space is 512 calls (~40 ms in
 * all, against ~1 ms in one call: the price of answering others in between).
 */
export const CHUNK_TOUCHED_PAGES = 1 << 26;
/** Work between two yields to the event loop, ms. */
export const SLICE_MS = 4;

export async function chunkedTouch(
  kernel: Kernel, pid: number, addr: bigint, length: bigint, kind: AccessKind, stride: number,
  cancelled: () => boolean = () => false, chunkPages = CHUNK_TOUCHED_PAGES,
): Promise<AccessCounts> {
  const pages = touchPages(addr, length, stride); // EINVAL before anything, as the kernel would
  const userLimit = kernel.geometry.userLimitBytes;
  if (pages === null || addr >= userLimit) return kernel.touch(pid, addr, length, kind, stride);
  const end = addr + length;
  const step = BigInt(chunkPages) * BigInt(stride) << BigInt(PAGE_SHIFT);
  const total = AccessCounts.zero();
  const firstPageStart = (addr >> BigInt(PAGE_SHIFT)) << BigInt(PAGE_SHIFT);
  let at = addr;
  let sliceStart = performance.now();
  while (at < end) {
    // Pieces end on page boundaries of the original sequence (first page + k x stride x chunk);
    // past the user address limit the rest is one call (no tables there, only SIGSEGV counts).
    const boundary = firstPageStart + (((at - firstPageStart) / step) + 1n) * step;
    const next = boundary >= userLimit || boundary >= end ? end : boundary;
    AccessCounts.add(total, kernel.touch(pid, at, next - at, kind, stride));
    at = next;
    if (at < end && performance.now() - sliceStart >= SLICE_MS) {
      await yieldToLoop();
      if (cancelled()) break;
      sliceStart = performance.now();
    }
  }
  return total;
}
