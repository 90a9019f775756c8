// Original file: proto/mshare/v1/broker.proto


export interface SessionOpened {
  'session_id'?: (string);
  /**
   * How long after the stream ends the session's processes exit.
   */
  'grace_ms'?: (number);
}

export interface SessionOpened__Output {
  'session_id': (string);
  /**
   * How long after the stream ends the session's processes exit.
   */
  'grace_ms': (number);
}
