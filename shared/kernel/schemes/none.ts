import { HUGE_NONE } from '../huge.js';
import type { Scheme } from './scheme.js';

/** Nothing shared: every process builds private 4 KiB tables (Linux today, without mshare). */
export const none: Scheme = Object.freeze({
  name: 'none', linkLevel: null, windowKind: HUGE_NONE, thpAnon: false,
  source: 'Linux 4 KiB pages, no sharing', vmpte: 'every PTE, PMD and PUD table of its own',
});
