// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

export interface MprotectRequest {
  'pid'?: (number);
  'addr'?: (number | string | Long);
  'length'?: (number | string | Long);
  'prot'?: (number);
}

export interface MprotectRequest__Output {
  'pid': (number);
  'addr': (string);
  'length': (string);
  'prot': (number);
}
