// Original file: proto/mshare/v1/broker.proto

export const AccessKind = {
  ACCESS_KIND_UNSPECIFIED: 'ACCESS_KIND_UNSPECIFIED',
  ACCESS_KIND_READ: 'ACCESS_KIND_READ',
  ACCESS_KIND_WRITE: 'ACCESS_KIND_WRITE',
  ACCESS_KIND_EXEC: 'ACCESS_KIND_EXEC',
} as const;

export type AccessKind =
  | 'ACCESS_KIND_UNSPECIFIED'
  | 0
  | 'ACCESS_KIND_READ'
  | 1
  | 'ACCESS_KIND_WRITE'
  | 2
  | 'ACCESS_KIND_EXEC'
  | 3

export type AccessKind__Output = typeof AccessKind[keyof typeof AccessKind]
