// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Accesses counted by outcome.
 */
export interface OutcomeCounts {
  /**
   * Accesses that found the page present.
   */
  'present'?: (number | string | Long);
  /**
   * Accesses that took a minor fault.
   */
  'minor_fault'?: (number | string | Long);
  /**
   * Accesses that got SIGSEGV.
   */
  'sigsegv'?: (number | string | Long);
  /**
   * Accesses that got SIGBUS.
   */
  'sigbus'?: (number | string | Long);
}

/**
 * Accesses counted by outcome.
 */
export interface OutcomeCounts__Output {
  /**
   * Accesses that found the page present.
   */
  'present': (string);
  /**
   * Accesses that took a minor fault.
   */
  'minor_fault': (string);
  /**
   * Accesses that got SIGSEGV.
   */
  'sigsegv': (string);
  /**
   * Accesses that got SIGBUS.
   */
  'sigbus': (string);
}
