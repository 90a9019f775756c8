// Original file: proto/mshare/v1/broker.proto


/**
 * Opens a session.
 */
export interface SessionOpen {
  /**
   * Free text for logs (e.g. "worker-3").
   */
  'client_name'?: (string);
  /**
   * Resumes this session instead of opening a new one: a session of the same principal whose
   * stream ended (the client lost its connection, or the broker restarted with MSHARE_STATE_DIR)
   * and whose grace period has not run out. Its processes stay. ENOENT when there is none.
   */
  'resume_session_id'?: (string);
}

/**
 * Opens a session.
 */
export interface SessionOpen__Output {
  /**
   * Free text for logs (e.g. "worker-3").
   */
  'client_name': (string);
  /**
   * Resumes this session instead of opening a new one: a session of the same principal whose
   * stream ended (the client lost its connection, or the broker restarted with MSHARE_STATE_DIR)
   * and whose grace period has not run out. Its processes stay. ENOENT when there is none.
   */
  'resume_session_id': (string);
}
