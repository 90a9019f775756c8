// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * mmap(2)'s arguments.
 */
export interface MmapRequest {
  /**
   * The calling process.
   */
  'pid'?: (number);
  /**
   * The address asked for: a hint, or exact with MAP_FIXED; 0 lets the broker choose.
   */
  'addr'?: (number | string | Long);
  /**
   * Bytes to map, page-aligned and not 0.
   */
  'length'?: (number | string | Long);
  /**
   * PROT_READ | PROT_WRITE | PROT_EXEC, or 0 (PROT_NONE).
   */
  'prot'?: (number);
  /**
   * MAP_SHARED or MAP_PRIVATE, with MAP_FIXED and MAP_ANONYMOUS.
   */
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

/**
 * mmap(2)'s arguments.
 */
export interface MmapRequest__Output {
  /**
   * The calling process.
   */
  'pid': (number);
  /**
   * The address asked for: a hint, or exact with MAP_FIXED; 0 lets the broker choose.
   */
  'addr': (string);
  /**
   * Bytes to map, page-aligned and not 0.
   */
  'length': (string);
  /**
   * PROT_READ | PROT_WRITE | PROT_EXEC, or 0 (PROT_NONE).
   */
  'prot': (number);
  /**
   * MAP_SHARED or MAP_PRIVATE, with MAP_FIXED and MAP_ANONYMOUS.
   */
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
