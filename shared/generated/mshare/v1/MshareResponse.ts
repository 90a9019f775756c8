// Original file: proto/mshare/v1/broker.proto


/**
 * mshare()'s reply: no fields.
 */
export interface MshareResponse {
}

/**
 * mshare()'s reply: no fields.
 */
export interface MshareResponse__Output {
}
