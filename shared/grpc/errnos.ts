/**
 * The errnos each RPC of mshare.v1.Broker can answer: the one table. The proto's RPC comments,
 * the README's API table and docs/broker.md are checked against it (test/broker-errnos.test.ts),
 * a test produces every pair, and the broker reports each failure's (rpc, errno) to an observer
 * (BrokerDeps.onFailure) so that the tests fail on an errno missing from its row.
 *
 * Read from the kernel: EINVAL wherever a request has a field that can be malformed (pid 0, a
 * number out of range, a bad name, a batch not a multiple of 8 bytes); ESRCH wherever a pid is
 * looked up (and where the OOM killer chose the caller itself); ENOMEM from mmap's address-space
 * checks and mprotect's hole check (mshare has none), from vm.max_map_count (mmap, and a split by
 * munmap or mprotect), and from every call that allocates memory (Spawn's PGD and base cost, a new
 * region's host PGD, a fault's page and tables) once the machine has panicked out of memory with
 * nothing killable (shared/kernel/memory.ts, oom.ts); EAGAIN from RLIMIT_NPROC, pid_max and the
 * sessions per principal; ENOSPC from the regions limit; ESRCH also for a pid another principal
 * spawned; EPERM from Spawn for a uid or gid the principal may not use; EACCES from mshare's
 * permission check and from mmap (MAP_FIXED), munmap and mprotect
 * inside a window attached O_RDONLY.
 */
import type { ErrnoName } from '../kernel/errors.js';

export const RPC_ERRNOS = Object.freeze({
  GetGeometry: [],
  Spawn: ['ENOENT', 'EINVAL', 'EPERM', 'EAGAIN', 'ENOMEM'],
  Exit: ['ESRCH', 'EINVAL'],
  Mmap: ['ESRCH', 'EINVAL', 'EBADF', 'ENOMEM', 'EACCES'],
  Munmap: ['ESRCH', 'EINVAL', 'ENOMEM', 'EACCES'],
  Mprotect: ['ESRCH', 'EINVAL', 'ENOMEM', 'EACCES'],
  Mshare: ['ESRCH', 'EEXIST', 'ENOENT', 'EACCES', 'EPERM', 'EINVAL', 'ENAMETOOLONG', 'ENOSPC', 'ENOMEM'],
  MshareUnlink: ['ESRCH', 'ENOENT', 'EPERM', 'EBUSY', 'EINVAL', 'ENAMETOOLONG'],
  ReadRegion: ['ENOENT', 'EINVAL', 'ENAMETOOLONG'],
  ListRegions: ['EINVAL'],
  Access: ['ESRCH', 'EINVAL', 'ENOMEM'],
  Touch: ['ESRCH', 'EINVAL', 'ENOMEM'],
  AccessStream: ['ESRCH', 'EINVAL', 'ENOMEM'],
  ProcStatus: ['ESRCH', 'EINVAL'],
  GetAccounting: [],
  Session: ['EINVAL', 'EAGAIN', 'ENOENT'],
  ListOomEvents: [],
} as const satisfies Record<string, readonly ErrnoName[]>);

/** An RPC of mshare.v1.Broker, by its proto name. */
export type RpcName = keyof typeof RPC_ERRNOS;

export const RPC_NAMES = Object.freeze(Object.keys(RPC_ERRNOS) as RpcName[]);

/** Whether `errno` is in `rpc`'s row. */
export function isListedErrno(rpc: RpcName, errno: ErrnoName): boolean {
  return (RPC_ERRNOS[rpc] as readonly ErrnoName[]).includes(errno);
}
