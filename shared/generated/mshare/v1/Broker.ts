// Original file: proto/mshare/v1/broker.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AccessRequest as _mshare_v1_AccessRequest, AccessRequest__Output as _mshare_v1_AccessRequest__Output } from '../../mshare/v1/AccessRequest.js';
import type { AccessResponse as _mshare_v1_AccessResponse, AccessResponse__Output as _mshare_v1_AccessResponse__Output } from '../../mshare/v1/AccessResponse.js';
import type { AccessStreamRequest as _mshare_v1_AccessStreamRequest, AccessStreamRequest__Output as _mshare_v1_AccessStreamRequest__Output } from '../../mshare/v1/AccessStreamRequest.js';
import type { AccessStreamResponse as _mshare_v1_AccessStreamResponse, AccessStreamResponse__Output as _mshare_v1_AccessStreamResponse__Output } from '../../mshare/v1/AccessStreamResponse.js';
import type { ExitRequest as _mshare_v1_ExitRequest, ExitRequest__Output as _mshare_v1_ExitRequest__Output } from '../../mshare/v1/ExitRequest.js';
import type { ExitResponse as _mshare_v1_ExitResponse, ExitResponse__Output as _mshare_v1_ExitResponse__Output } from '../../mshare/v1/ExitResponse.js';
import type { GetAccountingRequest as _mshare_v1_GetAccountingRequest, GetAccountingRequest__Output as _mshare_v1_GetAccountingRequest__Output } from '../../mshare/v1/GetAccountingRequest.js';
import type { GetAccountingResponse as _mshare_v1_GetAccountingResponse, GetAccountingResponse__Output as _mshare_v1_GetAccountingResponse__Output } from '../../mshare/v1/GetAccountingResponse.js';
import type { GetGeometryRequest as _mshare_v1_GetGeometryRequest, GetGeometryRequest__Output as _mshare_v1_GetGeometryRequest__Output } from '../../mshare/v1/GetGeometryRequest.js';
import type { GetGeometryResponse as _mshare_v1_GetGeometryResponse, GetGeometryResponse__Output as _mshare_v1_GetGeometryResponse__Output } from '../../mshare/v1/GetGeometryResponse.js';
import type { ListOomEventsRequest as _mshare_v1_ListOomEventsRequest, ListOomEventsRequest__Output as _mshare_v1_ListOomEventsRequest__Output } from '../../mshare/v1/ListOomEventsRequest.js';
import type { ListOomEventsResponse as _mshare_v1_ListOomEventsResponse, ListOomEventsResponse__Output as _mshare_v1_ListOomEventsResponse__Output } from '../../mshare/v1/ListOomEventsResponse.js';
import type { ListRegionsRequest as _mshare_v1_ListRegionsRequest, ListRegionsRequest__Output as _mshare_v1_ListRegionsRequest__Output } from '../../mshare/v1/ListRegionsRequest.js';
import type { ListRegionsResponse as _mshare_v1_ListRegionsResponse, ListRegionsResponse__Output as _mshare_v1_ListRegionsResponse__Output } from '../../mshare/v1/ListRegionsResponse.js';
import type { MmapRequest as _mshare_v1_MmapRequest, MmapRequest__Output as _mshare_v1_MmapRequest__Output } from '../../mshare/v1/MmapRequest.js';
import type { MmapResponse as _mshare_v1_MmapResponse, MmapResponse__Output as _mshare_v1_MmapResponse__Output } from '../../mshare/v1/MmapResponse.js';
import type { MprotectRequest as _mshare_v1_MprotectRequest, MprotectRequest__Output as _mshare_v1_MprotectRequest__Output } from '../../mshare/v1/MprotectRequest.js';
import type { MprotectResponse as _mshare_v1_MprotectResponse, MprotectResponse__Output as _mshare_v1_MprotectResponse__Output } from '../../mshare/v1/MprotectResponse.js';
import type { MshareRequest as _mshare_v1_MshareRequest, MshareRequest__Output as _mshare_v1_MshareRequest__Output } from '../../mshare/v1/MshareRequest.js';
import type { MshareResponse as _mshare_v1_MshareResponse, MshareResponse__Output as _mshare_v1_MshareResponse__Output } from '../../mshare/v1/MshareResponse.js';
import type { MshareUnlinkRequest as _mshare_v1_MshareUnlinkRequest, MshareUnlinkRequest__Output as _mshare_v1_MshareUnlinkRequest__Output } from '../../mshare/v1/MshareUnlinkRequest.js';
import type { MshareUnlinkResponse as _mshare_v1_MshareUnlinkResponse, MshareUnlinkResponse__Output as _mshare_v1_MshareUnlinkResponse__Output } from '../../mshare/v1/MshareUnlinkResponse.js';
import type { MunmapRequest as _mshare_v1_MunmapRequest, MunmapRequest__Output as _mshare_v1_MunmapRequest__Output } from '../../mshare/v1/MunmapRequest.js';
import type { MunmapResponse as _mshare_v1_MunmapResponse, MunmapResponse__Output as _mshare_v1_MunmapResponse__Output } from '../../mshare/v1/MunmapResponse.js';
import type { ProcStatusRequest as _mshare_v1_ProcStatusRequest, ProcStatusRequest__Output as _mshare_v1_ProcStatusRequest__Output } from '../../mshare/v1/ProcStatusRequest.js';
import type { ProcStatusResponse as _mshare_v1_ProcStatusResponse, ProcStatusResponse__Output as _mshare_v1_ProcStatusResponse__Output } from '../../mshare/v1/ProcStatusResponse.js';
import type { ReadRegionRequest as _mshare_v1_ReadRegionRequest, ReadRegionRequest__Output as _mshare_v1_ReadRegionRequest__Output } from '../../mshare/v1/ReadRegionRequest.js';
import type { ReadRegionResponse as _mshare_v1_ReadRegionResponse, ReadRegionResponse__Output as _mshare_v1_ReadRegionResponse__Output } from '../../mshare/v1/ReadRegionResponse.js';
import type { SessionRequest as _mshare_v1_SessionRequest, SessionRequest__Output as _mshare_v1_SessionRequest__Output } from '../../mshare/v1/SessionRequest.js';
import type { SessionResponse as _mshare_v1_SessionResponse, SessionResponse__Output as _mshare_v1_SessionResponse__Output } from '../../mshare/v1/SessionResponse.js';
import type { SpawnRequest as _mshare_v1_SpawnRequest, SpawnRequest__Output as _mshare_v1_SpawnRequest__Output } from '../../mshare/v1/SpawnRequest.js';
import type { SpawnResponse as _mshare_v1_SpawnResponse, SpawnResponse__Output as _mshare_v1_SpawnResponse__Output } from '../../mshare/v1/SpawnResponse.js';
import type { TouchRequest as _mshare_v1_TouchRequest, TouchRequest__Output as _mshare_v1_TouchRequest__Output } from '../../mshare/v1/TouchRequest.js';
import type { TouchResponse as _mshare_v1_TouchResponse, TouchResponse__Output as _mshare_v1_TouchResponse__Output } from '../../mshare/v1/TouchResponse.js';

