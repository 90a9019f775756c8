import { THP_SHMEM } from '../huge.js';
import type { Scheme } from './scheme.js';

/**
 * Transparent huge pages on (enabled=always, shmem_enabled=always): the window is shared memory
 * mapped by 2 MiB PMD entries, nothing shared; private anonymous memory gets THP with its PTE
 * tables deposited.
 */
export const thp: Scheme = Object.freeze({
  name: 'thp', linkLevel: null, windowKind: THP_SHMEM, thpAnon: true,
  source: 'shmem THP (shmem_enabled=always: mm/shmem.c, mm/huge_memory.c)',
  vmpte: 'its PUD and PMD tables; no PTE tables where 2 MiB is mapped whole',
});
