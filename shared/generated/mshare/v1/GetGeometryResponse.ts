// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The simulated machine's paging geometry.
 */
export interface GetGeometryResponse {
  /**
   * "x86_64-4level" or "x86_64-5level".
   */
  'name'?: (string);
  /**
   * Page-table levels: 4 or 5.
   */
  'levels'?: (number);
  /**
   * Bytes of a page and of a page-table page: 4096.
   */
  'page_size'?: (number);
  /**
   * addr and length of mshare() must be multiples of this (PGDIR_SIZE).
   */
  'mshare_alignment'?: (number | string | Long);
  /**
   * TASK_SIZE: user addresses are below it.
   */
  'user_address_limit'?: (number | string | Long);
  /**
   * Kernel names of the table at each level, leaf first: pte, pmd, pud, [p4d,] pgd.
   */
  'level_names'?: (string)[];
  /**
   * false when the broker runs without sharing (every process holds private tables).
   */
  'sharing'?: (boolean);
  /**
   * The sharing scheme: none, mshare, ptshare, hugetlb, hugetlb-1g or thp (MSHARE_SCHEME).
   */
  'scheme'?: (string);
  /**
   * Page-table isolation: each PGD is an 8 KiB (order-1) allocation.
   */
  'pti'?: (boolean);
  /**
   * Bytes of each mm's PGD: 4096, or 8192 under PTI.
   */
  'pgd_bytes'?: (number);
}

/**
 * The simulated machine's paging geometry.
 */
export interface GetGeometryResponse__Output {
  /**
   * "x86_64-4level" or "x86_64-5level".
   */
  'name': (string);
  /**
   * Page-table levels: 4 or 5.
   */
  'levels': (number);
  /**
   * Bytes of a page and of a page-table page: 4096.
   */
  'page_size': (number);
  /**
   * addr and length of mshare() must be multiples of this (PGDIR_SIZE).
   */
  'mshare_alignment': (string);
  /**
   * TASK_SIZE: user addresses are below it.
   */
  'user_address_limit': (string);
  /**
   * Kernel names of the table at each level, leaf first: pte, pmd, pud, [p4d,] pgd.
   */
  'level_names': (string)[];
  /**
   * false when the broker runs without sharing (every process holds private tables).
   */
  'sharing': (boolean);
  /**
   * The sharing scheme: none, mshare, ptshare, hugetlb, hugetlb-1g or thp (MSHARE_SCHEME).
   */
  'scheme': (string);
  /**
   * Page-table isolation: each PGD is an 8 KiB (order-1) allocation.
   */
  'pti': (boolean);
  /**
   * Bytes of each mm's PGD: 4096, or 8192 under PTI.
   */
  'pgd_bytes': (number);
}
