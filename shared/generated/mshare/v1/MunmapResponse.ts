// Original file: proto/mshare/v1/broker.proto


/**
 * munmap(2)'s reply: no fields.
 */
export interface MunmapResponse {
}

/**
 * munmap(2)'s reply: no fields.
 */
export interface MunmapResponse__Output {
}
