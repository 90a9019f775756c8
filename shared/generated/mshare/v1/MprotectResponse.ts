// Original file: proto/mshare/v1/broker.proto


/**
 * mprotect(2)'s reply: no fields.
 */
export interface MprotectResponse {
}

/**
 * mprotect(2)'s reply: no fields.
 */
export interface MprotectResponse__Output {
}
