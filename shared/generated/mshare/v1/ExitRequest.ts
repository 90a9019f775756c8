// Original file: proto/mshare/v1/broker.proto


/**
 * Exit's request.
 */
export interface ExitRequest {
  /**
   * The process to tear down.
   */
  'pid'?: (number);
}

/**
 * Exit's request.
 */
export interface ExitRequest__Output {
  /**
   * The process to tear down.
   */
  'pid': (number);
}
