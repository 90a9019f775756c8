// Original file: proto/mshare/v1/broker.proto


export interface ExitRequest {
  'pid'?: (number);
}

export interface ExitRequest__Output {
  'pid': (number);
}
