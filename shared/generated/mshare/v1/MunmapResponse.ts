// Original file: proto/mshare/v1/broker.proto


export interface MunmapResponse {
}

export interface MunmapResponse__Output {
}
