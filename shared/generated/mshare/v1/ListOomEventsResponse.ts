// Original file: proto/mshare/v1/broker.proto

import type { OomEvent as _mshare_v1_OomEvent, OomEvent__Output as _mshare_v1_OomEvent__Output } from '../../mshare/v1/OomEvent.js';

/**
 * Every OOM kill since the broker started.
 */
export interface ListOomEventsResponse {
  /**
   * Oldest first.
   */
  'events'?: (_mshare_v1_OomEvent)[];
}

/**
 * Every OOM kill since the broker started.
 */
export interface ListOomEventsResponse__Output {
  /**
   * Oldest first.
   */
  'events': (_mshare_v1_OomEvent__Output)[];
}
