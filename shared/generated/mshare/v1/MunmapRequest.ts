// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * munmap(2)'s arguments.
 */
export interface MunmapRequest {
  /**
   * The calling process.
   */
  'pid'?: (number);
  /**
   * Start of the range, page-aligned.
   */
  'addr'?: (number | string | Long);
  /**
   * Bytes to unmap, page-aligned and not 0.
   */
  'length'?: (number | string | Long);
}

/**
 * munmap(2)'s arguments.
 */
export interface MunmapRequest__Output {
  /**
   * The calling process.
   */
  'pid': (number);
  /**
   * Start of the range, page-aligned.
   */
  'addr': (string);
  /**
   * Bytes to unmap, page-aligned and not 0.
   */
  'length': (string);
}
