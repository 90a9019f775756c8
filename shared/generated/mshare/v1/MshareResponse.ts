// Original file: proto/mshare/v1/broker.proto


export interface MshareResponse {
}

export interface MshareResponse__Output {
}
