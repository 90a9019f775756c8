// Original file: proto/mshare/v1/broker.proto


export interface ListOomEventsRequest {
}

export interface ListOomEventsRequest__Output {
}
