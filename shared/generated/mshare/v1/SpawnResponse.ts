// Original file: proto/mshare/v1/broker.proto


export interface SpawnResponse {
  'pid'?: (number);
}

export interface SpawnResponse__Output {
  'pid': (number);
}
