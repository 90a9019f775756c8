// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Page-table pages by level.
 */
export interface TableCounts {
  /**
   * Leaf tables (each maps 2 MiB).
   */
  'pte'?: (number | string | Long);
  /**
   * Page middle directories (each spans 1 GiB).
   */
  'pmd'?: (number | string | Long);
  /**
   * Page upper directories (each spans 512 GiB).
   */
  'pud'?: (number | string | Long);
  /**
   * 5-level paging only.
   */
  'p4d'?: (number | string | Long);
  /**
   * Page global directories: one per mm.
   */
  'pgd'?: (number | string | Long);
}

/**
 * Page-table pages by level.
 */
export interface TableCounts__Output {
  /**
   * Leaf tables (each maps 2 MiB).
   */
  'pte': (string);
  /**
   * Page middle directories (each spans 1 GiB).
   */
  'pmd': (string);
  /**
   * Page upper directories (each spans 512 GiB).
   */
  'pud': (string);
  /**
   * 5-level paging only.
   */
  'p4d': (string);
  /**
   * Page global directories: one per mm.
   */
  'pgd': (string);
}
