// Original file: proto/mshare/v1/broker.proto

/**
 * The kind of a memory access, checked against the VMA's protection.
 */
export const AccessKind = {
  /**
   * Not set: refused with EINVAL.
   */
  ACCESS_KIND_UNSPECIFIED: 'ACCESS_KIND_UNSPECIFIED',
  /**
   * A load: needs PROT_READ.
   */
  ACCESS_KIND_READ: 'ACCESS_KIND_READ',
  /**
   * A store: needs PROT_WRITE (and an O_RDWR attach inside an mshare'd range).
   */
  ACCESS_KIND_WRITE: 'ACCESS_KIND_WRITE',
  /**
   * An instruction fetch: needs PROT_EXEC.
   */
  ACCESS_KIND_EXEC: 'ACCESS_KIND_EXEC',
} as const;

/**
 * The kind of a memory access, checked against the VMA's protection.
 */
export type AccessKind =
  /**
   * Not set: refused with EINVAL.
   */
  | 'ACCESS_KIND_UNSPECIFIED'
  | 0
  /**
   * A load: needs PROT_READ.
   */
  | 'ACCESS_KIND_READ'
  | 1
  /**
   * A store: needs PROT_WRITE (and an O_RDWR attach inside an mshare'd range).
   */
  | 'ACCESS_KIND_WRITE'
  | 2
  /**
   * An instruction fetch: needs PROT_EXEC.
   */
  | 'ACCESS_KIND_EXEC'
  | 3

/**
 * The kind of a memory access, checked against the VMA's protection.
 */
export type AccessKind__Output = typeof AccessKind[keyof typeof AccessKind]
