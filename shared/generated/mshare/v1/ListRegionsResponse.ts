// Original file: proto/mshare/v1/broker.proto

import type { Region as _mshare_v1_Region, Region__Output as _mshare_v1_Region__Output } from '../../mshare/v1/Region.js';

export interface ListRegionsResponse {
  'regions'?: (_mshare_v1_Region)[];
  /**
   * Pass as page_token for the next page; empty on the last page.
   */
  'next_page_token'?: (string);
}

export interface ListRegionsResponse__Output {
  'regions': (_mshare_v1_Region__Output)[];
  /**
   * Pass as page_token for the next page; empty on the last page.
   */
  'next_page_token': (string);
}
