// Original file: proto/mshare/v1/broker.proto


export interface MprotectResponse {
}

export interface MprotectResponse__Output {
}
