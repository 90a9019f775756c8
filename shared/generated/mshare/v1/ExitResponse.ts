// Original file: proto/mshare/v1/broker.proto


export interface ExitResponse {
}

export interface ExitResponse__Output {
}
