// Original file: proto/mshare/v1/broker.proto

import type { AccessKind as _mshare_v1_AccessKind, AccessKind__Output as _mshare_v1_AccessKind__Output } from '../../mshare/v1/AccessKind.js';
import type { Long } from '@grpc/proto-loader';

export interface TouchRequest {
  'pid'?: (number);
  'addr'?: (number | string | Long);
  'length'?: (number | string | Long);
  'kind'?: (_mshare_v1_AccessKind);
  /**
   * Access every stride_pages-th page; 0 means 1 (every page).
   */
  'stride_pages'?: (number | string | Long);
}

export interface TouchRequest__Output {
  'pid': (number);
  'addr': (string);
  'length': (string);
  'kind': (_mshare_v1_AccessKind__Output);
  /**
   * Access every stride_pages-th page; 0 means 1 (every page).
   */
  'stride_pages': (string);
}
