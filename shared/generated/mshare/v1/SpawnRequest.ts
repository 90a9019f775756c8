// Original file: proto/mshare/v1/broker.proto


export interface SpawnRequest {
  'uid'?: (number);
  'gid'?: (number);
  /**
   * The process name shown by ProcStatus.
   */
  'comm'?: (string);
  /**
   * From Session's first reply: the process exits when that session ends.
   */
  'session_id'?: (string);
  '_session_id'?: "session_id";
}

export interface SpawnRequest__Output {
  'uid': (number);
  'gid': (number);
  /**
   * The process name shown by ProcStatus.
   */
  'comm': (string);
  /**
   * From Session's first reply: the process exits when that session ends.
   */
  'session_id'?: (string);
  '_session_id'?: "session_id";
}
