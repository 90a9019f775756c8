// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

export interface MmapRequest {
  'pid'?: (number);
  'addr'?: (number | string | Long);
  'length'?: (number | string | Long);
  'prot'?: (number);
  'flags'?: (number);
  /**
   * Backing file name for a file mapping; empty with MAP_ANONYMOUS.
   */
  'file'?: (string);
  /**
   * The file offset in bytes (page-aligned; huge-page-aligned for hugetlb).
   */
  'offset'?: (number | string | Long);
}

export interface MmapRequest__Output {
  'pid': (number);
  'addr': (string);
  'length': (string);
  'prot': (number);
  'flags': (number);
  /**
   * Backing file name for a file mapping; empty with MAP_ANONYMOUS.
   */
  'file': (string);
  /**
   * The file offset in bytes (page-aligned; huge-page-aligned for hugetlb).
   */
  'offset': (string);
}
