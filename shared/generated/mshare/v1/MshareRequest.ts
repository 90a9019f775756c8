// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * mshare()'s arguments.
 */
export interface MshareRequest {
  /**
   * The calling process.
   */
  'pid'?: (number);
  /**
   * msharefs file name: 1 to 255 bytes, no '/' or NUL, not "." or "..".
   */
  'name'?: (string);
  /**
   * Start of the shared range, a multiple of mshare_alignment.
   */
  'addr'?: (number | string | Long);
  /**
   * Bytes of the shared range, a multiple of mshare_alignment.
   */
  'length'?: (number | string | Long);
  /**
   * O_RDONLY or O_RDWR, with O_CREAT and O_EXCL.
   */
  'oflags'?: (number);
  /**
   * Permission bits of the region file (0..0o777), used when it is created.
   */
  'mode'?: (number);
}

/**
 * mshare()'s arguments.
 */
export interface MshareRequest__Output {
  /**
   * The calling process.
   */
  'pid': (number);
  /**
   * msharefs file name: 1 to 255 bytes, no '/' or NUL, not "." or "..".
   */
  'name': (string);
  /**
   * Start of the shared range, a multiple of mshare_alignment.
   */
  'addr': (string);
  /**
   * Bytes of the shared range, a multiple of mshare_alignment.
   */
  'length': (string);
  /**
   * O_RDONLY or O_RDWR, with O_CREAT and O_EXCL.
   */
  'oflags': (number);
  /**
   * Permission bits of the region file (0..0o777), used when it is created.
   */
  'mode': (number);
}
