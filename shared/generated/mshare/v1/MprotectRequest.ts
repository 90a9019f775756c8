// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * mprotect(2)'s arguments.
 */
export interface MprotectRequest {
  /**
   * The calling process.
   */
  'pid'?: (number);
  /**
   * Start of the range, page-aligned.
   */
  'addr'?: (number | string | Long);
  /**
   * Bytes of the range, page-aligned.
   */
  'length'?: (number | string | Long);
  /**
   * The new protection: PROT_READ | PROT_WRITE | PROT_EXEC, or 0.
   */
  'prot'?: (number);
}

/**
 * mprotect(2)'s arguments.
 */
export interface MprotectRequest__Output {
  /**
   * The calling process.
   */
  'pid': (number);
  /**
   * Start of the range, page-aligned.
   */
  'addr': (string);
  /**
   * Bytes of the range, page-aligned.
   */
  'length': (string);
  /**
   * The new protection: PROT_READ | PROT_WRITE | PROT_EXEC, or 0.
   */
  'prot': (number);
}
