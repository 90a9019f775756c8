/**
 * Access outcome counts: what a touch, a batch or a stream of them did. One type everywhere
 * (kernel, wire, worker, load test), so a sum is `add()`, never a hand-written field list.
 */
export interface AccessCounts {
  present: number;
  minorFault: number;
  sigsegv: number;
  sigbus: number;
  /** Link entries copied from a host first (find_shared_vma returning VM_FAULT_NOPAGE). */
  synced: number;
}

export const AccessCounts = Object.freeze({
  zero(): AccessCounts {
    return { present: 0, minorFault: 0, sigsegv: 0, sigbus: 0, synced: 0 };
  },
  /** Adds `b` into `a` and returns `a`. */
  add(a: AccessCounts, b: Readonly<AccessCounts>): AccessCounts {
    a.present += b.present;
    a.minorFault += b.minorFault;
    a.sigsegv += b.sigsegv;
    a.sigbus += b.sigbus;
    a.synced += b.synced;
    return a;
  },
  /** Accesses counted, whatever their outcome. */
  total(c: Readonly<AccessCounts>): number {
    return c.present + c.minorFault + c.sigsegv + c.sigbus;
  },
});

/**
 * A process's and the kernel's running totals (Prometheus counters read them): the access
 * outcomes, and the minor faults the unshared counterfactual took for the same accesses.
 */
export interface FaultCounters extends AccessCounts {
  unsharedMinorFaults: number;
}

export const FaultCounters = Object.freeze({
  zero(): FaultCounters {
    return { present: 0, minorFault: 0, sigsegv: 0, sigbus: 0, synced: 0, unsharedMinorFaults: 0 };
  },
});

/**
 * The exact running totals, 64-bit. The fault path counts into a FaultCounters of numbers (fast,
 * exact up to 2^53 within one call); the kernel folds it into these once per call (fold()), so
 * the totals stay exact past 2^53.
 */
export type ExactCounters = { [K in keyof FaultCounters]: bigint };

const COUNTER_KEYS = Object.freeze(Object.keys(FaultCounters.zero()) as (keyof FaultCounters)[]);

export const ExactCounters = Object.freeze({
  zero(): ExactCounters {
    return { present: 0n, minorFault: 0n, sigsegv: 0n, sigbus: 0n, synced: 0n, unsharedMinorFaults: 0n };
  },
  /** Adds `pending` into `exact` and zeroes `pending`. */
  fold(exact: ExactCounters, pending: FaultCounters): void {
    // Field by field, not a loop over the keys: once per call, and a keyed loop is megamorphic.
    if (pending.present !== 0) exact.present += BigInt(pending.present);
    if (pending.minorFault !== 0) exact.minorFault += BigInt(pending.minorFault);
    if (pending.sigsegv !== 0) exact.sigsegv += BigInt(pending.sigsegv);
    if (pending.sigbus !== 0) exact.sigbus += BigInt(pending.sigbus);
    if (pending.synced !== 0) exact.synced += BigInt(pending.synced);
    if (pending.unsharedMinorFaults !== 0) exact.unsharedMinorFaults += BigInt(pending.unsharedMinorFaults);
    pending.present = pending.minorFault = pending.sigsegv = pending.sigbus = pending.synced = pending.unsharedMinorFaults = 0;
  },
  /** exact + pending, without folding. */
  peek(exact: ExactCounters, pending: FaultCounters): ExactCounters {
    const out = ExactCounters.zero();
    for (const k of COUNTER_KEYS) out[k] = exact[k] + BigInt(pending[k]);
    return out;
  },
  /** As numbers (float64 past 2^53: for the float-valued readers, Prometheus and the typed shapes). */
  approx(c: ExactCounters): FaultCounters {
    const out = FaultCounters.zero();
    for (const k of COUNTER_KEYS) out[k] = Number(c[k]);
    return out;
  },
});
