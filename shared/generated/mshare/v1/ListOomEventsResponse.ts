// Original file: proto/mshare/v1/broker.proto

import type { OomEvent as _mshare_v1_OomEvent, OomEvent__Output as _mshare_v1_OomEvent__Output } from '../../mshare/v1/OomEvent.js';

export interface ListOomEventsResponse {
  /**
   * Oldest first.
   */
  'events'?: (_mshare_v1_OomEvent)[];
}

export interface ListOomEventsResponse__Output {
  /**
   * Oldest first.
   */
  'events': (_mshare_v1_OomEvent__Output)[];
}
