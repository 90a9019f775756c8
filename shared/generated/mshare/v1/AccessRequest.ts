// Original file: proto/mshare/v1/broker.proto

import type { AccessKind as _mshare_v1_AccessKind, AccessKind__Output as _mshare_v1_AccessKind__Output } from '../../mshare/v1/AccessKind.js';
import type { Long } from '@grpc/proto-loader';

export interface AccessRequest {
  'pid'?: (number);
  'addr'?: (number | string | Long);
  'kind'?: (_mshare_v1_AccessKind);
}

export interface AccessRequest__Output {
  'pid': (number);
  'addr': (string);
  'kind': (_mshare_v1_AccessKind__Output);
}
