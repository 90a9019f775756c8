// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

export interface SessionPing {
  'nonce'?: (number | string | Long);
}

export interface SessionPing__Output {
  'nonce': (string);
}
