// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * mmap(2)'s result.
 */
export interface MmapResponse {
  /**
   * The start of the new mapping.
   */
  'addr'?: (number | string | Long);
}

/**
 * mmap(2)'s result.
 */
export interface MmapResponse__Output {
  /**
   * The start of the new mapping.
   */
  'addr': (string);
}
