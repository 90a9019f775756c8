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
