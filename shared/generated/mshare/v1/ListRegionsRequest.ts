// Original file: proto/mshare/v1/broker.proto


export interface ListRegionsRequest {
}

export interface ListRegionsRequest__Output {
}
