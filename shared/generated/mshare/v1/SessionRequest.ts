// Original file: proto/mshare/v1/broker.proto

import type { SessionOpen as _mshare_v1_SessionOpen, SessionOpen__Output as _mshare_v1_SessionOpen__Output } from '../../mshare/v1/SessionOpen.js';
import type { SessionPing as _mshare_v1_SessionPing, SessionPing__Output as _mshare_v1_SessionPing__Output } from '../../mshare/v1/SessionPing.js';

/**
 * A message from the client on a Session stream.
 */
export interface SessionRequest {
  /**
   * Must be the first message, and only the first.
   */
  'open'?: (_mshare_v1_SessionOpen | null);
  /**
   * A liveness check, answered with `pong`.
   */
  'ping'?: (_mshare_v1_SessionPing | null);
  /**
   * Which message this is.
   */
  'msg'?: "open"|"ping";
}

/**
 * A message from the client on a Session stream.
 */
export interface SessionRequest__Output {
  /**
   * Must be the first message, and only the first.
   */
  'open'?: (_mshare_v1_SessionOpen__Output | null);
  /**
   * A liveness check, answered with `pong`.
   */
  'ping'?: (_mshare_v1_SessionPing__Output | null);
  /**
   * Which message this is.
   */
  'msg'?: "open"|"ping";
}
