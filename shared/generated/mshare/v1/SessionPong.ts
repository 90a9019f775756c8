// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The answer to a ping.
 */
export interface SessionPong {
  /**
   * The ping's nonce.
   */
  'nonce'?: (number | string | Long);
}

/**
 * The answer to a ping.
 */
export interface SessionPong__Output {
  /**
   * The ping's nonce.
   */
  'nonce': (string);
}
