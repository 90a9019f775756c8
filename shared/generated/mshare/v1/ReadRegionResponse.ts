// Original file: proto/mshare/v1/broker.proto

import type { TableCounts as _mshare_v1_TableCounts, TableCounts__Output as _mshare_v1_TableCounts__Output } from '../../mshare/v1/TableCounts.js';
import type { Long } from '@grpc/proto-loader';

/**
 * An msharefs region file, as ReadRegion returns it and ListRegions lists it. (It was `Region`
 * until buf's RPC_RESPONSE_STANDARD_NAME; message names are not on the wire, so the bytes and
 * every client are unchanged.)
 */
export interface ReadRegionResponse {
  /**
   * The msharefs file name.
   */
  'name'?: (string);
  /**
   * Start of the shared range.
   */
  'start'?: (number | string | Long);
  /**
   * Bytes of the shared range.
   */
  'size'?: (number | string | Long);
  /**
   * Owner: the creator's uid.
   */
  'uid'?: (number);
  /**
   * Group: the creator's gid.
   */
  'gid'?: (number);
  /**
   * Permission bits of the region file (0..0o777).
   */
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
  /**
   * The host mm's table pages by level.
   */
  'tables'?: (_mshare_v1_TableCounts | null);
  /**
   * VMAs in the host mm.
   */
  'vma_count'?: (number);
}

/**
 * An msharefs region file, as ReadRegion returns it and ListRegions lists it. (It was `Region`
 * until buf's RPC_RESPONSE_STANDARD_NAME; message names are not on the wire, so the bytes and
 * every client are unchanged.)
 */
export interface ReadRegionResponse__Output {
  /**
   * The msharefs file name.
   */
  'name': (string);
  /**
   * Start of the shared range.
   */
  'start': (string);
  /**
   * Bytes of the shared range.
   */
  'size': (string);
  /**
   * Owner: the creator's uid.
   */
  'uid': (number);
  /**
   * Group: the creator's gid.
   */
  'gid': (number);
  /**
   * Permission bits of the region file (0..0o777).
   */
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
  /**
   * The host mm's table pages by level.
   */
  'tables': (_mshare_v1_TableCounts__Output | null);
  /**
   * VMAs in the host mm.
   */
  'vma_count': (number);
}
