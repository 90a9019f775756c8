// Original file: proto/mshare/v1/broker.proto

import type { AccessKind as _mshare_v1_AccessKind, AccessKind__Output as _mshare_v1_AccessKind__Output } from '../../mshare/v1/AccessKind.js';

export interface AccessBatchRequest {
  'pid'?: (number);
  'kind'?: (_mshare_v1_AccessKind);
  /**
   * Little-endian u64 addresses; the length must be a multiple of 8.
   */
  'addrs'?: (Buffer | Uint8Array | string);
}

export interface AccessBatchRequest__Output {
  'pid': (number);
  'kind': (_mshare_v1_AccessKind__Output);
  /**
   * Little-endian u64 addresses; the length must be a multiple of 8.
   */
  'addrs': (Buffer);
}
