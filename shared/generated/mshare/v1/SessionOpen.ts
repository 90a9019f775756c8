// Original file: proto/mshare/v1/broker.proto


export interface SessionOpen {
  /**
   * Free text for logs (e.g. "worker-3").
   */
  'client_name'?: (string);
}

export interface SessionOpen__Output {
  /**
   * Free text for logs (e.g. "worker-3").
   */
  'client_name': (string);
}
