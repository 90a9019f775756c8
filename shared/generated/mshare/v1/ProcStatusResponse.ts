// Original file: proto/mshare/v1/broker.proto

import type { TableCounts as _mshare_v1_TableCounts, TableCounts__Output as _mshare_v1_TableCounts__Output } from '../../mshare/v1/TableCounts.js';
import type { Vma as _mshare_v1_Vma, Vma__Output as _mshare_v1_Vma__Output } from '../../mshare/v1/Vma.js';
import type { Long } from '@grpc/proto-loader';

/**
 * proc/PID/status of a simulated process, with the counterfactual beside each figure.
 */
export interface ProcStatusResponse {
  /**
   * The process id.
   */
  'pid'?: (number);
  /**
   * Its user id.
   */
  'uid'?: (number);
  /**
   * Its group id.
   */
  'gid'?: (number);
  /**
   * Its name (Spawn's comm).
   */
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
  /**
   * The same if none of its mappings were shared.
   */
  'unshared_pgd_bytes'?: (number | string | Long);
  /**
   * Its own table pages by level (a host's tables are the region's).
   */
  'tables'?: (_mshare_v1_TableCounts | null);
  /**
   * Minor faults it took.
   */
  'minor_faults'?: (number | string | Long);
  /**
   * Minor faults it would have taken with private tables.
   */
  'unshared_minor_faults'?: (number | string | Long);
  /**
   * Link entries synced from a host.
   */
  'syncs'?: (number | string | Long);
  /**
   * The regions it has attached (by msharefs name).
   */
  'regions'?: (string)[];
  /**
   * Its mappings, in address order.
   */
  'vmas'?: (_mshare_v1_Vma)[];
}

/**
 * proc/PID/status of a simulated process, with the counterfactual beside each figure.
 */
export interface ProcStatusResponse__Output {
  /**
   * The process id.
   */
  'pid': (number);
  /**
   * Its user id.
   */
  'uid': (number);
  /**
   * Its group id.
   */
  'gid': (number);
  /**
   * Its name (Spawn's comm).
   */
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
  /**
   * The same if none of its mappings were shared.
   */
  'unshared_pgd_bytes': (string);
  /**
   * Its own table pages by level (a host's tables are the region's).
   */
  'tables': (_mshare_v1_TableCounts__Output | null);
  /**
   * Minor faults it took.
   */
  'minor_faults': (string);
  /**
   * Minor faults it would have taken with private tables.
   */
  'unshared_minor_faults': (string);
  /**
   * Link entries synced from a host.
   */
  'syncs': (string);
  /**
   * The regions it has attached (by msharefs name).
   */
  'regions': (string)[];
  /**
   * Its mappings, in address order.
   */
  'vmas': (_mshare_v1_Vma__Output)[];
}
