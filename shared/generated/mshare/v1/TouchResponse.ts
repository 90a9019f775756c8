// Original file: proto/mshare/v1/broker.proto

import type { OutcomeCounts as _mshare_v1_OutcomeCounts, OutcomeCounts__Output as _mshare_v1_OutcomeCounts__Output } from '../../mshare/v1/OutcomeCounts.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Touch's result.
 */
export interface TouchResponse {
  /**
   * The touch's accesses by outcome.
   */
  'counts'?: (_mshare_v1_OutcomeCounts | null);
  /**
   * Link entries synced from a host during the touch.
   */
  'synced'?: (number | string | Long);
}

/**
 * Touch's result.
 */
export interface TouchResponse__Output {
  /**
   * The touch's accesses by outcome.
   */
  'counts': (_mshare_v1_OutcomeCounts__Output | null);
  /**
   * Link entries synced from a host during the touch.
   */
  'synced': (string);
}
