/**
 * The errnos each RPC of mshare.v1.Broker can answer: the one table. The proto's RPC comments,
 * the README's API table and docs/broker.md are checked against it (test/broker-errnos.test.ts),
 * a test produces every pair, and the broker reports each failure's (rpc, errno) to an observer
 * (BrokerDeps.onFailure) so that the tests fail on an errno missing from its row.
 *
 * Read from the kernel: EINVAL wherever a request has a field that can be malformed (pid 0, a
 * number out of range, a bad name, a batch not a multiple of 8 bytes); ESRCH wherever a pid is
 * looked up (and where the OOM killer chose the caller itself); ENOMEM from mmap's address-space
 * checks and mprotect's hole check, and from every call that allocates memory (Spawn's PGD and
 * base cost, a new region's host PGD, a fault's page and tables) once the machine has panicked
 * out of memory with nothing killable (shared/kernel/memory.ts, oom.ts); EACCES from mshare's permission check and from mmap (MAP_FIXED), munmap and mprotect
 * inside a window attached O_RDONLY.
 */
import type { ErrnoName } from '../kernel/errors.js';

export const RPC_ERRNOS = Object.freeze({
  GetGeometry: [],
  Spawn: ['ENOENT', 'EINVAL', 'ENOMEM'],
  Exit: ['ESRCH', 'EINVAL'],
  Mmap: ['ESRCH', 'EINVAL', 'EBADF', 'ENOMEM', 'EACCES'],
  Munmap: ['ESRCH', 'EINVAL', 'EACCES'],
  Mprotect: ['ESRCH', 'EINVAL', 'ENOMEM', 'EACCES'],
  Mshare: ['ESRCH', 'EEXIST', 'ENOENT', 'EACCES', 'EPERM', 'EINVAL', 'ENAMETOOLONG', 'ENOMEM'],
  MshareUnlink: ['ESRCH', 'ENOENT', 'EPERM', 'EBUSY', 'EINVAL', 'ENAMETOOLONG'],
  ReadRegion: ['ENOENT', 'EINVAL', 'ENAMETOOLONG'],
  ListRegions: [],
  Access: ['ESRCH', 'EINVAL', 'ENOMEM'],
  Touch: ['ESRCH', 'EINVAL', 'ENOMEM'],
  AccessStream: ['ESRCH', 'EINVAL', 'ENOMEM'],
  ProcStatus: ['ESRCH', 'EINVAL'],
  GetAccounting: [],
  Session: ['EINVAL'],
  ListOomEvents: [],
} as const satisfies Record<string, readonly ErrnoName[]>);

/** An RPC of mshare.v1.Broker, by its proto name. */
export type RpcName = keyof typeof RPC_ERRNOS;

export const RPC_NAMES = Object.freeze(Object.keys(RPC_ERRNOS) as RpcName[]);

/** Whether `errno` is in `rpc`'s row. */
export function isListedErrno(rpc: RpcName, errno: ErrnoName): boolean {
  return (RPC_ERRNOS[rpc] as readonly ErrnoName[]).includes(errno);
}
