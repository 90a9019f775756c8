// Original file: proto/mshare/v1/broker.proto


/**
 * Spawn's reply.
 */
export interface SpawnResponse {
  /**
   * The new process's id (never 0).
   */
  'pid'?: (number);
}

/**
 * Spawn's reply.
 */
export interface SpawnResponse__Output {
  /**
   * The new process's id (never 0).
   */
  'pid': (number);
}
