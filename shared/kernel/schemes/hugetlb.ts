import { HUGETLB_2M } from '../huge.js';
import type { Scheme } from './scheme.js';

/** The window is a hugetlbfs file of 2 MiB pages: PMD tables shared per 1 GiB span (huge_pmd_share). */
export const hugetlb: Scheme = Object.freeze({
  name: 'hugetlb', linkLevel: null, windowKind: HUGETLB_2M, thpAnon: false,
  source: 'hugetlbfs 2 MiB pages with PMD sharing (mm/hugetlb.c huge_pmd_share, since 2006)',
  vmpte: 'its PUD table and every PMD table it maps, shared ones included; no PTE tables',
});
