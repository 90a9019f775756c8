// Original file: proto/mshare/v1/broker.proto

import type { OutcomeCounts as _mshare_v1_OutcomeCounts, OutcomeCounts__Output as _mshare_v1_OutcomeCounts__Output } from '../../mshare/v1/OutcomeCounts.js';
import type { SeedBaseline as _mshare_v1_SeedBaseline, SeedBaseline__Output as _mshare_v1_SeedBaseline__Output } from '../../mshare/v1/SeedBaseline.js';
import type { Long } from '@grpc/proto-loader';

/**
 * System-wide page-table accounting.
 */
export interface GetAccountingResponse {
  /**
   * The geometry's name (as GetGeometry's).
   */
  'geometry'?: (string);
  /**
   * false when the broker runs without sharing.
   */
  'sharing'?: (boolean);
  /**
   * Live processes.
   */
  'processes'?: (number);
  /**
   * Named regions in msharefs.
   */
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
  /**
   * Processes' own PTE + PMD + PUD (+ P4D) table bytes.
   */
  'private_table_bytes'?: (number | string | Long);
  /**
   * Host mms' table bytes, their PGDs included.
   */
  'host_table_bytes'?: (number | string | Long);
  /**
   * Processes' PGD bytes.
   */
  'pgd_bytes'?: (number | string | Long);
  /**
   * Minor faults of every process.
   */
  'minor_faults'?: (number | string | Long);
  /**
   * Minor faults with private tables everywhere.
   */
  'unshared_minor_faults'?: (number | string | Long);
  /**
   * Every access by outcome.
   */
  'accesses'?: (_mshare_v1_OutcomeCounts | null);
  /**
   * Link entries synced from hosts.
   */
  'syncs'?: (number | string | Long);
  /**
   * The RFC's figure for the broker's configured baseline.
   */
  'baseline'?: (_mshare_v1_SeedBaseline | null);
  /**
   * The sharing scheme the broker runs.
   */
  'scheme'?: (string);
}

/**
 * System-wide page-table accounting.
 */
export interface GetAccountingResponse__Output {
  /**
   * The geometry's name (as GetGeometry's).
   */
  'geometry': (string);
  /**
   * false when the broker runs without sharing.
   */
  'sharing': (boolean);
  /**
   * Live processes.
   */
  'processes': (number);
  /**
   * Named regions in msharefs.
   */
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
  /**
   * Processes' own PTE + PMD + PUD (+ P4D) table bytes.
   */
  'private_table_bytes': (string);
  /**
   * Host mms' table bytes, their PGDs included.
   */
  'host_table_bytes': (string);
  /**
   * Processes' PGD bytes.
   */
  'pgd_bytes': (string);
  /**
   * Minor faults of every process.
   */
  'minor_faults': (string);
  /**
   * Minor faults with private tables everywhere.
   */
  'unshared_minor_faults': (string);
  /**
   * Every access by outcome.
   */
  'accesses': (_mshare_v1_OutcomeCounts__Output | null);
  /**
   * Link entries synced from hosts.
   */
  'syncs': (string);
  /**
   * The RFC's figure for the broker's configured baseline.
   */
  'baseline': (_mshare_v1_SeedBaseline__Output | null);
  /**
   * The sharing scheme the broker runs.
   */
  'scheme': (string);
}
