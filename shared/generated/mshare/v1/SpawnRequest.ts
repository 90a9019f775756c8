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
  /**
   * oom_score_adj: -1000 (never chosen by the OOM killer) .. 1000; unset: 0.
   */
  'oom_score_adj'?: (number);
  '_session_id'?: "session_id";
  '_oom_score_adj'?: "oom_score_adj";
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
  /**
   * oom_score_adj: -1000 (never chosen by the OOM killer) .. 1000; unset: 0.
   */
  'oom_score_adj'?: (number);
  '_session_id'?: "session_id";
  '_oom_score_adj'?: "oom_score_adj";
}
