// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One mapping of a process, as /proc/PID/maps shows it.
 */
export interface Vma {
  /**
   * Start address.
   */
  'start'?: (number | string | Long);
  /**
   * End address (exclusive).
   */
  'end'?: (number | string | Long);
  /**
   * PROT_* bits.
   */
  'prot'?: (number);
  /**
   * MAP_* bits.
   */
  'flags'?: (number);
  /**
   * Backing file name; empty for an anonymous mapping.
   */
  'file'?: (string);
  /**
   * The mshare region whose host mm holds this VMA; empty for a private VMA.
   */
  'region'?: (string);
  /**
   * Bytes one page-table entry maps: 4096, 2 MiB (hugetlb, THP) or 1 GiB (hugetlb).
   */
  'page_size'?: (number | string | Long);
}

/**
 * One mapping of a process, as /proc/PID/maps shows it.
 */
export interface Vma__Output {
  /**
   * Start address.
   */
  'start': (string);
  /**
   * End address (exclusive).
   */
  'end': (string);
  /**
   * PROT_* bits.
   */
  'prot': (number);
  /**
   * MAP_* bits.
   */
  'flags': (number);
  /**
   * Backing file name; empty for an anonymous mapping.
   */
  'file': (string);
  /**
   * The mshare region whose host mm holds this VMA; empty for a private VMA.
   */
  'region': (string);
  /**
   * Bytes one page-table entry maps: 4096, 2 MiB (hugetlb, THP) or 1 GiB (hugetlb).
   */
  'page_size': (string);
}
