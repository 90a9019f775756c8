// Original file: proto/mshare/v1/broker.proto


/**
 * Spawn's request: the new process's credentials and name.
 */
export interface SpawnRequest {
  /**
   * The process's user id, required: a Spawn without it is EINVAL (uid 0 is asked for, never a
   * default). It owns the regions the process creates; uid 0 may unlink any.
   */
  'uid'?: (number);
  /**
   * The process's group id, required like uid, checked against a region's mode.
   */
  'gid'?: (number);
  /**
   * The process name shown by ProcStatus, truncated to 15 UTF-8 bytes (TASK_COMM_LEN).
   */
  'comm'?: (string);
  /**
   * From Session's first reply: the process exits when that session ends.
   */
  'session_id'?: (string);
  /**
   * oom_score_adj: -1000 (never chosen by the OOM killer) .. 1000; unset: 0.
   */
  'oom_score_adj'?: (number);
  '_uid'?: "uid";
  '_gid'?: "gid";
  '_session_id'?: "session_id";
  '_oom_score_adj'?: "oom_score_adj";
}

/**
 * Spawn's request: the new process's credentials and name.
 */
export interface SpawnRequest__Output {
  /**
   * The process's user id, required: a Spawn without it is EINVAL (uid 0 is asked for, never a
   * default). It owns the regions the process creates; uid 0 may unlink any.
   */
  'uid'?: (number);
  /**
   * The process's group id, required like uid, checked against a region's mode.
   */
  'gid'?: (number);
  /**
   * The process name shown by ProcStatus, truncated to 15 UTF-8 bytes (TASK_COMM_LEN).
   */
  'comm': (string);
  /**
   * From Session's first reply: the process exits when that session ends.
   */
  'session_id'?: (string);
  /**
   * oom_score_adj: -1000 (never chosen by the OOM killer) .. 1000; unset: 0.
   */
  'oom_score_adj'?: (number);
  '_uid'?: "uid";
  '_gid'?: "gid";
  '_session_id'?: "session_id";
  '_oom_score_adj'?: "oom_score_adj";
}
