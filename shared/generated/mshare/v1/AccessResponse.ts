// Original file: proto/mshare/v1/broker.proto

import type { AccessOutcome as _mshare_v1_AccessOutcome, AccessOutcome__Output as _mshare_v1_AccessOutcome__Output } from '../../mshare/v1/AccessOutcome.js';

export interface AccessResponse {
  'outcome'?: (_mshare_v1_AccessOutcome);
  /**
   * The process's link entry differed from the host's and was synced first (find_shared_vma).
   */
  'synced'?: (boolean);
}

export interface AccessResponse__Output {
  'outcome': (_mshare_v1_AccessOutcome__Output);
  /**
   * The process's link entry differed from the host's and was synced first (find_shared_vma).
   */
  'synced': (boolean);
}
