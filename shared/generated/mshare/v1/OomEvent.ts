// Original file: proto/mshare/v1/broker.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One OOM kill: the victim as the kernel log's "Killed process" line shows it.
 */
export interface OomEvent {
  /**
   * The victim's pid.
   */
  'pid'?: (number);
  /**
   * The victim's name.
   */
  'comm'?: (string);
  /**
   * The victim's user id.
   */
  'uid'?: (number);
  /**
   * get_mm_rss x 4 KiB: anonymous, file and shared-memory pages the victim mapped.
   */
  'resident_bytes'?: (number | string | Long);
  /**
   * mm_pgtables_bytes: its PTE + PMD + PUD tables (the PGD excluded).
   */
  'pagetable_bytes'?: (number | string | Long);
  /**
   * When it was killed, in nanoseconds since the Unix epoch.
   */
  'unix_time_ns'?: (number | string | Long);
  /**
   * The process whose allocation ran the OOM killer; 0 for a Spawn.
   */
  'allocating_pid'?: (number);
}

/**
 * One OOM kill: the victim as the kernel log's "Killed process" line shows it.
 */
export interface OomEvent__Output {
  /**
   * The victim's pid.
   */
  'pid': (number);
  /**
   * The victim's name.
   */
  'comm': (string);
  /**
   * The victim's user id.
   */
  'uid': (number);
  /**
   * get_mm_rss x 4 KiB: anonymous, file and shared-memory pages the victim mapped.
   */
  'resident_bytes': (string);
  /**
   * mm_pgtables_bytes: its PTE + PMD + PUD tables (the PGD excluded).
   */
  'pagetable_bytes': (string);
  /**
   * When it was killed, in nanoseconds since the Unix epoch.
   */
  'unix_time_ns': (string);
  /**
   * The process whose allocation ran the OOM killer; 0 for a Spawn.
   */
  'allocating_pid': (number);
}
