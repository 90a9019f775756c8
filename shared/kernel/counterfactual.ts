/**
 * The counterfactual without a second walk where it can be had exactly: a mirror.
 *
 * In a sharing kernel each process keeps a counterfactual tree (Process.counterfactual): the
 * tables and pages its window accesses would have made without sharing. Keeping it costs a second
 * tree walk per access. But while one process is the only one populating a region's host, its
 * counterfactual pages and tables are exactly the host's: every host page was faulted (or filled)
 * by it, every page it faulted is in the host, and both trees grew by the same populates and fills
 * (a zap, which would apply different VMA rules to the two, ends the state first). That process
 * is the region's mirror: its own counterfactual tree stays empty, its unshared minor faults are
 * its host faults, and readers see the host's tree in its place (counterfactualView).
 *
 * A process becomes a region's mirror when the host and its own counterfactual are both empty
 * (claimMirror: nothing to compare). Anything that would make them differ ends it first
 * (breakMirror, which copies the host's tables into the mirror's tree): another process
 * populating the host, a zap of the host or of the mirror's counterfactual, the mirror's
 * counterfactual taking a page of anything else (counterfactualTree).
 */
import type { Process, Region } from './mm.js';
import { attachSubtree, cloneSubtree } from './pagetable/move.js';
import { countPresent } from './pagetable/range.js';
import type { PageTree } from './pagetable/tree.js';

function empty(tree: PageTree): boolean {
  if (tree.present !== 0) return false;
  for (let l = 1; l < tree.tables.length; l++) if (tree.tables[l] !== 0) return false;
  return true;
}

/**
 * Makes `proc` the mirror of `region` when the host and the process's counterfactual are both
 * empty (a previous mirror then has an empty counterfactual too, which its own tree already is).
 * Returns whether `proc` is the region's mirror.
 */
export function claimMirror(proc: Process, region: Region): boolean {
  if (region.mirror === proc) return true;
  if (proc.mirrorOf !== null || !empty(region.host.tree) || !empty(proc.counterfactual)) return false;
  if (region.mirror !== null) region.mirror.mirrorOf = null;
  region.mirror = proc;
  proc.mirrorOf = region;
  return true;
}

/** Ends the region's mirror, if any: its counterfactual tree becomes a copy of the host's. */
export function breakMirror(region: Region): void {
  const proc = region.mirror;
  if (proc === null) return;
  region.mirror = null;
  proc.mirrorOf = null;
  // The host's tree holds the region's tables only: copy each of its top-level entries.
  const host = region.host.tree;
  const top = host.top;
  const span = host.span[top];
  for (let page = Math.floor(region.start / span) * span; page < region.end; page += span) {
    const entry = host.entryAt(top, page);
    if (entry !== null) attachSubtree(proc.counterfactual, top, page, cloneSubtree(entry), countPresent(host, page, page + span));
  }
}

/** The process's counterfactual tree, up to date: call it before writing or zapping it. */
export function counterfactualTree(proc: Process): PageTree {
  if (proc.mirrorOf !== null) breakMirror(proc.mirrorOf);
  return proc.counterfactual;
}

/** The process's counterfactual as a tree to read (the host's while it mirrors one). */
export function counterfactualView(proc: Process): PageTree {
  return proc.mirrorOf !== null ? proc.mirrorOf.host.tree : proc.counterfactual;
}
