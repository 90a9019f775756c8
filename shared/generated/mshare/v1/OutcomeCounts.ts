// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

export interface OutcomeCounts {
  'present'?: (number | string | Long);
  'minor_fault'?: (number | string | Long);
  'sigsegv'?: (number | string | Long);
  'sigbus'?: (number | string | Long);
}

export interface OutcomeCounts__Output {
  'present': (string);
  'minor_fault': (string);
  'sigsegv': (string);
  'sigbus': (string);
}
