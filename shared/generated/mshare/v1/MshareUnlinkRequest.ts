// Original file: proto/mshare/v1/broker.proto


export interface MshareUnlinkRequest {
  'pid'?: (number);
  'name'?: (string);
}

export interface MshareUnlinkRequest__Output {
  'pid': (number);
  'name': (string);
}
