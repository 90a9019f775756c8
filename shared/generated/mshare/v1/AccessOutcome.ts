// Original file: proto/mshare/v1/broker.proto

/**
 * What one access came to.
 */
export const AccessOutcome = {
  /**
   * Never answered; the proto3 zero value.
   */
  ACCESS_OUTCOME_UNSPECIFIED: 'ACCESS_OUTCOME_UNSPECIFIED',
  /**
   * The page was present and the access allowed: no fault.
   */
  ACCESS_OUTCOME_PRESENT: 'ACCESS_OUTCOME_PRESENT',
  /**
   * A minor fault populated the page table (the host's, inside an mshare'd range).
   */
  ACCESS_OUTCOME_MINOR_FAULT: 'ACCESS_OUTCOME_MINOR_FAULT',
  /**
   * No VMA, or a protection violation (including a write through an O_RDONLY attach).
   */
  ACCESS_OUTCOME_SIGSEGV: 'ACCESS_OUTCOME_SIGSEGV',
  /**
   * Inside an mshare'd range, in a hole of the host mm.
   */
  ACCESS_OUTCOME_SIGBUS: 'ACCESS_OUTCOME_SIGBUS',
} as const;

/**
 * What one access came to.
 */
export type AccessOutcome =
  /**
   * Never answered; the proto3 zero value.
   */
  | 'ACCESS_OUTCOME_UNSPECIFIED'
  | 0
  /**
   * The page was present and the access allowed: no fault.
   */
  | 'ACCESS_OUTCOME_PRESENT'
  | 1
  /**
   * A minor fault populated the page table (the host's, inside an mshare'd range).
   */
  | 'ACCESS_OUTCOME_MINOR_FAULT'
  | 2
  /**
   * No VMA, or a protection violation (including a write through an O_RDONLY attach).
   */
  | 'ACCESS_OUTCOME_SIGSEGV'
  | 3
  /**
   * Inside an mshare'd range, in a hole of the host mm.
   */
  | 'ACCESS_OUTCOME_SIGBUS'
  | 4

/**
 * What one access came to.
 */
export type AccessOutcome__Output = typeof AccessOutcome[keyof typeof AccessOutcome]
