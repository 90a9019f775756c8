// Original file: proto/mshare/v1/broker.proto

import type { OutcomeCounts as _mshare_v1_OutcomeCounts, OutcomeCounts__Output as _mshare_v1_OutcomeCounts__Output } from '../../mshare/v1/OutcomeCounts.js';
import type { Long } from '@grpc/proto-loader';

export interface AccessBatchResponse {
  'counts'?: (_mshare_v1_OutcomeCounts | null);
  /**
   * One byte per address, in order: 0 present, 1 minor fault, 2 SIGSEGV, 3 SIGBUS (the packed
   * codes; note they are not the AccessOutcome enum numbers, which reserve 0 for UNSPECIFIED).
   */
  'outcomes'?: (Buffer | Uint8Array | string);
  'synced'?: (number | string | Long);
}

export interface AccessBatchResponse__Output {
  'counts': (_mshare_v1_OutcomeCounts__Output | null);
  /**
   * One byte per address, in order: 0 present, 1 minor fault, 2 SIGSEGV, 3 SIGBUS (the packed
   * codes; note they are not the AccessOutcome enum numbers, which reserve 0 for UNSPECIFIED).
   */
  'outcomes': (Buffer);
  'synced': (string);
}
