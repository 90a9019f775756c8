// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Page-table pages by level.
 */
export interface TableCounts {
  'pte'?: (number | string | Long);
  'pmd'?: (number | string | Long);
  'pud'?: (number | string | Long);
  /**
   * 5-level paging only.
   */
  'p4d'?: (number | string | Long);
  'pgd'?: (number | string | Long);
}

/**
 * Page-table pages by level.
 */
export interface TableCounts__Output {
  'pte': (string);
  'pmd': (string);
  'pud': (string);
  /**
   * 5-level paging only.
   */
  'p4d': (string);
  'pgd': (string);
}
