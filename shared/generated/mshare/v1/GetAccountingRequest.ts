// Original file: proto/mshare/v1/broker.proto


export interface GetAccountingRequest {
}

export interface GetAccountingRequest__Output {
}
