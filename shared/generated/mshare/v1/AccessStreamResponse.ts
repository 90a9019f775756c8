// Original file: proto/mshare/v1/broker.proto

import type { OutcomeCounts as _mshare_v1_OutcomeCounts, OutcomeCounts__Output as _mshare_v1_OutcomeCounts__Output } from '../../mshare/v1/OutcomeCounts.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The answer to one AccessStream batch, in the order sent. (It was `AccessBatchResponse` until
 * buf's RPC_RESPONSE_STANDARD_NAME; the bytes on the wire are unchanged.)
 */
export interface AccessStreamResponse {
  /**
   * The batch's accesses by outcome.
   */
  'counts'?: (_mshare_v1_OutcomeCounts | null);
  /**
   * One byte per address, in order: 0 present, 1 minor fault, 2 SIGSEGV, 3 SIGBUS (the packed
   * codes; note they are not the AccessOutcome enum numbers, which reserve 0 for UNSPECIFIED).
   */
  'outcomes'?: (Buffer | Uint8Array | string);
  /**
   * Link entries synced from a host during the batch.
   */
  'synced'?: (number | string | Long);
}

/**
 * The answer to one AccessStream batch, in the order sent. (It was `AccessBatchResponse` until
 * buf's RPC_RESPONSE_STANDARD_NAME; the bytes on the wire are unchanged.)
 */
export interface AccessStreamResponse__Output {
  /**
   * The batch's accesses by outcome.
   */
  'counts': (_mshare_v1_OutcomeCounts__Output | null);
  /**
   * One byte per address, in order: 0 present, 1 minor fault, 2 SIGSEGV, 3 SIGBUS (the packed
   * codes; note they are not the AccessOutcome enum numbers, which reserve 0 for UNSPECIFIED).
   */
  'outcomes': (Buffer);
  /**
   * Link entries synced from a host during the batch.
   */
  'synced': (string);
}
