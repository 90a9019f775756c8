// Original file: proto/mshare/v1/broker.proto

import type { OutcomeCounts as _mshare_v1_OutcomeCounts, OutcomeCounts__Output as _mshare_v1_OutcomeCounts__Output } from '../../mshare/v1/OutcomeCounts.js';
import type { SeedBaseline as _mshare_v1_SeedBaseline, SeedBaseline__Output as _mshare_v1_SeedBaseline__Output } from '../../mshare/v1/SeedBaseline.js';
import type { Long } from '@grpc/proto-loader';

export interface GetAccountingResponse {
  'geometry'?: (string);
  'sharing'?: (boolean);
  'processes'?: (number);
  'regions'?: (number);
  /**
   * Host mms alive, including unlinked ones a process still maps.
   */
  'host_mms'?: (number);
  /**
   * Private tables + host tables + PGDs: /proc/meminfo PageTables.
   */
  'pagetable_bytes'?: (number | string | Long);
  /**
   * The same touches with every process holding private tables.
   */
  'unshared_pagetable_bytes'?: (number | string | Long);
  /**
   * unshared - actual; negative when the hosts' own tables outweigh what sharing saves.
   */
  'saved_bytes'?: (number | string | Long);
  /**
   * saved_bytes / unshared_pagetable_bytes, 0 when nothing is mapped.
   */
  'saved_ratio'?: (number | string);
  'private_table_bytes'?: (number | string | Long);
  'host_table_bytes'?: (number | string | Long);
  'pgd_bytes'?: (number | string | Long);
  'minor_faults'?: (number | string | Long);
  'unshared_minor_faults'?: (number | string | Long);
  'accesses'?: (_mshare_v1_OutcomeCounts | null);
  'syncs'?: (number | string | Long);
  'baseline'?: (_mshare_v1_SeedBaseline | null);
  /**
   * The sharing scheme the broker runs.
   */
  'scheme'?: (string);
}

export interface GetAccountingResponse__Output {
  'geometry': (string);
  'sharing': (boolean);
  'processes': (number);
  'regions': (number);
  /**
   * Host mms alive, including unlinked ones a process still maps.
   */
  'host_mms': (number);
  /**
   * Private tables + host tables + PGDs: /proc/meminfo PageTables.
   */
  'pagetable_bytes': (string);
  /**
   * The same touches with every process holding private tables.
   */
  'unshared_pagetable_bytes': (string);
  /**
   * unshared - actual; negative when the hosts' own tables outweigh what sharing saves.
   */
  'saved_bytes': (string);
  /**
   * saved_bytes / unshared_pagetable_bytes, 0 when nothing is mapped.
   */
  'saved_ratio': (number);
  'private_table_bytes': (string);
  'host_table_bytes': (string);
  'pgd_bytes': (string);
  'minor_faults': (string);
  'unshared_minor_faults': (string);
  'accesses': (_mshare_v1_OutcomeCounts__Output | null);
  'syncs': (string);
  'baseline': (_mshare_v1_SeedBaseline__Output | null);
  /**
   * The sharing scheme the broker runs.
   */
  'scheme': (string);
}
