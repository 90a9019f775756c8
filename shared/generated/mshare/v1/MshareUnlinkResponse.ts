// Original file: proto/mshare/v1/broker.proto


export interface MshareUnlinkResponse {
}

export interface MshareUnlinkResponse__Output {
}
