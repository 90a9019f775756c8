// Original file: proto/mshare/v1/broker.proto


/**
 * ListOomEvents' request: no fields.
 */
export interface ListOomEventsRequest {
}

/**
 * ListOomEvents' request: no fields.
 */
export interface ListOomEventsRequest__Output {
}
