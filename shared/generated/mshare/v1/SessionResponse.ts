// Original file: proto/mshare/v1/broker.proto

import type { SessionOpened as _mshare_v1_SessionOpened, SessionOpened__Output as _mshare_v1_SessionOpened__Output } from '../../mshare/v1/SessionOpened.js';
import type { SessionPong as _mshare_v1_SessionPong, SessionPong__Output as _mshare_v1_SessionPong__Output } from '../../mshare/v1/SessionPong.js';

export interface SessionResponse {
  'opened'?: (_mshare_v1_SessionOpened | null);
  'pong'?: (_mshare_v1_SessionPong | null);
  'msg'?: "opened"|"pong";
}

export interface SessionResponse__Output {
  'opened'?: (_mshare_v1_SessionOpened__Output | null);
  'pong'?: (_mshare_v1_SessionPong__Output | null);
  'msg'?: "opened"|"pong";
}
