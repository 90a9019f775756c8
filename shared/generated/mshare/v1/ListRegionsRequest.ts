// Original file: proto/mshare/v1/broker.proto


/**
 * ListRegions' request: one page of the namespace (AIP-158).
 */
export interface ListRegionsRequest {
  /**
   * At most this many regions (0: 100; above 1000: 1000).
   */
  'page_size'?: (number);
  /**
   * next_page_token of the previous page; empty for the first page.
   */
  'page_token'?: (string);
}

/**
 * ListRegions' request: one page of the namespace (AIP-158).
 */
export interface ListRegionsRequest__Output {
  /**
   * At most this many regions (0: 100; above 1000: 1000).
   */
  'page_size': (number);
  /**
   * next_page_token of the previous page; empty for the first page.
   */
  'page_token': (string);
}
