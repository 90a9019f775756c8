/** The sharing schemes by name: adding one is a module and a line here. */
import { einval } from '../errors.js';
import { hugetlb1g } from './hugetlb-1g.js';
import { hugetlb } from './hugetlb.js';
import { mshare } from './mshare.js';
import { none } from './none.js';
import { ptshare } from './ptshare.js';
import type { Scheme } from './scheme.js';
import { thp } from './thp.js';

export type { Scheme } from './scheme.js';

export const SCHEMES: readonly Scheme[] = Object.freeze([none, mshare, ptshare, hugetlb, hugetlb1g, thp]);
export const SCHEME_NAMES: readonly string[] = Object.freeze(SCHEMES.map((s) => s.name));

export function scheme(name: string): Scheme {
  const s = SCHEMES.find((x) => x.name === name);
  if (s === undefined) throw einval(`unknown scheme '${name}': expected one of ${SCHEME_NAMES.join(', ')}`);
  return s;
}
