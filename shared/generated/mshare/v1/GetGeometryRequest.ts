// Original file: proto/mshare/v1/broker.proto


export interface GetGeometryRequest {
}

export interface GetGeometryRequest__Output {
}
