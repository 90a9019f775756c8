// Original file: proto/mshare/v1/broker.proto

import type { AccessKind as _mshare_v1_AccessKind, AccessKind__Output as _mshare_v1_AccessKind__Output } from '../../mshare/v1/AccessKind.js';
import type { Long } from '@grpc/proto-loader';

/**
 * One access's arguments.
 */
export interface AccessRequest {
  /**
   * The accessing process.
   */
  'pid'?: (number);
  /**
   * The virtual address accessed.
   */
  'addr'?: (number | string | Long);
  /**
   * Read, write or exec.
   */
  'kind'?: (_mshare_v1_AccessKind);
}

/**
 * One access's arguments.
 */
export interface AccessRequest__Output {
  /**
   * The accessing process.
   */
  'pid': (number);
  /**
   * The virtual address accessed.
   */
  'addr': (string);
  /**
   * Read, write or exec.
   */
  'kind': (_mshare_v1_AccessKind__Output);
}
