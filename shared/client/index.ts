/**
 * The typed client of the mshare broker as a package (`@mshare-broker/client`, packages/client):
 * what other services import instead of files by path. Everything here is also importable inside
 * the repository from its own file; this is the one public surface.
 *
 * Installed, `BrokerClient`, `KernelError`, the uapi constants (PROT_*, MAP_*, O_*) and the types
 * are imported by name from the package `@mshare-broker/client` (packages/client/README.md shows a
 * session).
 */
export {
  BrokerClient, AccessStream, BrokerSession, DEFAULT_CHANNEL_OPTIONS,
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
