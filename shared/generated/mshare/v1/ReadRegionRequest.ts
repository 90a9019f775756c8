// Original file: proto/mshare/v1/broker.proto


export interface ReadRegionRequest {
  'name'?: (string);
}

export interface ReadRegionRequest__Output {
  'name': (string);
}
