// Original file: proto/mshare/v1/broker.proto


/**
 * A process of the session was killed by the OOM killer.
 */
export interface SessionKilled {
  /**
   * The killed process.
   */
  'pid'?: (number);
  /**
   * Why, as the kernel log says it (e.g. "Out of memory: Killed process 63 (client-62)").
   */
  'reason'?: (string);
}

/**
 * A process of the session was killed by the OOM killer.
 */
export interface SessionKilled__Output {
  /**
   * The killed process.
   */
  'pid': (number);
  /**
   * Why, as the kernel log says it (e.g. "Out of memory: Killed process 63 (client-62)").
   */
  'reason': (string);
}
