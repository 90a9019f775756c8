// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

export interface MunmapRequest {
  'pid'?: (number);
  'addr'?: (number | string | Long);
  'length'?: (number | string | Long);
}

export interface MunmapRequest__Output {
  'pid': (number);
  'addr': (string);
  'length': (string);
}
