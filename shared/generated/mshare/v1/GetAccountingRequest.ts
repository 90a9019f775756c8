// Original file: proto/mshare/v1/broker.proto


/**
 * GetAccounting's request: no fields.
 */
export interface GetAccountingRequest {
}

/**
 * GetAccounting's request: no fields.
 */
export interface GetAccountingRequest__Output {
}
