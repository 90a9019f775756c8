/**
 * Typed kernel errors, each named by the errno Linux would return. The services map the name to a
 * transport status in one place; the core only says which errno and why.
 */
export const ERRNO_NAMES = [
  'EPERM', 'ENOENT', 'ESRCH', 'EBADF', 'EAGAIN', 'ENOMEM', 'EACCES', 'EBUSY', 'EEXIST', 'EINVAL', 'ENOSPC',
  'ENAMETOOLONG',
] as const;
export type ErrnoName = (typeof ERRNO_NAMES)[number];

export class KernelError extends Error {
  readonly errno: ErrnoName;
  constructor(errno: ErrnoName, message: string) {
    super(`${errno}: ${message}`);
    this.name = 'KernelError';
    this.errno = errno;
  }
  /** The explanation without the errno prefix. */
  get detail(): string {
    return this.message.slice(this.errno.length + 2);
  }
}

const ERRNO_SET: ReadonlySet<string> = new Set(ERRNO_NAMES);

export function isErrnoName(s: string): s is ErrnoName {
  return ERRNO_SET.has(s);
}

export const einval = (msg: string) => new KernelError('EINVAL', msg);

/** A limit's refusal (vm.max_map_count, RLIMIT_NPROC, pid_max, ...): its errno, and which limit. */
export class LimitError extends KernelError {
  constructor(errno: ErrnoName, readonly limit: string, message: string) {
    super(errno, message);
  }
}
