/**
 * The first piece of a long touch, bounded by the work it does rather than by its address span,
 * so that a caller who splits a touch (the broker, between event-loop turns) gets pieces of a few
 * milliseconds whatever the request's shape. A touch's cost is a visit per segment (a VMA, a hole
 * next to it, a host VMA inside a window: a binary search, a dispatch, the tables' walk from the
 * top) plus its tables (a PTE table per 2 MiB touched). Pieces end on pages of the touch's own
 * series (first, first + stride, ...), so the pieces' figures add up to one touch's.
 */
import type { Vma, VmaList } from './vma.js';

/** Pages under one PTE table. */
const PTE_PAGES = 512;
/**
 * Work units, about 8 ns each here: a page set in a partly filled PTE table is one, a PTE table
 * allocated or walked for a few pages 64, a segment's visit 64 (measured: ~0.4 us per one-page
 * mapping, ~0.5 us per PTE table at a stride of 512 pages, ~9 ns per page at a stride of 3). At a
 * stride of one page whole tables are filled at once, a GiB at a time where it can (the bench's
 * 300 GiB touch: 0.19 ms shared, 0.014 ms unshared, about 1 ns a table or less): an eighth of a
 * unit each, so the field case's 300 GiB touch is one piece, as atomic as it was before pieces.
 */
export const SEGMENT_WORK = 64;
const TABLE_WORK = 64;
/** PTE tables per unit of work at a stride of one page. */
const FILL_TABLES_PER_UNIT = 8;
/**
 * Work of one piece, about a quarter of a millisecond once the code is compiled (a few ms while it
 * is still cold, on a broker's first touches): 250 one-page mappings, 500 PTE tables at a stride of
 * 512 pages, 256 Ki PTE tables (512 GiB) at a stride of one page.
 */
export const PIECE_WORK = 1 << 15;

/** A work budget for one piece; the touch sets `rest`. */
export interface TouchPiece {
  /** Work units of the piece (PIECE_WORK; see SEGMENT_WORK for what a unit is). */
  work: number;
  /** Set by the touch: the first page of what is left, or -1 when the piece ended the touch. */
  rest: number;
}

interface Walk {
  origin: number;
  stride: number;
  left: number;
  /** The piece's first page: a cut must come after it. */
  start: number;
}

/**
 * The last page of the first piece of the touch first, first + stride, ... <= last (pages below
 * `limit` are weighed; past it a touch only counts SIGSEGVs). Sets piece.rest.
 */
export function pieceLast(vmas: VmaList, first: number, last: number, stride: number, limit: number, piece: TouchPiece): number {
  const w: Walk = { origin: first, stride, left: piece.work, start: first };
  const cut = cutIn(vmas, first, Math.min(last + 1, limit), w);
  piece.rest = cut < 0 || cut > last ? -1 : cut;
  return piece.rest < 0 ? last : cut - 1;
}

/** The first page of the series at or after `p`. */
function seriesAt(w: Walk, p: number): number {
  return w.origin + Math.ceil((p - w.origin) / w.stride) * w.stride;
}

/** Where [from, end) must be cut to stay within w.left (a page of the series), or -1: it fits. */
function cutIn(vmas: VmaList, from: number, end: number, w: Walk): number {
  const all = vmas.all();
  for (let i = vmas.indexAfter(from); i < all.length && all[i].start < end; i++) {
    const v: Vma = all[i];
    const f = seriesAt(w, Math.max(from, v.start));
    const segEnd = Math.min(v.end, end);
    if (f < segEnd && w.left < SEGMENT_WORK && f > w.start) return f; // no budget left for this visit
    w.left -= SEGMENT_WORK;
    if (f >= segEnd) continue; // no page of the series in it: a binary search only
    const cut = v.window === undefined ? cutTables(f, segEnd, w) : cutIn(v.window.host.vmas, f, segEnd, w);
    if (cut >= 0) return cut;
  }
  return -1;
}

/** cutIn within one segment's pages [f, end), f on the series: by PTE tables and pages touched. */
function cutTables(f: number, end: number, w: Walk): number {
  const stride = w.stride;
  const n = Math.ceil((end - f) / stride);
  const lastTouched = f + (n - 1) * stride;
  const tables = stride >= PTE_PAGES ? n : Math.floor(lastTouched / PTE_PAGES) - Math.floor(f / PTE_PAGES) + 1;
  // At stride 1 the tables inside are filled whole; the (at most two) partial ones at the edges cost a table's work.
  const work = stride === 1 ? Math.ceil(tables / FILL_TABLES_PER_UNIT) + TABLE_WORK : tables * TABLE_WORK + n;
  if (work <= w.left) {
    w.left -= work;
    return -1;
  }
  // The touched pages that fit in what is left (at least one, so that a piece always advances).
  const perPage = stride === 1 ? 1 / (PTE_PAGES * FILL_TABLES_PER_UNIT) : (TABLE_WORK * Math.min(stride, PTE_PAGES)) / PTE_PAGES + 1;
  const k = Math.max(1, Math.floor((w.left - (stride === 1 ? TABLE_WORK : 0)) / perPage));
  w.left = 0;
  const cut = f + k * stride;
  return cut < end ? cut : -1;
}
