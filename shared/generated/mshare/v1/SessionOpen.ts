// Original file: proto/mshare/v1/broker.proto


/**
 * Opens a session.
 */
export interface SessionOpen {
  /**
   * Free text for logs (e.g. "worker-3").
   */
  'client_name'?: (string);
}

/**
 * Opens a session.
 */
export interface SessionOpen__Output {
  /**
   * Free text for logs (e.g. "worker-3").
   */
  'client_name': (string);
}
