/**
 * The bytes every page tree of a kernel costs (pagetable/size.ts), and the table pages it
 * simulates: what a request's memory growth is judged against. Tests and benches only.
 */
import type { Kernel } from '../../shared/kernel/kernel.js';
import type { Process } from '../../shared/kernel/mm.js';
import type { CompactTree } from '../../shared/kernel/pagetable/compact.js';
import { compactBytes, treeBytes } from '../../shared/kernel/pagetable/size.js';
import type { PageTree } from '../../shared/kernel/pagetable/tree.js';

/** Every tree the kernel holds: processes' (and their counterfactuals'), hosts' and residents'. */
function treesOf(k: Kernel): PageTree[] {
  // The process table is private to the kernel: read it, never change it.
  const procs = Reflect.get(k, 'processes') as Map<number, Process>;
  const trees = new Set<PageTree>();
  for (const p of procs.values()) {
    trees.add(p.mm.tree);
    trees.add(p.counterfactual);
  }
  for (const r of k.hosts) {
    trees.add(r.host.tree);
    if (r.resident !== null) trees.add(r.resident);
  }
  return [...trees];
}

/** The processes' counterfactuals in compact form (their trees, then empty, are in treesOf). */
function compactsOf(k: Kernel): CompactTree[] {
  const procs = Reflect.get(k, 'processes') as Map<number, Process>;
  return [...procs.values()].flatMap((p) => (p.compact !== null ? [p.compact] : []));
}

export function kernelTableBytes(k: Kernel): number {
  let n = 0;
  for (const t of treesOf(k)) n += treeBytes(t);
  for (const c of compactsOf(k)) n += compactBytes(c);
  return n;
}

/** Table pages the machine holds (its ledger, PGDs apart): the simulated tables. */
export function simulatedTables(k: Kernel): number {
  let n = 0;
  for (const pages of k.memory.pages) n += pages;
  return n;
}

/** Tables every tree of the kernel holds, counterfactuals included (compact or not), each root counted once. */
export function kernelTreeTables(k: Kernel): number {
  let n = 0;
  for (const t of treesOf(k)) {
    n += 1;
    for (const pages of t.tables) n += pages;
  }
  // A compact form's tables, counted as its process's tree would hold them (its root is above).
  for (const c of compactsOf(k)) for (const pages of c.tables) n += pages;
  return n;
}
