/**
 * Subtree moves between trees, for mshare: the creator's tables under each link entry leave its
 * tree (detach) for the host's (attach), and a copy (clone) stays behind as its counterfactual.
 * Tables leave one tree's ledger and enter the other's, so the machine's count is unchanged.
 */
import { ENTRIES_PER_TABLE } from '../geometry.js';
import { freePte, releaseSubtree } from './range.js';
import {
  DirTable, PmdTable, PteTable, isFull, pteEntry, type DirEntry, type Entry, type Full, type PageTree,
} from './tree.js';

const ENTRIES = ENTRIES_PER_TABLE;

/** A detached subtree and the present pages under it. */
export interface Detached {
  entry: Entry;
  present: number;
}

const NOTHING: Readonly<Detached> = Object.freeze({ entry: null, present: 0 });

/** Detaches the subtree under the entry of `level` for `page`; its tables leave the tree's ledger. */
export function detachSubtree(tree: PageTree, level: number, page: number): Readonly<Detached> {
  const parent = tree.tableAt(level, page, false);
  if (parent === null) return NOTHING;
  const idx = tree.index(page, level);
  if (parent instanceof PmdTable) {
    const entry = pteEntry(parent, idx);
    if (entry === null) return NOTHING;
    tree.invalidate();
    const present = parent.pteCount(idx);
    freePte(tree, parent, idx);
    return { entry, present };
  }
  const entry = parent.children[idx];
  if (entry === null) return NOTHING;
  tree.invalidate();
  const present = releaseSubtree(tree, entry, level - 1);
  tree.present -= present;
  if (isFull(entry)) parent.fullCount--;
  parent.children[idx] = null;
  return { entry, present };
}

/** Inserts a detached subtree under the (empty) entry of `level` for `page`, charging its tables. */
export function attachSubtree(tree: PageTree, level: number, page: number, entry: Entry, present: number): void {
  if (entry === null) return;
  const parent = tree.tableAt(level, page, true);
  const idx = tree.index(page, level);
  if (parent instanceof PmdTable) {
    if (parent.hasPte(idx)) throw new Error('attach: entry is not empty');
    if (!isFull(entry) && !(entry instanceof PteTable)) throw new Error('attach: only a PTE table goes into a PMD table');
    tree.invalidate();
    tree.allocate(1, 1);
    parent.setPte(idx, entry);
    tree.present += present;
    return;
  }
  if (parent.children[idx] !== null) throw new Error('attach: entry is not empty');
  if (entry instanceof PteTable) throw new Error('attach: a PTE table goes into a PMD table');
  tree.invalidate();
  chargeSubtree(tree, entry, level - 1);
  parent.children[idx] = entry;
  if (isFull(entry)) parent.fullCount++;
  tree.present += present;
}

/** Charges every table of a subtree entering the tree (its root a table of `level` >= 2). */
function chargeSubtree(tree: PageTree, entry: PmdTable | DirTable | Full, level: number): void {
  if (isFull(entry)) {
    tree.allocateFull(level);
    return;
  }
  tree.allocate(level, 1);
  if (entry instanceof PmdTable) {
    tree.allocate(1, entry.pteTables());
    return;
  }
  for (const child of entry.children) if (child !== null) chargeSubtree(tree, child, level - 1);
}

/** A deep copy of a subtree (its tables are charged when the copy is attached). */
export function cloneSubtree(entry: DirEntry): DirEntry;
export function cloneSubtree(entry: Entry): Entry;
export function cloneSubtree(entry: Entry): Entry {
  if (entry === null || isFull(entry)) return entry;
  if (entry instanceof PteTable) {
    const copy = new PteTable();
    copy.bits.set(entry.bits);
    copy.count = entry.count;
    return copy;
  }
  if (entry instanceof PmdTable) return entry.clone();
  const copy = new DirTable();
  copy.fullCount = entry.fullCount;
  for (let i = 0; i < ENTRIES; i++) copy.children[i] = cloneSubtree(entry.children[i]);
  return copy;
}
