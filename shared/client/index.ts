/**
 * The typed client of the mshare broker as a package (`@mshare-broker/client`, packages/client):
 * what other services import instead of files by path. Everything here is also importable inside
 * the repository from its own file; this is the one public surface.
 *
 * ```ts
 * import { BrokerClient, MAP_ANONYMOUS, MAP_SHARED, PROT_READ, PROT_WRITE, KernelError } from '@mshare-broker/client';
 * const broker = new BrokerClient('127.0.0.1:50051');
 * const pid = await broker.spawn({ uid: 1000, gid: 1000, comm: 'app' });
 * ```
 */
export {
  BrokerClient, AccessStream, BrokerSession,
  type BrokerClientOptions, type BatchResult, type BrokerAccounting, type GeometryInfo,
} from './broker-client.js';
export { KernelError, ERRNO_NAMES, type ErrnoName } from '../kernel/errors.js';
export {
  PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC, MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS,
  O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, Outcome, OUTCOME_NAMES,
  type AccessKind, type OutcomeCode, type OutcomeName,
} from '../kernel/uapi.js';
export type { AccessCounts } from '../kernel/counts.js';
export type { AccessResult, ProcStatus, RegionInfo, SpawnOptions, TableCounts, VmaInfo } from '../kernel/types.js';
export { BROKER_SERVICE_NAME } from '../grpc/proto.js';
