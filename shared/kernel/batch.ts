/**
 * A batch of addresses through the fault path one by one (an AccessStream batch, or
 * Kernel.accessBatch): the same figures as that many single accesses.
 */
import { AccessCounts, type FaultCounters } from './counts.js';
import { OUTCOME_MASK, SYNCED, UNSHARED_FAULT, type AccessPath, type KindCode } from './fault.js';
import { PAGE_SHIFT } from './geometry.js';
import type { Process } from './mm.js';
import { Outcome } from './uapi.js';

// Locals, for the batch loop (imported bindings cost a load and a check per use).
const { PRESENT, MINOR_FAULT, SIGSEGV } = Outcome;
const [MASK, SYNCED_BIT, UNSHARED_BIT, SHIFT] = [OUTCOME_MASK, SYNCED, UNSHARED_FAULT, PAGE_SHIFT];

/**
 * The batch path: `addrs` holds `n` little-endian u64 addresses. The outcome code of address i
 * is written to out[i] when `out` is given.
 */
export function accessBatch(path: AccessPath, proc: Process, kind: KindCode, addrs: Uint8Array, n: number,
  out: Uint8Array | undefined): AccessCounts {
  const words = addrs.byteOffset % 4 === 0
    ? new Uint32Array(addrs.buffer, addrs.byteOffset, n * 2)
    : new Uint32Array(new Uint8Array(addrs).buffer); // a copy (a Buffer's slice() is a view)
  // Counted in locals and added to the running totals once, also when the batch ends early (an
  // OOM kill of the caller, a panic): what was done is counted.
  let present = 0;
  let minorFault = 0;
  let sigsegv = 0;
  let sigbus = 0;
  let synced = 0;
  let unshared = 0;
  try {
    for (let i = 0; i < n; i++) {
      // Below 2^52 for any u64 address, so exact; the fault path compares it with TASK_SIZE.
      const page = words[2 * i + 1] * 0x100000 + (words[2 * i] >>> SHIFT);
      const r = path.access(proc, page, kind);
      const outcome = r & MASK;
      if (out !== undefined) out[i] = outcome;
      if (outcome === PRESENT) present++;
      else if (outcome === MINOR_FAULT) minorFault++;
      else if (outcome === SIGSEGV) sigsegv++;
      else sigbus++;
      if (r > MASK) {
        if ((r & SYNCED_BIT) !== 0) synced++;
        if ((r & UNSHARED_BIT) !== 0) unshared++;
      }
    }
  } finally {
    const counts = { present, minorFault, sigsegv, sigbus, synced };
    AccessCounts.add(proc.counters, counts);
    AccessCounts.add(path.totals, counts);
    proc.counters.unsharedMinorFaults += unshared;
    path.totals.unsharedMinorFaults += unshared;
  }
  return { present, minorFault, sigsegv, sigbus, synced };
}

/** Adds the code one access() returned to running counts (Kernel.access: the process's, the kernel's). */
export function countAccess(r: number, ...into: FaultCounters[]): void {
  const outcome = r & MASK;
  for (const c of into) {
    if (outcome === PRESENT) c.present++;
    else if (outcome === MINOR_FAULT) c.minorFault++;
    else if (outcome === SIGSEGV) c.sigsegv++;
    else c.sigbus++;
    if ((r & SYNCED_BIT) !== 0) c.synced++;
    if ((r & UNSHARED_BIT) !== 0) c.unsharedMinorFaults++;
  }
}
