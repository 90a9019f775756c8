// Original file: proto/mshare/v1/broker.proto

import type { SessionOpen as _mshare_v1_SessionOpen, SessionOpen__Output as _mshare_v1_SessionOpen__Output } from '../../mshare/v1/SessionOpen.js';
import type { SessionPing as _mshare_v1_SessionPing, SessionPing__Output as _mshare_v1_SessionPing__Output } from '../../mshare/v1/SessionPing.js';

export interface SessionRequest {
  'open'?: (_mshare_v1_SessionOpen | null);
  'ping'?: (_mshare_v1_SessionPing | null);
  'msg'?: "open"|"ping";
}

export interface SessionRequest__Output {
  'open'?: (_mshare_v1_SessionOpen__Output | null);
  'ping'?: (_mshare_v1_SessionPing__Output | null);
  'msg'?: "open"|"ping";
}
