// Original file: proto/mshare/v1/broker.proto

import type { ReadRegionResponse as _mshare_v1_ReadRegionResponse, ReadRegionResponse__Output as _mshare_v1_ReadRegionResponse__Output } from '../../mshare/v1/ReadRegionResponse.js';

/**
 * The msharefs namespace.
 */
export interface ListRegionsResponse {
  /**
   * Named regions in name order, as ReadRegion would return them.
   */
  'regions'?: (_mshare_v1_ReadRegionResponse)[];
  /**
   * Pass as page_token for the next page; empty on the last page.
   */
  'next_page_token'?: (string);
}

/**
 * The msharefs namespace.
 */
export interface ListRegionsResponse__Output {
  /**
   * Named regions in name order, as ReadRegion would return them.
   */
  'regions': (_mshare_v1_ReadRegionResponse__Output)[];
  /**
   * Pass as page_token for the next page; empty on the last page.
   */
  'next_page_token': (string);
}
