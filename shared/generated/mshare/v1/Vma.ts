// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

export interface Vma {
  'start'?: (number | string | Long);
  'end'?: (number | string | Long);
  'prot'?: (number);
  'flags'?: (number);
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

export interface Vma__Output {
  'start': (string);
  'end': (string);
  'prot': (number);
  'flags': (number);
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
