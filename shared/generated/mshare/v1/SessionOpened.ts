// Original file: proto/mshare/v1/broker.proto


/**
 * The session exists.
 */
export interface SessionOpened {
  /**
   * Pass it to Spawn to tie processes to this session.
   */
  'session_id'?: (string);
  /**
   * How long after the stream ends the session's processes exit.
   */
  'grace_ms'?: (number);
}

/**
 * The session exists.
 */
export interface SessionOpened__Output {
  /**
   * Pass it to Spawn to tie processes to this session.
   */
  'session_id': (string);
  /**
   * How long after the stream ends the session's processes exit.
   */
  'grace_ms': (number);
}
