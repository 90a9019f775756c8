// Original file: proto/mshare/v1/broker.proto

import type { TableCounts as _mshare_v1_TableCounts, TableCounts__Output as _mshare_v1_TableCounts__Output } from '../../mshare/v1/TableCounts.js';
import type { Long } from '@grpc/proto-loader';

/**
 * An msharefs region file.
 */
export interface Region {
  'name'?: (string);
  'start'?: (number | string | Long);
  'size'?: (number | string | Long);
  'uid'?: (number);
  'gid'?: (number);
  'mode'?: (number);
  /**
   * The access the creator asked for: O_RDONLY (0) or O_RDWR (2).
   */
  'access_mode'?: (number);
  /**
   * mshare() references not yet dropped by mshare_unlink().
   */
  'refcount'?: (number);
  /**
   * Live processes that map the range.
   */
  'mapped_processes'?: (number);
  /**
   * Host mm table bytes.
   */
  'pagetable_bytes'?: (number | string | Long);
  'tables'?: (_mshare_v1_TableCounts | null);
  'vma_count'?: (number);
}

/**
 * An msharefs region file.
 */
export interface Region__Output {
  'name': (string);
  'start': (string);
  'size': (string);
  'uid': (number);
  'gid': (number);
  'mode': (number);
  /**
   * The access the creator asked for: O_RDONLY (0) or O_RDWR (2).
   */
  'access_mode': (number);
  /**
   * mshare() references not yet dropped by mshare_unlink().
   */
  'refcount': (number);
  /**
   * Live processes that map the range.
   */
  'mapped_processes': (number);
  /**
   * Host mm table bytes.
   */
  'pagetable_bytes': (string);
  'tables': (_mshare_v1_TableCounts__Output | null);
  'vma_count': (number);
}
