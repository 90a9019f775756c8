// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A liveness check.
 */
export interface SessionPing {
  /**
   * Echoed in the pong.
   */
  'nonce'?: (number | string | Long);
}

/**
 * A liveness check.
 */
export interface SessionPing__Output {
  /**
   * Echoed in the pong.
   */
  'nonce': (string);
}
