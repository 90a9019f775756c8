// Original file: proto/mshare/v1/broker.proto


/**
 * mshare_unlink()'s reply: no fields.
 */
export interface MshareUnlinkResponse {
}

/**
 * mshare_unlink()'s reply: no fields.
 */
export interface MshareUnlinkResponse__Output {
}
