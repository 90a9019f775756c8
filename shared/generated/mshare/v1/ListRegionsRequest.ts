// Original file: proto/mshare/v1/broker.proto


/**
 * ListRegions' request: no fields.
 */
export interface ListRegionsRequest {
}

/**
 * ListRegions' request: no fields.
 */
export interface ListRegionsRequest__Output {
}
