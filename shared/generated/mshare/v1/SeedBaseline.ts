// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The RFC's closed-form figure for `clients` processes each mapping `sga_bytes` privately.
 */
export interface SeedBaseline {
  /**
   * Client processes of the baseline (the seed: 1500).
   */
  'clients'?: (number);
  /**
   * Bytes of the SGA each maps (the seed: 300 GiB).
   */
  'sga_bytes'?: (number | string | Long);
  /**
   * clients x sga / 4 KiB x 8 B: PTEs only.
   */
  'pte_bytes'?: (number | string | Long);
  /**
   * The same with the PMD and PUD tables each client would also hold.
   */
  'pte_with_upper_bytes'?: (number | string | Long);
}

/**
 * The RFC's closed-form figure for `clients` processes each mapping `sga_bytes` privately.
 */
export interface SeedBaseline__Output {
  /**
   * Client processes of the baseline (the seed: 1500).
   */
  'clients': (number);
  /**
   * Bytes of the SGA each maps (the seed: 300 GiB).
   */
  'sga_bytes': (string);
  /**
   * clients x sga / 4 KiB x 8 B: PTEs only.
   */
  'pte_bytes': (string);
  /**
   * The same with the PMD and PUD tables each client would also hold.
   */
  'pte_with_upper_bytes': (string);
}