/**
 * The broker: simulated processes, their address spaces and page tables, and the msharefs
 * namespace, driven by Linux's system calls. (Named Broker, not BrokerService: see buf.yaml.)
 */
export interface BrokerClient extends grpc.Client {
  /**
   * One access by a process, following the fault path. The outcome is a result, not an error.
   * A fault that needs memory the machine lacks runs the OOM killer; a caller it kills gets ESRCH.
   * Errors: ESRCH (no such process, or the OOM killer chose the caller), EINVAL, ENOMEM (the
   * machine has panicked out of memory).
   */
  Access(argument: _mshare_v1_AccessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  Access(argument: _mshare_v1_AccessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  Access(argument: _mshare_v1_AccessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  Access(argument: _mshare_v1_AccessRequest, callback: grpc.requestCallback<_mshare_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One access by a process, following the fault path. The outcome is a result, not an error.
   * A fault that needs memory the machine lacks runs the OOM killer; a caller it kills gets ESRCH.
   * Errors: ESRCH (no such process, or the OOM killer chose the caller), EINVAL, ENOMEM (the
   * machine has panicked out of memory).
   */
  access(argument: _mshare_v1_AccessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  access(argument: _mshare_v1_AccessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  access(argument: _mshare_v1_AccessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  access(argument: _mshare_v1_AccessRequest, callback: grpc.requestCallback<_mshare_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Batched accesses: each request is one batch of addresses for one pid and kind (at most
   * MSHARE_MAX_BATCH_ADDRESSES, 65,536 by default; more is EINVAL naming the limit), each reply
   * the outcome of every address of that batch, in order. A malformed batch or a kernel error
   * ends the stream with that error (errors as for Access); batches before it were applied.
   * Errors: ESRCH, EINVAL, ENOMEM.
   */
  AccessStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_mshare_v1_AccessStreamRequest, _mshare_v1_AccessStreamResponse__Output>;
  AccessStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_mshare_v1_AccessStreamRequest, _mshare_v1_AccessStreamResponse__Output>;
  /**
   * Batched accesses: each request is one batch of addresses for one pid and kind (at most
   * MSHARE_MAX_BATCH_ADDRESSES, 65,536 by default; more is EINVAL naming the limit), each reply
   * the outcome of every address of that batch, in order. A malformed batch or a kernel error
   * ends the stream with that error (errors as for Access); batches before it were applied.
   * Errors: ESRCH, EINVAL, ENOMEM.
   */
  accessStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_mshare_v1_AccessStreamRequest, _mshare_v1_AccessStreamResponse__Output>;
  accessStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_mshare_v1_AccessStreamRequest, _mshare_v1_AccessStreamResponse__Output>;
  
  /**
   * Tears down a process's address space. The regions it created or attached stay.
   * Errors: ESRCH (no such process), EINVAL.
   */
  Exit(argument: _mshare_v1_ExitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ExitResponse__Output>): grpc.ClientUnaryCall;
  Exit(argument: _mshare_v1_ExitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ExitResponse__Output>): grpc.ClientUnaryCall;
  Exit(argument: _mshare_v1_ExitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ExitResponse__Output>): grpc.ClientUnaryCall;
  Exit(argument: _mshare_v1_ExitRequest, callback: grpc.requestCallback<_mshare_v1_ExitResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Tears down a process's address space. The regions it created or attached stay.
   * Errors: ESRCH (no such process), EINVAL.
   */
  exit(argument: _mshare_v1_ExitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ExitResponse__Output>): grpc.ClientUnaryCall;
  exit(argument: _mshare_v1_ExitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ExitResponse__Output>): grpc.ClientUnaryCall;
  exit(argument: _mshare_v1_ExitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ExitResponse__Output>): grpc.ClientUnaryCall;
  exit(argument: _mshare_v1_ExitRequest, callback: grpc.requestCallback<_mshare_v1_ExitResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * System-wide page-table accounting: actual and unshared bytes, bytes saved, the seed
   * baseline, counts of processes and regions. No errors.
   */
  GetAccounting(argument: _mshare_v1_GetAccountingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_GetAccountingResponse__Output>): grpc.ClientUnaryCall;
  GetAccounting(argument: _mshare_v1_GetAccountingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_GetAccountingResponse__Output>): grpc.ClientUnaryCall;
  GetAccounting(argument: _mshare_v1_GetAccountingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_GetAccountingResponse__Output>): grpc.ClientUnaryCall;
  GetAccounting(argument: _mshare_v1_GetAccountingRequest, callback: grpc.requestCallback<_mshare_v1_GetAccountingResponse__Output>): grpc.ClientUnaryCall;
  /**
   * System-wide page-table accounting: actual and unshared bytes, bytes saved, the seed
   * baseline, counts of processes and regions. No errors.
   */
  getAccounting(argument: _mshare_v1_GetAccountingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_GetAccountingResponse__Output>): grpc.ClientUnaryCall;
  getAccounting(argument: _mshare_v1_GetAccountingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_GetAccountingResponse__Output>): grpc.ClientUnaryCall;
  getAccounting(argument: _mshare_v1_GetAccountingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_GetAccountingResponse__Output>): grpc.ClientUnaryCall;
  getAccounting(argument: _mshare_v1_GetAccountingRequest, callback: grpc.requestCallback<_mshare_v1_GetAccountingResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The paging geometry of the simulated machine. No errors.
   */
  GetGeometry(argument: _mshare_v1_GetGeometryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_GetGeometryResponse__Output>): grpc.ClientUnaryCall;
  GetGeometry(argument: _mshare_v1_GetGeometryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_GetGeometryResponse__Output>): grpc.ClientUnaryCall;
  GetGeometry(argument: _mshare_v1_GetGeometryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_GetGeometryResponse__Output>): grpc.ClientUnaryCall;
  GetGeometry(argument: _mshare_v1_GetGeometryRequest, callback: grpc.requestCallback<_mshare_v1_GetGeometryResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The paging geometry of the simulated machine. No errors.
   */
  getGeometry(argument: _mshare_v1_GetGeometryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_GetGeometryResponse__Output>): grpc.ClientUnaryCall;
  getGeometry(argument: _mshare_v1_GetGeometryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_GetGeometryResponse__Output>): grpc.ClientUnaryCall;
  getGeometry(argument: _mshare_v1_GetGeometryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_GetGeometryResponse__Output>): grpc.ClientUnaryCall;
  getGeometry(argument: _mshare_v1_GetGeometryRequest, callback: grpc.requestCallback<_mshare_v1_GetGeometryResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Every OOM kill since the broker started, oldest first (also GET /oom). No errors.
   */
  ListOomEvents(argument: _mshare_v1_ListOomEventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ListOomEventsResponse__Output>): grpc.ClientUnaryCall;
  ListOomEvents(argument: _mshare_v1_ListOomEventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ListOomEventsResponse__Output>): grpc.ClientUnaryCall;
  ListOomEvents(argument: _mshare_v1_ListOomEventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ListOomEventsResponse__Output>): grpc.ClientUnaryCall;
  ListOomEvents(argument: _mshare_v1_ListOomEventsRequest, callback: grpc.requestCallback<_mshare_v1_ListOomEventsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Every OOM kill since the broker started, oldest first (also GET /oom). No errors.
   */
  listOomEvents(argument: _mshare_v1_ListOomEventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ListOomEventsResponse__Output>): grpc.ClientUnaryCall;
  listOomEvents(argument: _mshare_v1_ListOomEventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ListOomEventsResponse__Output>): grpc.ClientUnaryCall;
  listOomEvents(argument: _mshare_v1_ListOomEventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ListOomEventsResponse__Output>): grpc.ClientUnaryCall;
  listOomEvents(argument: _mshare_v1_ListOomEventsRequest, callback: grpc.requestCallback<_mshare_v1_ListOomEventsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The msharefs namespace: the named regions in name order, one page at a time (AIP-158).
   * Errors: EINVAL (a negative page_size, a page_token this listing did not issue).
   */
  ListRegions(argument: _mshare_v1_ListRegionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ListRegionsResponse__Output>): grpc.ClientUnaryCall;
  ListRegions(argument: _mshare_v1_ListRegionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ListRegionsResponse__Output>): grpc.ClientUnaryCall;
  ListRegions(argument: _mshare_v1_ListRegionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ListRegionsResponse__Output>): grpc.ClientUnaryCall;
  ListRegions(argument: _mshare_v1_ListRegionsRequest, callback: grpc.requestCallback<_mshare_v1_ListRegionsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The msharefs namespace: the named regions in name order, one page at a time (AIP-158).
   * Errors: EINVAL (a negative page_size, a page_token this listing did not issue).
   */
  listRegions(argument: _mshare_v1_ListRegionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ListRegionsResponse__Output>): grpc.ClientUnaryCall;
  listRegions(argument: _mshare_v1_ListRegionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ListRegionsResponse__Output>): grpc.ClientUnaryCall;
  listRegions(argument: _mshare_v1_ListRegionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ListRegionsResponse__Output>): grpc.ClientUnaryCall;
  listRegions(argument: _mshare_v1_ListRegionsRequest, callback: grpc.requestCallback<_mshare_v1_ListRegionsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * mmap(2). Returns the mapped address (addr 0 without MAP_FIXED: the broker chooses).
   * Errors: ESRCH, EINVAL (length 0, unaligned, bad prot/flags, outside user space), EBADF (no
   * file without MAP_ANONYMOUS), ENOMEM (no room, or vm.max_map_count), EACCES (MAP_FIXED inside a window attached O_RDONLY).
   */
  Mmap(argument: _mshare_v1_MmapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MmapResponse__Output>): grpc.ClientUnaryCall;
  Mmap(argument: _mshare_v1_MmapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MmapResponse__Output>): grpc.ClientUnaryCall;
  Mmap(argument: _mshare_v1_MmapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MmapResponse__Output>): grpc.ClientUnaryCall;
  Mmap(argument: _mshare_v1_MmapRequest, callback: grpc.requestCallback<_mshare_v1_MmapResponse__Output>): grpc.ClientUnaryCall;
  /**
   * mmap(2). Returns the mapped address (addr 0 without MAP_FIXED: the broker chooses).
   * Errors: ESRCH, EINVAL (length 0, unaligned, bad prot/flags, outside user space), EBADF (no
   * file without MAP_ANONYMOUS), ENOMEM (no room, or vm.max_map_count), EACCES (MAP_FIXED inside a window attached O_RDONLY).
   */
  mmap(argument: _mshare_v1_MmapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MmapResponse__Output>): grpc.ClientUnaryCall;
  mmap(argument: _mshare_v1_MmapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MmapResponse__Output>): grpc.ClientUnaryCall;
  mmap(argument: _mshare_v1_MmapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MmapResponse__Output>): grpc.ClientUnaryCall;
  mmap(argument: _mshare_v1_MmapRequest, callback: grpc.requestCallback<_mshare_v1_MmapResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * mprotect(2). Inside an mshare'd range it acts on the host mm: every sharer sees it.
   * Errors: ESRCH, EINVAL, ENOMEM (part of the range unmapped), EACCES (inside a window attached
   * O_RDONLY).
   */
  Mprotect(argument: _mshare_v1_MprotectRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MprotectResponse__Output>): grpc.ClientUnaryCall;
  Mprotect(argument: _mshare_v1_MprotectRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MprotectResponse__Output>): grpc.ClientUnaryCall;
  Mprotect(argument: _mshare_v1_MprotectRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MprotectResponse__Output>): grpc.ClientUnaryCall;
  Mprotect(argument: _mshare_v1_MprotectRequest, callback: grpc.requestCallback<_mshare_v1_MprotectResponse__Output>): grpc.ClientUnaryCall;
  /**
   * mprotect(2). Inside an mshare'd range it acts on the host mm: every sharer sees it.
   * Errors: ESRCH, EINVAL, ENOMEM (part of the range unmapped), EACCES (inside a window attached
   * O_RDONLY).
   */
  mprotect(argument: _mshare_v1_MprotectRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MprotectResponse__Output>): grpc.ClientUnaryCall;
  mprotect(argument: _mshare_v1_MprotectRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MprotectResponse__Output>): grpc.ClientUnaryCall;
  mprotect(argument: _mshare_v1_MprotectRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MprotectResponse__Output>): grpc.ClientUnaryCall;
  mprotect(argument: _mshare_v1_MprotectRequest, callback: grpc.requestCallback<_mshare_v1_MprotectResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * mshare(name, addr, length, oflags, mode): creates (O_CREAT) or attaches a named region whose
   * page tables are shared. addr and length aligned to mshare_alignment (GetGeometry).
   * Errors: ESRCH; EEXIST (O_CREAT|O_EXCL on an existing name); ENOENT (no O_CREAT, no such
   * name); EACCES (mode forbids the requested access); EPERM (more access than the creator
   * asked for); EINVAL (alignment, range, a VMA crossing the range's edge, an attacher with an
   * overlapping mapping, a bad name); ENAMETOOLONG (name over 255 bytes); ENOSPC (a new region
   * over the broker's regions limit); ENOMEM (a new host's PGD after the machine has panicked out
   * of memory).
   */
  Mshare(argument: _mshare_v1_MshareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MshareResponse__Output>): grpc.ClientUnaryCall;
  Mshare(argument: _mshare_v1_MshareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MshareResponse__Output>): grpc.ClientUnaryCall;
  Mshare(argument: _mshare_v1_MshareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MshareResponse__Output>): grpc.ClientUnaryCall;
  Mshare(argument: _mshare_v1_MshareRequest, callback: grpc.requestCallback<_mshare_v1_MshareResponse__Output>): grpc.ClientUnaryCall;
  /**
   * mshare(name, addr, length, oflags, mode): creates (O_CREAT) or attaches a named region whose
   * page tables are shared. addr and length aligned to mshare_alignment (GetGeometry).
   * Errors: ESRCH; EEXIST (O_CREAT|O_EXCL on an existing name); ENOENT (no O_CREAT, no such
   * name); EACCES (mode forbids the requested access); EPERM (more access than the creator
   * asked for); EINVAL (alignment, range, a VMA crossing the range's edge, an attacher with an
   * overlapping mapping, a bad name); ENAMETOOLONG (name over 255 bytes); ENOSPC (a new region
   * over the broker's regions limit); ENOMEM (a new host's PGD after the machine has panicked out
   * of memory).
   */
  mshare(argument: _mshare_v1_MshareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MshareResponse__Output>): grpc.ClientUnaryCall;
  mshare(argument: _mshare_v1_MshareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MshareResponse__Output>): grpc.ClientUnaryCall;
  mshare(argument: _mshare_v1_MshareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MshareResponse__Output>): grpc.ClientUnaryCall;
  mshare(argument: _mshare_v1_MshareRequest, callback: grpc.requestCallback<_mshare_v1_MshareResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * mshare_unlink(name): drops one reference; the name disappears at zero.
   * Errors: ESRCH, ENOENT (no such name), EPERM (caller holds no reference, is not the owner
   * and not uid 0), EBUSY (the owner holds no reference and every one is held by a live
   * process), EINVAL, ENAMETOOLONG.
   */
  MshareUnlink(argument: _mshare_v1_MshareUnlinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MshareUnlinkResponse__Output>): grpc.ClientUnaryCall;
  MshareUnlink(argument: _mshare_v1_MshareUnlinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MshareUnlinkResponse__Output>): grpc.ClientUnaryCall;
  MshareUnlink(argument: _mshare_v1_MshareUnlinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MshareUnlinkResponse__Output>): grpc.ClientUnaryCall;
  MshareUnlink(argument: _mshare_v1_MshareUnlinkRequest, callback: grpc.requestCallback<_mshare_v1_MshareUnlinkResponse__Output>): grpc.ClientUnaryCall;
  /**
   * mshare_unlink(name): drops one reference; the name disappears at zero.
   * Errors: ESRCH, ENOENT (no such name), EPERM (caller holds no reference, is not the owner
   * and not uid 0), EBUSY (the owner holds no reference and every one is held by a live
   * process), EINVAL, ENAMETOOLONG.
   */
  mshareUnlink(argument: _mshare_v1_MshareUnlinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MshareUnlinkResponse__Output>): grpc.ClientUnaryCall;
  mshareUnlink(argument: _mshare_v1_MshareUnlinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MshareUnlinkResponse__Output>): grpc.ClientUnaryCall;
  mshareUnlink(argument: _mshare_v1_MshareUnlinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MshareUnlinkResponse__Output>): grpc.ClientUnaryCall;
  mshareUnlink(argument: _mshare_v1_MshareUnlinkRequest, callback: grpc.requestCallback<_mshare_v1_MshareUnlinkResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * munmap(2). Inside an mshare'd range it acts on the host mm: every sharer sees it.
   * Errors: ESRCH, EINVAL, ENOMEM (a split over vm.max_map_count), EACCES (inside a window
   * attached O_RDONLY).
   */
  Munmap(argument: _mshare_v1_MunmapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MunmapResponse__Output>): grpc.ClientUnaryCall;
  Munmap(argument: _mshare_v1_MunmapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MunmapResponse__Output>): grpc.ClientUnaryCall;
  Munmap(argument: _mshare_v1_MunmapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MunmapResponse__Output>): grpc.ClientUnaryCall;
  Munmap(argument: _mshare_v1_MunmapRequest, callback: grpc.requestCallback<_mshare_v1_MunmapResponse__Output>): grpc.ClientUnaryCall;
  /**
   * munmap(2). Inside an mshare'd range it acts on the host mm: every sharer sees it.
   * Errors: ESRCH, EINVAL, ENOMEM (a split over vm.max_map_count), EACCES (inside a window
   * attached O_RDONLY).
   */
  munmap(argument: _mshare_v1_MunmapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MunmapResponse__Output>): grpc.ClientUnaryCall;
  munmap(argument: _mshare_v1_MunmapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_MunmapResponse__Output>): grpc.ClientUnaryCall;
  munmap(argument: _mshare_v1_MunmapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_MunmapResponse__Output>): grpc.ClientUnaryCall;
  munmap(argument: _mshare_v1_MunmapRequest, callback: grpc.requestCallback<_mshare_v1_MunmapResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * proc/PID/status of a simulated process. Errors: ESRCH, EINVAL.
   */
  ProcStatus(argument: _mshare_v1_ProcStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ProcStatusResponse__Output>): grpc.ClientUnaryCall;
  ProcStatus(argument: _mshare_v1_ProcStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ProcStatusResponse__Output>): grpc.ClientUnaryCall;
  ProcStatus(argument: _mshare_v1_ProcStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ProcStatusResponse__Output>): grpc.ClientUnaryCall;
  ProcStatus(argument: _mshare_v1_ProcStatusRequest, callback: grpc.requestCallback<_mshare_v1_ProcStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * proc/PID/status of a simulated process. Errors: ESRCH, EINVAL.
   */
  procStatus(argument: _mshare_v1_ProcStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ProcStatusResponse__Output>): grpc.ClientUnaryCall;
  procStatus(argument: _mshare_v1_ProcStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ProcStatusResponse__Output>): grpc.ClientUnaryCall;
  procStatus(argument: _mshare_v1_ProcStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ProcStatusResponse__Output>): grpc.ClientUnaryCall;
  procStatus(argument: _mshare_v1_ProcStatusRequest, callback: grpc.requestCallback<_mshare_v1_ProcStatusResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The msharefs read of one region: start and size, owner, mode, reference count.
   * Errors: ENOENT, EINVAL, ENAMETOOLONG.
   */
  ReadRegion(argument: _mshare_v1_ReadRegionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ReadRegionResponse__Output>): grpc.ClientUnaryCall;
  ReadRegion(argument: _mshare_v1_ReadRegionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ReadRegionResponse__Output>): grpc.ClientUnaryCall;
  ReadRegion(argument: _mshare_v1_ReadRegionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ReadRegionResponse__Output>): grpc.ClientUnaryCall;
  ReadRegion(argument: _mshare_v1_ReadRegionRequest, callback: grpc.requestCallback<_mshare_v1_ReadRegionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The msharefs read of one region: start and size, owner, mode, reference count.
   * Errors: ENOENT, EINVAL, ENAMETOOLONG.
   */
  readRegion(argument: _mshare_v1_ReadRegionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ReadRegionResponse__Output>): grpc.ClientUnaryCall;
  readRegion(argument: _mshare_v1_ReadRegionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_ReadRegionResponse__Output>): grpc.ClientUnaryCall;
  readRegion(argument: _mshare_v1_ReadRegionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_ReadRegionResponse__Output>): grpc.ClientUnaryCall;
  readRegion(argument: _mshare_v1_ReadRegionRequest, callback: grpc.requestCallback<_mshare_v1_ReadRegionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A client's lifetime: the first request must be `open`; the first reply carries the
   * session_id to pass to Spawn. When the stream ends (the client closed it, exited, crashed or
   * lost the network), the session's processes exit after the broker's grace period, unless an
   * `open` with resume_session_id resumes it within that period; regions they shared stay.
   * `ping` requests are answered with `pong`.
   * Errors: EINVAL (first request not `open`, a second `open`, a client_name over 128 bytes),
   * EAGAIN (the principal's open sessions at the limit), ENOENT (no session to resume).
   */
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_mshare_v1_SessionRequest, _mshare_v1_SessionResponse__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_mshare_v1_SessionRequest, _mshare_v1_SessionResponse__Output>;
  /**
   * A client's lifetime: the first request must be `open`; the first reply carries the
   * session_id to pass to Spawn. When the stream ends (the client closed it, exited, crashed or
   * lost the network), the session's processes exit after the broker's grace period, unless an
   * `open` with resume_session_id resumes it within that period; regions they shared stay.
   * `ping` requests are answered with `pong`.
   * Errors: EINVAL (first request not `open`, a second `open`, a client_name over 128 bytes),
   * EAGAIN (the principal's open sessions at the limit), ENOENT (no session to resume).
   */
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_mshare_v1_SessionRequest, _mshare_v1_SessionResponse__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_mshare_v1_SessionRequest, _mshare_v1_SessionResponse__Output>;
  
  /**
   * Creates a process with an empty address space, owned by the calling principal. With
   * session_id, the process belongs to that session and exits when the session's stream has
   * ended (after the grace period). oom_score_adj (-1000 .. 1000) weighs the process for the OOM
   * killer; -1000: never chosen.
   * Errors: ENOENT (no open session with that id), EINVAL (uid or gid missing or out of range),
   * EPERM (the principal may not spawn as that uid or gid), EAGAIN (RLIMIT_NPROC of the uid
   * reached, uid 0 exempt, or no free pid), ENOMEM (the machine has panicked out of memory).
   */
  Spawn(argument: _mshare_v1_SpawnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  Spawn(argument: _mshare_v1_SpawnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  Spawn(argument: _mshare_v1_SpawnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  Spawn(argument: _mshare_v1_SpawnRequest, callback: grpc.requestCallback<_mshare_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Creates a process with an empty address space, owned by the calling principal. With
   * session_id, the process belongs to that session and exits when the session's stream has
   * ended (after the grace period). oom_score_adj (-1000 .. 1000) weighs the process for the OOM
   * killer; -1000: never chosen.
   * Errors: ENOENT (no open session with that id), EINVAL (uid or gid missing or out of range),
   * EPERM (the principal may not spawn as that uid or gid), EAGAIN (RLIMIT_NPROC of the uid
   * reached, uid 0 exempt, or no free pid), ENOMEM (the machine has panicked out of memory).
   */
  spawn(argument: _mshare_v1_SpawnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  spawn(argument: _mshare_v1_SpawnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  spawn(argument: _mshare_v1_SpawnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  spawn(argument: _mshare_v1_SpawnRequest, callback: grpc.requestCallback<_mshare_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Accesses every stride_pages-th page of [addr, addr + length). Counts per outcome. A refusal
   * stops it between two pages: those before stay populated and counted.
   * Errors: ESRCH (as for Access), EINVAL, ENOMEM (as for Access).
   */
  Touch(argument: _mshare_v1_TouchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_TouchResponse__Output>): grpc.ClientUnaryCall;
  Touch(argument: _mshare_v1_TouchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_TouchResponse__Output>): grpc.ClientUnaryCall;
  Touch(argument: _mshare_v1_TouchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_TouchResponse__Output>): grpc.ClientUnaryCall;
  Touch(argument: _mshare_v1_TouchRequest, callback: grpc.requestCallback<_mshare_v1_TouchResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Accesses every stride_pages-th page of [addr, addr + length). Counts per outcome. A refusal
   * stops it between two pages: those before stay populated and counted.
   * Errors: ESRCH (as for Access), EINVAL, ENOMEM (as for Access).
   */
  touch(argument: _mshare_v1_TouchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_TouchResponse__Output>): grpc.ClientUnaryCall;
  touch(argument: _mshare_v1_TouchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mshare_v1_TouchResponse__Output>): grpc.ClientUnaryCall;
  touch(argument: _mshare_v1_TouchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mshare_v1_TouchResponse__Output>): grpc.ClientUnaryCall;
  touch(argument: _mshare_v1_TouchRequest, callback: grpc.requestCallback<_mshare_v1_TouchResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * The broker: simulated processes, their address spaces and page tables, and the msharefs
 * namespace, driven by Linux's system calls. (Named Broker, not BrokerService: see buf.yaml.)
 */
export interface BrokerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One access by a process, following the fault path. The outcome is a result, not an error.
   * A fault that needs memory the machine lacks runs the OOM killer; a caller it kills gets ESRCH.
   * Errors: ESRCH (no such process, or the OOM killer chose the caller), EINVAL, ENOMEM (the
   * machine has panicked out of memory).
   */
  Access: grpc.handleUnaryCall<_mshare_v1_AccessRequest__Output, _mshare_v1_AccessResponse>;
  
  /**
   * Batched accesses: each request is one batch of addresses for one pid and kind (at most
   * MSHARE_MAX_BATCH_ADDRESSES, 65,536 by default; more is EINVAL naming the limit), each reply
   * the outcome of every address of that batch, in order. A malformed batch or a kernel error
   * ends the stream with that error (errors as for Access); batches before it were applied.
   * Errors: ESRCH, EINVAL, ENOMEM.
   */
  AccessStream: grpc.handleBidiStreamingCall<_mshare_v1_AccessStreamRequest__Output, _mshare_v1_AccessStreamResponse>;
  
  /**
   * Tears down a process's address space. The regions it created or attached stay.
   * Errors: ESRCH (no such process), EINVAL.
   */
  Exit: grpc.handleUnaryCall<_mshare_v1_ExitRequest__Output, _mshare_v1_ExitResponse>;
  
  /**
   * System-wide page-table accounting: actual and unshared bytes, bytes saved, the seed
   * baseline, counts of processes and regions. No errors.
   */
  GetAccounting: grpc.handleUnaryCall<_mshare_v1_GetAccountingRequest__Output, _mshare_v1_GetAccountingResponse>;
  
  /**
   * The paging geometry of the simulated machine. No errors.
   */
  GetGeometry: grpc.handleUnaryCall<_mshare_v1_GetGeometryRequest__Output, _mshare_v1_GetGeometryResponse>;
  
  /**
   * Every OOM kill since the broker started, oldest first (also GET /oom). No errors.
   */
  ListOomEvents: grpc.handleUnaryCall<_mshare_v1_ListOomEventsRequest__Output, _mshare_v1_ListOomEventsResponse>;
  
  /**
   * The msharefs namespace: the named regions in name order, one page at a time (AIP-158).
   * Errors: EINVAL (a negative page_size, a page_token this listing did not issue).
   */
  ListRegions: grpc.handleUnaryCall<_mshare_v1_ListRegionsRequest__Output, _mshare_v1_ListRegionsResponse>;
  
  /**
   * mmap(2). Returns the mapped address (addr 0 without MAP_FIXED: the broker chooses).
   * Errors: ESRCH, EINVAL (length 0, unaligned, bad prot/flags, outside user space), EBADF (no
   * file without MAP_ANONYMOUS), ENOMEM (no room, or vm.max_map_count), EACCES (MAP_FIXED inside a window attached O_RDONLY).
   */
  Mmap: grpc.handleUnaryCall<_mshare_v1_MmapRequest__Output, _mshare_v1_MmapResponse>;
  
  /**
   * mprotect(2). Inside an mshare'd range it acts on the host mm: every sharer sees it.
   * Errors: ESRCH, EINVAL, ENOMEM (part of the range unmapped), EACCES (inside a window attached
   * O_RDONLY).
   */
  Mprotect: grpc.handleUnaryCall<_mshare_v1_MprotectRequest__Output, _mshare_v1_MprotectResponse>;
  
  /**
   * mshare(name, addr, length, oflags, mode): creates (O_CREAT) or attaches a named region whose
   * page tables are shared. addr and length aligned to mshare_alignment (GetGeometry).
   * Errors: ESRCH; EEXIST (O_CREAT|O_EXCL on an existing name); ENOENT (no O_CREAT, no such
   * name); EACCES (mode forbids the requested access); EPERM (more access than the creator
   * asked for); EINVAL (alignment, range, a VMA crossing the range's edge, an attacher with an
   * overlapping mapping, a bad name); ENAMETOOLONG (name over 255 bytes); ENOSPC (a new region
   * over the broker's regions limit); ENOMEM (a new host's PGD after the machine has panicked out
   * of memory).
   */
  Mshare: grpc.handleUnaryCall<_mshare_v1_MshareRequest__Output, _mshare_v1_MshareResponse>;
  
  /**
   * mshare_unlink(name): drops one reference; the name disappears at zero.
   * Errors: ESRCH, ENOENT (no such name), EPERM (caller holds no reference, is not the owner
   * and not uid 0), EBUSY (the owner holds no reference and every one is held by a live
   * process), EINVAL, ENAMETOOLONG.
   */
  MshareUnlink: grpc.handleUnaryCall<_mshare_v1_MshareUnlinkRequest__Output, _mshare_v1_MshareUnlinkResponse>;
  
  /**
   * munmap(2). Inside an mshare'd range it acts on the host mm: every sharer sees it.
   * Errors: ESRCH, EINVAL, ENOMEM (a split over vm.max_map_count), EACCES (inside a window
   * attached O_RDONLY).
   */
  Munmap: grpc.handleUnaryCall<_mshare_v1_MunmapRequest__Output, _mshare_v1_MunmapResponse>;
  
  /**
   * proc/PID/status of a simulated process. Errors: ESRCH, EINVAL.
   */
  ProcStatus: grpc.handleUnaryCall<_mshare_v1_ProcStatusRequest__Output, _mshare_v1_ProcStatusResponse>;
  
  /**
   * The msharefs read of one region: start and size, owner, mode, reference count.
   * Errors: ENOENT, EINVAL, ENAMETOOLONG.
   */
  ReadRegion: grpc.handleUnaryCall<_mshare_v1_ReadRegionRequest__Output, _mshare_v1_ReadRegionResponse>;
  
  /**
   * A client's lifetime: the first request must be `open`; the first reply carries the
   * session_id to pass to Spawn. When the stream ends (the client closed it, exited, crashed or
   * lost the network), the session's processes exit after the broker's grace period, unless an
   * `open` with resume_session_id resumes it within that period; regions they shared stay.
   * `ping` requests are answered with `pong`.
   * Errors: EINVAL (first request not `open`, a second `open`, a client_name over 128 bytes),
   * EAGAIN (the principal's open sessions at the limit), ENOENT (no session to resume).
   */
  Session: grpc.handleBidiStreamingCall<_mshare_v1_SessionRequest__Output, _mshare_v1_SessionResponse>;
  
  /**
   * Creates a process with an empty address space, owned by the calling principal. With
   * session_id, the process belongs to that session and exits when the session's stream has
   * ended (after the grace period). oom_score_adj (-1000 .. 1000) weighs the process for the OOM
   * killer; -1000: never chosen.
   * Errors: ENOENT (no open session with that id), EINVAL (uid or gid missing or out of range),
   * EPERM (the principal may not spawn as that uid or gid), EAGAIN (RLIMIT_NPROC of the uid
   * reached, uid 0 exempt, or no free pid), ENOMEM (the machine has panicked out of memory).
   */
  Spawn: grpc.handleUnaryCall<_mshare_v1_SpawnRequest__Output, _mshare_v1_SpawnResponse>;
  
  /**
   * Accesses every stride_pages-th page of [addr, addr + length). Counts per outcome. A refusal
   * stops it between two pages: those before stay populated and counted.
   * Errors: ESRCH (as for Access), EINVAL, ENOMEM (as for Access).
   */
  Touch: grpc.handleUnaryCall<_mshare_v1_TouchRequest__Output, _mshare_v1_TouchResponse>;
  
}

export interface BrokerDefinition extends grpc.ServiceDefinition {
  Access: MethodDefinition<_mshare_v1_AccessRequest, _mshare_v1_AccessResponse, _mshare_v1_AccessRequest__Output, _mshare_v1_AccessResponse__Output>
  AccessStream: MethodDefinition<_mshare_v1_AccessStreamRequest, _mshare_v1_AccessStreamResponse, _mshare_v1_AccessStreamRequest__Output, _mshare_v1_AccessStreamResponse__Output>
  Exit: MethodDefinition<_mshare_v1_ExitRequest, _mshare_v1_ExitResponse, _mshare_v1_ExitRequest__Output, _mshare_v1_ExitResponse__Output>
  GetAccounting: MethodDefinition<_mshare_v1_GetAccountingRequest, _mshare_v1_GetAccountingResponse, _mshare_v1_GetAccountingRequest__Output, _mshare_v1_GetAccountingResponse__Output>
  GetGeometry: MethodDefinition<_mshare_v1_GetGeometryRequest, _mshare_v1_GetGeometryResponse, _mshare_v1_GetGeometryRequest__Output, _mshare_v1_GetGeometryResponse__Output>
  ListOomEvents: MethodDefinition<_mshare_v1_ListOomEventsRequest, _mshare_v1_ListOomEventsResponse, _mshare_v1_ListOomEventsRequest__Output, _mshare_v1_ListOomEventsResponse__Output>
  ListRegions: MethodDefinition<_mshare_v1_ListRegionsRequest, _mshare_v1_ListRegionsResponse, _mshare_v1_ListRegionsRequest__Output, _mshare_v1_ListRegionsResponse__Output>
  Mmap: MethodDefinition<_mshare_v1_MmapRequest, _mshare_v1_MmapResponse, _mshare_v1_MmapRequest__Output, _mshare_v1_MmapResponse__Output>
  Mprotect: MethodDefinition<_mshare_v1_MprotectRequest, _mshare_v1_MprotectResponse, _mshare_v1_MprotectRequest__Output, _mshare_v1_MprotectResponse__Output>
  Mshare: MethodDefinition<_mshare_v1_MshareRequest, _mshare_v1_MshareResponse, _mshare_v1_MshareRequest__Output, _mshare_v1_MshareResponse__Output>
  MshareUnlink: MethodDefinition<_mshare_v1_MshareUnlinkRequest, _mshare_v1_MshareUnlinkResponse, _mshare_v1_MshareUnlinkRequest__Output, _mshare_v1_MshareUnlinkResponse__Output>
  Munmap: MethodDefinition<_mshare_v1_MunmapRequest, _mshare_v1_MunmapResponse, _mshare_v1_MunmapRequest__Output, _mshare_v1_MunmapResponse__Output>
  ProcStatus: MethodDefinition<_mshare_v1_ProcStatusRequest, _mshare_v1_ProcStatusResponse, _mshare_v1_ProcStatusRequest__Output, _mshare_v1_ProcStatusResponse__Output>
  ReadRegion: MethodDefinition<_mshare_v1_ReadRegionRequest, _mshare_v1_ReadRegionResponse, _mshare_v1_ReadRegionRequest__Output, _mshare_v1_ReadRegionResponse__Output>
  Session: MethodDefinition<_mshare_v1_SessionRequest, _mshare_v1_SessionResponse, _mshare_v1_SessionRequest__Output, _mshare_v1_SessionResponse__Output>
  Spawn: MethodDefinition<_mshare_v1_SpawnRequest, _mshare_v1_SpawnResponse, _mshare_v1_SpawnRequest__Output, _mshare_v1_SpawnResponse__Output>
  Touch: MethodDefinition<_mshare_v1_TouchRequest, _mshare_v1_TouchResponse, _mshare_v1_TouchRequest__Output, _mshare_v1_TouchResponse__Output>
}
