/**
 * Touch in pieces, so that no request holds the event loop for long: each piece is one kernel call
 * (validated, counted, whole) bounded by the work it does (shared/kernel/touch-piece.ts: segments
 * visited, VMAs and holes and a window's host VMAs, and PTE tables touched), not by its span, so a
 * touch over 30,000 small mappings is cut as surely as one over 256 GiB of tables. After SLICE_MS
 * of work the handler yields to the event loop (setImmediate) so other clients are answered in
 * between. A cancelled call (deadline, client gone) stops before its next piece: the pieces done
 * are counted, nothing after. The pages touched, and so the counts, are those of one kernel.touch().
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AccessCounts } from '../../shared/kernel/counts.js';
import { PAGE_SHIFT } from '../../shared/kernel/geometry.js';
import type { Kernel } from '../../shared/kernel/kernel.js';
import { PIECE_WORK, type TouchPiece } from '../../shared/kernel/touch-piece.js';
import type { AccessKind } from '../../shared/kernel/uapi.js';
import { touchPages } from '../../shared/kernel/validate.js';

/**
 * Work between two yields to the event loop, ms. A unary call takes a few loop turns in grpc-js
 * before its handler runs and its answer is written, each turn waiting for a slice: 1 ms keeps a
 * concurrent GetGeometry near 4 ms during a long Touch (14 ms at 4 ms slices).
 */
export const SLICE_MS = 1;

/** Pieces of work done by chunked touches since the process started (tests count them). */
export const touchPieces = { calls: 0, pieces: 0 };

export async function chunkedTouch(
  kernel: Kernel, pid: number, addr: bigint, length: bigint, kind: AccessKind, stride: number,
  cancelled: () => boolean = () => false, pieceWork = PIECE_WORK,
): Promise<AccessCounts> {
  const pages = touchPages(addr, length, stride); // EINVAL before anything, as the kernel would
  if (pages === null) return kernel.touch(pid, addr, length, kind, stride);
  const end = addr + length;
  const total = AccessCounts.zero();
  touchPieces.calls++;
  let at = addr;
  let sliceStart = performance.now();
  for (;;) {
    const piece: TouchPiece = { work: pieceWork, rest: -1 };
    AccessCounts.add(total, kernel.touch(pid, at, end - at, kind, stride, piece));
    touchPieces.pieces++;
    if (piece.rest < 0) break;
    at = BigInt(piece.rest) << BigInt(PAGE_SHIFT); // a page of the touch's series
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToLoop();
      if (cancelled()) break;
      sliceStart = performance.now();
    }
  }
  return total;
}
