/**
 * Paging geometry of the simulated machine. Levels are numbered from the leaf: level 1 is a PTE
 * table (an entry maps one 4 KiB page), level 2 a PMD table, 3 a PUD table, 4 the PGD of 4-level
 * paging or the P4D of 5-level paging, 5 the PGD of 5-level paging.
 *
 * The core works in page numbers (address >> 12): the largest user page number of 5-level paging
 * is below 2^44, exact in a JS number, where byte addresses (up to 2^57) are not.
 */
import { einval } from './errors.js';

export const GEOMETRY_NAMES = ['x86_64-4level', 'x86_64-5level'] as const;
export type GeometryName = (typeof GEOMETRY_NAMES)[number];

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const ENTRY_BYTES = 8;
export const ENTRIES_PER_TABLE = 512;

export interface Geometry {
  readonly name: GeometryName;
  readonly levels: 4 | 5;
  readonly pageSize: number;
  /** Kernel names of the table at each level, index = level (index 0 unused). */
  readonly levelNames: readonly string[];
  /** Pages mapped by one entry of a table at `level` (index = level; level 1 -> 1 page). */
  readonly entrySpanPages: readonly number[];
  /** Pages covered by a whole table at `level` (512 entries). */
  readonly tableSpanPages: readonly number[];
  /** PGDIR_SIZE in pages: the span of one top-level entry. */
  readonly pgdirSpanPages: number;
  /** TASK_SIZE in pages: user addresses are below userLimitPages * 4 KiB. */
  readonly userLimitPages: number;
  /** TASK_SIZE in bytes (exact as a bigint). */
  readonly userLimitBytes: bigint;
}

function build(name: GeometryName, levels: 4 | 5): Geometry {
  const entrySpanPages = [0];
  const tableSpanPages = [0];
  for (let level = 1; level <= levels; level++) {
    entrySpanPages.push(ENTRIES_PER_TABLE ** (level - 1));
    tableSpanPages.push(ENTRIES_PER_TABLE ** level);
  }
  // x86-64 TASK_SIZE_MAX = (1 << (47 or 56)) - PAGE_SIZE: the top page stays unmapped (guard page).
  const vaBits = levels === 4 ? 47 : 56;
  const userLimitPages = 2 ** (vaBits - PAGE_SHIFT) - 1;
  return Object.freeze({
    name,
    levels,
    pageSize: PAGE_SIZE,
    levelNames: Object.freeze(levels === 4 ? ['', 'pte', 'pmd', 'pud', 'pgd'] : ['', 'pte', 'pmd', 'pud', 'p4d', 'pgd']),
    entrySpanPages: Object.freeze(entrySpanPages),
    tableSpanPages: Object.freeze(tableSpanPages),
    pgdirSpanPages: entrySpanPages[levels],
    userLimitPages,
    userLimitBytes: BigInt(userLimitPages) << BigInt(PAGE_SHIFT),
  });
}

const GEOMETRIES: ReadonlyMap<string, Geometry> = new Map([
  ['x86_64-4level', build('x86_64-4level', 4)],
  ['x86_64-5level', build('x86_64-5level', 5)],
]);

export function geometry(name: GeometryName | string = 'x86_64-4level'): Geometry {
  const g = GEOMETRIES.get(name);
  if (!g) throw einval(`unknown geometry '${name}': expected one of ${GEOMETRY_NAMES.join(', ')}`);
  return g;
}
