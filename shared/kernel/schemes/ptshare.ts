import { HUGE_NONE } from '../huge.js';
import type { Scheme } from './scheme.js';

/** The ptshare RFC (2022-12, 2023-04): PMD entries point at the host's PTE tables; 2 MiB alignment. */
export const ptshare: Scheme = Object.freeze({
  name: 'ptshare', linkLevel: 2, windowKind: HUGE_NONE, thpAnon: false,
  source: 'ptshare RFC (MAP_SHARED_PT, 2022-12/2023-04): PMD links to the host\'s PTE tables',
  vmpte: 'its own PMD and PUD tables; the PTE tables are the host\'s',
});
