// Original file: proto/mshare/v1/broker.proto

import type { AccessKind as _mshare_v1_AccessKind, AccessKind__Output as _mshare_v1_AccessKind__Output } from '../../mshare/v1/AccessKind.js';

/**
 * One batch of AccessStream: addresses accessed by one process. (It was `AccessBatchRequest`
 * until buf's RPC_REQUEST_STANDARD_NAME; the bytes on the wire are unchanged.)
 */
export interface AccessStreamRequest {
  /**
   * The accessing process.
   */
  'pid'?: (number);
  /**
   * Read, write or exec, for every address of the batch.
   */
  'kind'?: (_mshare_v1_AccessKind);
  /**
   * Little-endian u64 addresses; the length must be a multiple of 8.
   */
  'addrs'?: (Buffer | Uint8Array | string);
}

/**
 * One batch of AccessStream: addresses accessed by one process. (It was `AccessBatchRequest`
 * until buf's RPC_REQUEST_STANDARD_NAME; the bytes on the wire are unchanged.)
 */
export interface AccessStreamRequest__Output {
  /**
   * The accessing process.
   */
  'pid': (number);
  /**
   * Read, write or exec, for every address of the batch.
   */
  'kind': (_mshare_v1_AccessKind__Output);
  /**
   * Little-endian u64 addresses; the length must be a multiple of 8.
   */
  'addrs': (Buffer);
}
