// Original file: proto/mshare/v1/broker.proto


/**
 * GetGeometry's request: no fields.
 */
export interface GetGeometryRequest {
}

/**
 * GetGeometry's request: no fields.
 */
export interface GetGeometryRequest__Output {
}
