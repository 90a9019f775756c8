// Original file: proto/mshare/v1/broker.proto


/**
 * Spawn's request: the new process's credentials and name.
 */
export interface SpawnRequest {
  /**
   * The process's user id: it owns the regions the process creates; uid 0 may unlink any.
   */
  'uid'?: (number);
  /**
   * The process's group id, checked against a region's mode.
   */
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

/**
 * Spawn's request: the new process's credentials and name.
 */
export interface SpawnRequest__Output {
  /**
   * The process's user id: it owns the regions the process creates; uid 0 may unlink any.
   */
  'uid': (number);
  /**
   * The process's group id, checked against a region's mode.
   */
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
