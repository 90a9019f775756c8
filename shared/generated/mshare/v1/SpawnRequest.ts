// Original file: proto/mshare/v1/broker.proto


export interface SpawnRequest {
  /**
   * Required: a Spawn without uid or gid is EINVAL (uid 0 is asked for, never a default).
   */
  'uid'?: (number);
  'gid'?: (number);
  /**
   * The process name shown by ProcStatus, truncated to 15 UTF-8 bytes (TASK_COMM_LEN).
   */
  'comm'?: (string);
  /**
   * From Session's first reply: the process exits when that session ends.
   */
  'session_id'?: (string);
  '_uid'?: "uid";
  '_gid'?: "gid";
  '_session_id'?: "session_id";
}

export interface SpawnRequest__Output {
  /**
   * Required: a Spawn without uid or gid is EINVAL (uid 0 is asked for, never a default).
   */
  'uid'?: (number);
  'gid'?: (number);
  /**
   * The process name shown by ProcStatus, truncated to 15 UTF-8 bytes (TASK_COMM_LEN).
   */
  'comm': (string);
  /**
   * From Session's first reply: the process exits when that session ends.
   */
  'session_id'?: (string);
  '_uid'?: "uid";
  '_gid'?: "gid";
  '_session_id'?: "session_id";
}
