// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

export interface MshareRequest {
  'pid'?: (number);
  /**
   * msharefs file name: 1 to 255 bytes, no '/' or NUL, not "." or "..".
   */
  'name'?: (string);
  'addr'?: (number | string | Long);
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

export interface MshareRequest__Output {
  'pid': (number);
  /**
   * msharefs file name: 1 to 255 bytes, no '/' or NUL, not "." or "..".
   */
  'name': (string);
  'addr': (string);
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
