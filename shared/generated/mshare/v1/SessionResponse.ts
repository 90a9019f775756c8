// Original file: proto/mshare/v1/broker.proto

import type { SessionOpened as _mshare_v1_SessionOpened, SessionOpened__Output as _mshare_v1_SessionOpened__Output } from '../../mshare/v1/SessionOpened.js';
import type { SessionPong as _mshare_v1_SessionPong, SessionPong__Output as _mshare_v1_SessionPong__Output } from '../../mshare/v1/SessionPong.js';
import type { SessionKilled as _mshare_v1_SessionKilled, SessionKilled__Output as _mshare_v1_SessionKilled__Output } from '../../mshare/v1/SessionKilled.js';

/**
 * A message from the broker on a Session stream.
 */
export interface SessionResponse {
  /**
   * The first reply: the session exists.
   */
  'opened'?: (_mshare_v1_SessionOpened | null);
  /**
   * The answer to a ping.
   */
  'pong'?: (_mshare_v1_SessionPong | null);
  /**
   * Sent unasked when the OOM killer killed one of the session's processes.
   */
  'killed'?: (_mshare_v1_SessionKilled | null);
  /**
   * Which message this is.
   */
  'msg'?: "opened"|"pong"|"killed";
}

/**
 * A message from the broker on a Session stream.
 */
export interface SessionResponse__Output {
  /**
   * The first reply: the session exists.
   */
  'opened'?: (_mshare_v1_SessionOpened__Output | null);
  /**
   * The answer to a ping.
   */
  'pong'?: (_mshare_v1_SessionPong__Output | null);
  /**
   * Sent unasked when the OOM killer killed one of the session's processes.
   */
  'killed'?: (_mshare_v1_SessionKilled__Output | null);
  /**
   * Which message this is.
   */
  'msg'?: "opened"|"pong"|"killed";
}
