// Original file: proto/mshare/v1/broker.proto


/**
 * ProcStatus's request.
 */
export interface ProcStatusRequest {
  /**
   * The process to describe.
   */
  'pid'?: (number);
}

/**
 * ProcStatus's request.
 */
export interface ProcStatusRequest__Output {
  /**
   * The process to describe.
   */
  'pid': (number);
}
