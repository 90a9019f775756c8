// Original file: proto/mshare/v1/broker.proto

import type { AccessKind as _mshare_v1_AccessKind, AccessKind__Output as _mshare_v1_AccessKind__Output } from '../../mshare/v1/AccessKind.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Touch's arguments: a range accessed page by page.
 */
export interface TouchRequest {
  /**
   * The accessing process.
   */
  'pid'?: (number);
  /**
   * Start of the range.
   */
  'addr'?: (number | string | Long);
  /**
   * Bytes of the range.
   */
  'length'?: (number | string | Long);
  /**
   * Read, write or exec.
   */
  'kind'?: (_mshare_v1_AccessKind);
  /**
   * Access every stride_pages-th page; 0 means 1 (every page).
   */
  'stride_pages'?: (number | string | Long);
}

/**
 * Touch's arguments: a range accessed page by page.
 */
export interface TouchRequest__Output {
  /**
   * The accessing process.
   */
  'pid': (number);
  /**
   * Start of the range.
   */
  'addr': (string);
  /**
   * Bytes of the range.
   */
  'length': (string);
  /**
   * Read, write or exec.
   */
  'kind': (_mshare_v1_AccessKind__Output);
  /**
   * Access every stride_pages-th page; 0 means 1 (every page).
   */
  'stride_pages': (string);
}
