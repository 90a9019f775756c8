// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

export interface MmapResponse {
  'addr'?: (number | string | Long);
}

export interface MmapResponse__Output {
  'addr': (string);
}
