// Original file: proto/mshare/v1/broker.proto

import type { OutcomeCounts as _mshare_v1_OutcomeCounts, OutcomeCounts__Output as _mshare_v1_OutcomeCounts__Output } from '../../mshare/v1/OutcomeCounts.js';
import type { Long } from '@grpc/proto-loader';

export interface TouchResponse {
  'counts'?: (_mshare_v1_OutcomeCounts | null);
  /**
   * Link entries synced from a host during the touch.
   */
  'synced'?: (number | string | Long);
}

export interface TouchResponse__Output {
  'counts': (_mshare_v1_OutcomeCounts__Output | null);
  /**
   * Link entries synced from a host during the touch.
   */
  'synced': (string);
}
