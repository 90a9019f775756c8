/**
 * A batch of addresses through the fault path one by one (an AccessStream batch, or
 * Kernel.accessBatch): the same figures as that many single accesses.
 */
import type { AccessCounts, FaultCounters } from './counts.js';
import { OUTCOME_MASK, SYNCED, type AccessPath, type KindCode } from './fault.js';
import { PAGE_SHIFT } from './geometry.js';
import type { Process } from './mm.js';
import { Outcome } from './uapi.js';

// Locals, for the batch loop (imported bindings cost a load and a check per use).
const { PRESENT, MINOR_FAULT, SIGSEGV, SIGBUS } = Outcome;
const [MASK, SYNCED_BIT, SHIFT] = [OUTCOME_MASK, SYNCED, PAGE_SHIFT];

/**
 * The batch path: `addrs` holds `n` little-endian u64 addresses. The outcome code of address i
 * is written to out[i] when `out` is given.
 */
export function accessBatch(path: AccessPath, proc: Process, kind: KindCode, addrs: Uint8Array, n: number,
  out: Uint8Array | undefined): AccessCounts {
  const words = addrs.byteOffset % 4 === 0
    ? new Uint32Array(addrs.buffer, addrs.byteOffset, n * 2)
    : new Uint32Array(new Uint8Array(addrs).buffer); // a copy (a Buffer's slice() is a view)
  // The fault path counted the faults and syncs (fault.ts); what changed nothing is counted here
  // in locals and added to the running counts once, also when the batch ends early (an OOM kill
  // of the caller, a panic): every access made is counted.
  let present = 0;
  let minorFault = 0;
  let sigsegv = 0;
  let sigbus = 0;
  let synced = 0;
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
      if ((r & SYNCED_BIT) !== 0) synced++;
    }
  } finally {
    addUnchanging(proc.counters, present, sigsegv, sigbus);
    addUnchanging(path.totals, present, sigsegv, sigbus);
  }
  return { present, minorFault, sigsegv, sigbus, synced };
}

/** Adds the accesses that changed nothing to running counts (the fault path counted the rest). */
function addUnchanging(c: FaultCounters, present: number, sigsegv: number, sigbus: number): void {
  c.present += present;
  c.sigsegv += sigsegv;
  c.sigbus += sigbus;
}

/**
 * Counts the code one access() returned, if it changed nothing, into the process's and the
 * kernel's running counts (Kernel.access), and returns it.
 */
export function countAccess(r: number, proc: FaultCounters, totals: FaultCounters): number {
  const outcome = r & MASK;
  const [present, sigsegv, sigbus] = [outcome === PRESENT ? 1 : 0, outcome === SIGSEGV ? 1 : 0, outcome === SIGBUS ? 1 : 0];
  addUnchanging(proc, present, sigsegv, sigbus);
  addUnchanging(totals, present, sigsegv, sigbus);
  return r;
}
