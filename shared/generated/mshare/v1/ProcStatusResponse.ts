// Original file: proto/mshare/v1/broker.proto

import type { TableCounts as _mshare_v1_TableCounts, TableCounts__Output as _mshare_v1_TableCounts__Output } from '../../mshare/v1/TableCounts.js';
import type { Vma as _mshare_v1_Vma, Vma__Output as _mshare_v1_Vma__Output } from '../../mshare/v1/Vma.js';
import type { Long } from '@grpc/proto-loader';

export interface ProcStatusResponse {
  'pid'?: (number);
  'uid'?: (number);
  'gid'?: (number);
  'comm'?: (string);
  /**
   * VmPTE: PTE + PMD + PUD table pages of this mm, in bytes.
   */
  'vmpte_bytes'?: (number | string | Long);
  /**
   * The same if none of its mappings were shared.
   */
  'unshared_vmpte_bytes'?: (number | string | Long);
  /**
   * PGD (+ P4D) bytes: not in VmPTE, in /proc/meminfo PageTables.
   */
  'pgd_bytes'?: (number | string | Long);
  'unshared_pgd_bytes'?: (number | string | Long);
  'tables'?: (_mshare_v1_TableCounts | null);
  'minor_faults'?: (number | string | Long);
  'unshared_minor_faults'?: (number | string | Long);
  'syncs'?: (number | string | Long);
  'regions'?: (string)[];
  'vmas'?: (_mshare_v1_Vma)[];
}

export interface ProcStatusResponse__Output {
  'pid': (number);
  'uid': (number);
  'gid': (number);
  'comm': (string);
  /**
   * VmPTE: PTE + PMD + PUD table pages of this mm, in bytes.
   */
  'vmpte_bytes': (string);
  /**
   * The same if none of its mappings were shared.
   */
  'unshared_vmpte_bytes': (string);
  /**
   * PGD (+ P4D) bytes: not in VmPTE, in /proc/meminfo PageTables.
   */
  'pgd_bytes': (string);
  'unshared_pgd_bytes': (string);
  'tables': (_mshare_v1_TableCounts__Output | null);
  'minor_faults': (string);
  'unshared_minor_faults': (string);
  'syncs': (string);
  'regions': (string)[];
  'vmas': (_mshare_v1_Vma__Output)[];
}
