// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

export interface SessionPong {
  'nonce'?: (number | string | Long);
}

export interface SessionPong__Output {
  'nonce': (string);
}
