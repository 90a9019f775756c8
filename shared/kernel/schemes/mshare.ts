import { HUGE_NONE } from '../huge.js';
import type { Scheme } from './scheme.js';

/** The RFC (mshare v1, January 2022): PGD entries link every sharer to the host mm's tables. */
export const mshare: Scheme = Object.freeze({
  name: 'mshare', linkLevel: 'top', windowKind: HUGE_NONE, thpAnon: false,
  source: 'mshare RFC v1 (Aziz, Wilcox, 2022-01): PGD links, mm/mshare.c find_shared_vma',
  vmpte: 'nothing for the window: the host holds every table below the PGD',
});
