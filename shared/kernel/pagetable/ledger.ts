/**
 * Where table pages are allocated and freed. Every PageTree charges its tables to one ledger, so
 * a memory budget (a later memory limit) has one place to refuse a table page with ENOMEM.
 */

/** Table pages allocated and freed, by level (index = level). */
export interface TableLedger {
  allocate(level: number, count: number): void;
  free(level: number, count: number): void;
}

/** A ledger that records nothing: the counterfactual tables of the unshared world use no memory. */
export const COUNTERFACTUAL: TableLedger = Object.freeze({ allocate() {}, free() {} });

/** Counts every table page the simulated machine holds (private and host tables; PGDs aside). */
export class TableMemory implements TableLedger {
  /** Table pages in use, by level. */
  readonly pages: Float64Array;
  constructor(levels: number) {
    this.pages = new Float64Array(levels + 1);
  }
  allocate(level: number, count: number): void {
    this.pages[level] += count;
  }
  free(level: number, count: number): void {
    this.pages[level] -= count;
  }
}
