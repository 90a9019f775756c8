// Original file: proto/mshare/v1/broker.proto

import type { AccessOutcome as _mshare_v1_AccessOutcome, AccessOutcome__Output as _mshare_v1_AccessOutcome__Output } from '../../mshare/v1/AccessOutcome.js';

/**
 * One access's result.
 */
export interface AccessResponse {
  /**
   * What the access came to (a fault outcome is a result, not an error).
   */
  'outcome'?: (_mshare_v1_AccessOutcome);
  /**
   * The process's link entry differed from the host's and was synced first (find_shared_vma).
   */
  'synced'?: (boolean);
}

/**
 * One access's result.
 */
export interface AccessResponse__Output {
  /**
   * What the access came to (a fault outcome is a result, not an error).
   */
  'outcome': (_mshare_v1_AccessOutcome__Output);
  /**
   * The process's link entry differed from the host's and was synced first (find_shared_vma).
   */
  'synced': (boolean);
}
