// Original file: proto/mshare/v1/broker.proto


export interface ProcStatusRequest {
  'pid'?: (number);
}

export interface ProcStatusRequest__Output {
  'pid': (number);
}
