// Original file: proto/mshare/v1/broker.proto


/**
 * ReadRegion's request.
 */
export interface ReadRegionRequest {
  /**
   * The region's msharefs file name.
   */
  'name'?: (string);
}

/**
 * ReadRegion's request.
 */
export interface ReadRegionRequest__Output {
  /**
   * The region's msharefs file name.
   */
  'name': (string);
}
