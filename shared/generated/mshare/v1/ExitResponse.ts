// Original file: proto/mshare/v1/broker.proto


/**
 * Exit's reply: no fields.
 */
export interface ExitResponse {
}

/**
 * Exit's reply: no fields.
 */
export interface ExitResponse__Output {
}
