/**
 * Errno <-> gRPC status, in one place (both directions). The server turns a KernelError into a
 * status whose code is fixed by the errno, whose details are the kernel's explanation and whose
 * trailing metadata carries the errno's name under `mshare-errno`; the client turns that back
 * into the same KernelError. Anything that is not a KernelError is UNKNOWN with a generic message:
 * its text may hold internals, so it goes to the log, not to the caller.
 */
import * as grpc from '@grpc/grpc-js';
import { KernelError, isErrnoName, type ErrnoName } from '../kernel/errors.js';

export const ERRNO_METADATA_KEY = 'mshare-errno';
export const UNKNOWN_ERROR_DETAILS = 'internal error';

/**
 * A call whose credentials name no principal (an unknown token, a certificate the policy does not
 * list, none at all when TLS is on): UNAUTHENTICATED, without `mshare-errno`. Not a kernel error.
 */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export const ERRNO_TO_STATUS: Readonly<Record<ErrnoName, grpc.status>> = Object.freeze({
  EINVAL: grpc.status.INVALID_ARGUMENT,
  EBADF: grpc.status.INVALID_ARGUMENT,
  ENAMETOOLONG: grpc.status.INVALID_ARGUMENT,
  EEXIST: grpc.status.ALREADY_EXISTS,
  ENOENT: grpc.status.NOT_FOUND,
  ESRCH: grpc.status.NOT_FOUND,
  EACCES: grpc.status.PERMISSION_DENIED,
  EPERM: grpc.status.PERMISSION_DENIED,
  ENOMEM: grpc.status.RESOURCE_EXHAUSTED,
  EAGAIN: grpc.status.RESOURCE_EXHAUSTED,
  ENOSPC: grpc.status.RESOURCE_EXHAUSTED,
  EBUSY: grpc.status.FAILED_PRECONDITION,
});

/** The status object a handler passes to its callback (or a stream's destroy/emit). */
export function statusFromError(err: unknown): Partial<grpc.StatusObject> & { code: grpc.status; details: string } {
  if (err instanceof KernelError) {
    const metadata = new grpc.Metadata();
    metadata.set(ERRNO_METADATA_KEY, err.errno);
    return { code: ERRNO_TO_STATUS[err.errno], details: err.detail, metadata };
  }
  if (err instanceof AuthError) return { code: grpc.status.UNAUTHENTICATED, details: err.message, metadata: new grpc.Metadata() };
  return { code: grpc.status.UNKNOWN, details: UNKNOWN_ERROR_DETAILS, metadata: new grpc.Metadata() };
}

/** The errno name a status carries, or undefined when it carries none (transport errors, UNKNOWN). */
export function errnoOf(err: { metadata?: grpc.Metadata } | undefined): ErrnoName | undefined {
  const value = err?.metadata?.get(ERRNO_METADATA_KEY)[0];
  return typeof value === 'string' && isErrnoName(value) ? value : undefined;
}

/**
 * Client side: a status with `mshare-errno` becomes the KernelError the core would have thrown;
 * anything else (UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN ...) is returned unchanged.
 */
export function errorFromStatus(err: grpc.ServiceError): KernelError | grpc.ServiceError {
  const errno = errnoOf(err);
  return errno ? new KernelError(errno, err.details) : err;
}
