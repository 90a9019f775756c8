// Original file: proto/mshare/v1/broker.proto

import type { ReadRegionResponse as _mshare_v1_ReadRegionResponse, ReadRegionResponse__Output as _mshare_v1_ReadRegionResponse__Output } from '../../mshare/v1/ReadRegionResponse.js';

/**
 * The msharefs namespace.
 */
export interface ListRegionsResponse {
  /**
   * Every named region, as ReadRegion would return it.
   */
  'regions'?: (_mshare_v1_ReadRegionResponse)[];
}

/**
 * The msharefs namespace.
 */
export interface ListRegionsResponse__Output {
  /**
   * Every named region, as ReadRegion would return it.
   */
  'regions': (_mshare_v1_ReadRegionResponse__Output)[];
}
