import { HUGETLB_1G } from '../huge.js';
import type { Scheme } from './scheme.js';

/** The window is a hugetlbfs file of 1 GiB pages: a PUD entry maps each page; nothing is shared. */
export const hugetlb1g: Scheme = Object.freeze({
  name: 'hugetlb-1g', linkLevel: null, windowKind: HUGETLB_1G, thpAnon: false,
  source: 'hugetlbfs 1 GiB pages (MAP_HUGE_1GB; PUD entries, mm/hugetlb.c)',
  vmpte: 'its PUD table only',
});
