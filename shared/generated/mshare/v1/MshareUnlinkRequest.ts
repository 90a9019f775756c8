// Original file: proto/mshare/v1/broker.proto


/**
 * mshare_unlink()'s arguments.
 */
export interface MshareUnlinkRequest {
  /**
   * The calling process.
   */
  'pid'?: (number);
  /**
   * The region's msharefs file name.
   */
  'name'?: (string);
}

/**
 * mshare_unlink()'s arguments.
 */
export interface MshareUnlinkRequest__Output {
  /**
   * The calling process.
   */
  'pid': (number);
  /**
   * The region's msharefs file name.
   */
  'name': (string);
}
