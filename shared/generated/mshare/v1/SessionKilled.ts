// Original file: proto/mshare/v1/broker.proto


export interface SessionKilled {
  'pid'?: (number);
  /**
   * Why, as the kernel log says it (e.g. "Out of memory: Killed process 63 (client-62)").
   */
  'reason'?: (string);
}

export interface SessionKilled__Output {
  'pid': (number);
  /**
   * Why, as the kernel log says it (e.g. "Out of memory: Killed process 63 (client-62)").
   */
  'reason': (string);
}
