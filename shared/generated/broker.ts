import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AccessRequest as _mshare_v1_AccessRequest, AccessRequest__Output as _mshare_v1_AccessRequest__Output } from './mshare/v1/AccessRequest.js';
import type { AccessResponse as _mshare_v1_AccessResponse, AccessResponse__Output as _mshare_v1_AccessResponse__Output } from './mshare/v1/AccessResponse.js';
import type { AccessStreamRequest as _mshare_v1_AccessStreamRequest, AccessStreamRequest__Output as _mshare_v1_AccessStreamRequest__Output } from './mshare/v1/AccessStreamRequest.js';
import type { AccessStreamResponse as _mshare_v1_AccessStreamResponse, AccessStreamResponse__Output as _mshare_v1_AccessStreamResponse__Output } from './mshare/v1/AccessStreamResponse.js';
import type { BrokerClient as _mshare_v1_BrokerClient, BrokerDefinition as _mshare_v1_BrokerDefinition } from './mshare/v1/Broker.js';
import type { ExitRequest as _mshare_v1_ExitRequest, ExitRequest__Output as _mshare_v1_ExitRequest__Output } from './mshare/v1/ExitRequest.js';
import type { ExitResponse as _mshare_v1_ExitResponse, ExitResponse__Output as _mshare_v1_ExitResponse__Output } from './mshare/v1/ExitResponse.js';
import type { GetAccountingRequest as _mshare_v1_GetAccountingRequest, GetAccountingRequest__Output as _mshare_v1_GetAccountingRequest__Output } from './mshare/v1/GetAccountingRequest.js';
import type { GetAccountingResponse as _mshare_v1_GetAccountingResponse, GetAccountingResponse__Output as _mshare_v1_GetAccountingResponse__Output } from './mshare/v1/GetAccountingResponse.js';
import type { GetGeometryRequest as _mshare_v1_GetGeometryRequest, GetGeometryRequest__Output as _mshare_v1_GetGeometryRequest__Output } from './mshare/v1/GetGeometryRequest.js';
import type { GetGeometryResponse as _mshare_v1_GetGeometryResponse, GetGeometryResponse__Output as _mshare_v1_GetGeometryResponse__Output } from './mshare/v1/GetGeometryResponse.js';
import type { ListOomEventsRequest as _mshare_v1_ListOomEventsRequest, ListOomEventsRequest__Output as _mshare_v1_ListOomEventsRequest__Output } from './mshare/v1/ListOomEventsRequest.js';
import type { ListOomEventsResponse as _mshare_v1_ListOomEventsResponse, ListOomEventsResponse__Output as _mshare_v1_ListOomEventsResponse__Output } from './mshare/v1/ListOomEventsResponse.js';
import type { ListRegionsRequest as _mshare_v1_ListRegionsRequest, ListRegionsRequest__Output as _mshare_v1_ListRegionsRequest__Output } from './mshare/v1/ListRegionsRequest.js';
import type { ListRegionsResponse as _mshare_v1_ListRegionsResponse, ListRegionsResponse__Output as _mshare_v1_ListRegionsResponse__Output } from './mshare/v1/ListRegionsResponse.js';
import type { MmapRequest as _mshare_v1_MmapRequest, MmapRequest__Output as _mshare_v1_MmapRequest__Output } from './mshare/v1/MmapRequest.js';
import type { MmapResponse as _mshare_v1_MmapResponse, MmapResponse__Output as _mshare_v1_MmapResponse__Output } from './mshare/v1/MmapResponse.js';
import type { MprotectRequest as _mshare_v1_MprotectRequest, MprotectRequest__Output as _mshare_v1_MprotectRequest__Output } from './mshare/v1/MprotectRequest.js';
import type { MprotectResponse as _mshare_v1_MprotectResponse, MprotectResponse__Output as _mshare_v1_MprotectResponse__Output } from './mshare/v1/MprotectResponse.js';
import type { MshareRequest as _mshare_v1_MshareRequest, MshareRequest__Output as _mshare_v1_MshareRequest__Output } from './mshare/v1/MshareRequest.js';
import type { MshareResponse as _mshare_v1_MshareResponse, MshareResponse__Output as _mshare_v1_MshareResponse__Output } from './mshare/v1/MshareResponse.js';
import type { MshareUnlinkRequest as _mshare_v1_MshareUnlinkRequest, MshareUnlinkRequest__Output as _mshare_v1_MshareUnlinkRequest__Output } from './mshare/v1/MshareUnlinkRequest.js';
import type { MshareUnlinkResponse as _mshare_v1_MshareUnlinkResponse, MshareUnlinkResponse__Output as _mshare_v1_MshareUnlinkResponse__Output } from './mshare/v1/MshareUnlinkResponse.js';
import type { MunmapRequest as _mshare_v1_MunmapRequest, MunmapRequest__Output as _mshare_v1_MunmapRequest__Output } from './mshare/v1/MunmapRequest.js';
import type { MunmapResponse as _mshare_v1_MunmapResponse, MunmapResponse__Output as _mshare_v1_MunmapResponse__Output } from './mshare/v1/MunmapResponse.js';
import type { OomEvent as _mshare_v1_OomEvent, OomEvent__Output as _mshare_v1_OomEvent__Output } from './mshare/v1/OomEvent.js';
import type { OutcomeCounts as _mshare_v1_OutcomeCounts, OutcomeCounts__Output as _mshare_v1_OutcomeCounts__Output } from './mshare/v1/OutcomeCounts.js';
import type { ProcStatusRequest as _mshare_v1_ProcStatusRequest, ProcStatusRequest__Output as _mshare_v1_ProcStatusRequest__Output } from './mshare/v1/ProcStatusRequest.js';
import type { ProcStatusResponse as _mshare_v1_ProcStatusResponse, ProcStatusResponse__Output as _mshare_v1_ProcStatusResponse__Output } from './mshare/v1/ProcStatusResponse.js';
import type { ReadRegionRequest as _mshare_v1_ReadRegionRequest, ReadRegionRequest__Output as _mshare_v1_ReadRegionRequest__Output } from './mshare/v1/ReadRegionRequest.js';
import type { ReadRegionResponse as _mshare_v1_ReadRegionResponse, ReadRegionResponse__Output as _mshare_v1_ReadRegionResponse__Output } from './mshare/v1/ReadRegionResponse.js';
import type { SeedBaseline as _mshare_v1_SeedBaseline, SeedBaseline__Output as _mshare_v1_SeedBaseline__Output } from './mshare/v1/SeedBaseline.js';
import type { SessionKilled as _mshare_v1_SessionKilled, SessionKilled__Output as _mshare_v1_SessionKilled__Output } from './mshare/v1/SessionKilled.js';
import type { SessionOpen as _mshare_v1_SessionOpen, SessionOpen__Output as _mshare_v1_SessionOpen__Output } from './mshare/v1/SessionOpen.js';
import type { SessionOpened as _mshare_v1_SessionOpened, SessionOpened__Output as _mshare_v1_SessionOpened__Output } from './mshare/v1/SessionOpened.js';
import type { SessionPing as _mshare_v1_SessionPing, SessionPing__Output as _mshare_v1_SessionPing__Output } from './mshare/v1/SessionPing.js';
import type { SessionPong as _mshare_v1_SessionPong, SessionPong__Output as _mshare_v1_SessionPong__Output } from './mshare/v1/SessionPong.js';
import type { SessionRequest as _mshare_v1_SessionRequest, SessionRequest__Output as _mshare_v1_SessionRequest__Output } from './mshare/v1/SessionRequest.js';
import type { SessionResponse as _mshare_v1_SessionResponse, SessionResponse__Output as _mshare_v1_SessionResponse__Output } from './mshare/v1/SessionResponse.js';
import type { SpawnRequest as _mshare_v1_SpawnRequest, SpawnRequest__Output as _mshare_v1_SpawnRequest__Output } from './mshare/v1/SpawnRequest.js';
import type { SpawnResponse as _mshare_v1_SpawnResponse, SpawnResponse__Output as _mshare_v1_SpawnResponse__Output } from './mshare/v1/SpawnResponse.js';
import type { TableCounts as _mshare_v1_TableCounts, TableCounts__Output as _mshare_v1_TableCounts__Output } from './mshare/v1/TableCounts.js';
import type { TouchRequest as _mshare_v1_TouchRequest, TouchRequest__Output as _mshare_v1_TouchRequest__Output } from './mshare/v1/TouchRequest.js';
import type { TouchResponse as _mshare_v1_TouchResponse, TouchResponse__Output as _mshare_v1_TouchResponse__Output } from './mshare/v1/TouchResponse.js';
import type { Vma as _mshare_v1_Vma, Vma__Output as _mshare_v1_Vma__Output } from './mshare/v1/Vma.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  mshare: {
    v1: {
      AccessKind: EnumTypeDefinition
      AccessOutcome: EnumTypeDefinition
      AccessRequest: MessageTypeDefinition<_mshare_v1_AccessRequest, _mshare_v1_AccessRequest__Output>
      AccessResponse: MessageTypeDefinition<_mshare_v1_AccessResponse, _mshare_v1_AccessResponse__Output>
      AccessStreamRequest: MessageTypeDefinition<_mshare_v1_AccessStreamRequest, _mshare_v1_AccessStreamRequest__Output>
      AccessStreamResponse: MessageTypeDefinition<_mshare_v1_AccessStreamResponse, _mshare_v1_AccessStreamResponse__Output>
      /**
       * The broker: simulated processes, their address spaces and page tables, and the msharefs
       * namespace, driven by Linux's system calls. (Named Broker, not BrokerService: see buf.yaml.)
       */
      Broker: SubtypeConstructor<typeof grpc.Client, _mshare_v1_BrokerClient> & { service: _mshare_v1_BrokerDefinition }
      ExitRequest: MessageTypeDefinition<_mshare_v1_ExitRequest, _mshare_v1_ExitRequest__Output>
      ExitResponse: MessageTypeDefinition<_mshare_v1_ExitResponse, _mshare_v1_ExitResponse__Output>
      GetAccountingRequest: MessageTypeDefinition<_mshare_v1_GetAccountingRequest, _mshare_v1_GetAccountingRequest__Output>
      GetAccountingResponse: MessageTypeDefinition<_mshare_v1_GetAccountingResponse, _mshare_v1_GetAccountingResponse__Output>
      GetGeometryRequest: MessageTypeDefinition<_mshare_v1_GetGeometryRequest, _mshare_v1_GetGeometryRequest__Output>
      GetGeometryResponse: MessageTypeDefinition<_mshare_v1_GetGeometryResponse, _mshare_v1_GetGeometryResponse__Output>
      ListOomEventsRequest: MessageTypeDefinition<_mshare_v1_ListOomEventsRequest, _mshare_v1_ListOomEventsRequest__Output>
      ListOomEventsResponse: MessageTypeDefinition<_mshare_v1_ListOomEventsResponse, _mshare_v1_ListOomEventsResponse__Output>
      ListRegionsRequest: MessageTypeDefinition<_mshare_v1_ListRegionsRequest, _mshare_v1_ListRegionsRequest__Output>
      ListRegionsResponse: MessageTypeDefinition<_mshare_v1_ListRegionsResponse, _mshare_v1_ListRegionsResponse__Output>
      MmapRequest: MessageTypeDefinition<_mshare_v1_MmapRequest, _mshare_v1_MmapRequest__Output>
      MmapResponse: MessageTypeDefinition<_mshare_v1_MmapResponse, _mshare_v1_MmapResponse__Output>
      MprotectRequest: MessageTypeDefinition<_mshare_v1_MprotectRequest, _mshare_v1_MprotectRequest__Output>
      MprotectResponse: MessageTypeDefinition<_mshare_v1_MprotectResponse, _mshare_v1_MprotectResponse__Output>
      MshareRequest: MessageTypeDefinition<_mshare_v1_MshareRequest, _mshare_v1_MshareRequest__Output>
      MshareResponse: MessageTypeDefinition<_mshare_v1_MshareResponse, _mshare_v1_MshareResponse__Output>
      MshareUnlinkRequest: MessageTypeDefinition<_mshare_v1_MshareUnlinkRequest, _mshare_v1_MshareUnlinkRequest__Output>
      MshareUnlinkResponse: MessageTypeDefinition<_mshare_v1_MshareUnlinkResponse, _mshare_v1_MshareUnlinkResponse__Output>
      MunmapRequest: MessageTypeDefinition<_mshare_v1_MunmapRequest, _mshare_v1_MunmapRequest__Output>
      MunmapResponse: MessageTypeDefinition<_mshare_v1_MunmapResponse, _mshare_v1_MunmapResponse__Output>
      OomEvent: MessageTypeDefinition<_mshare_v1_OomEvent, _mshare_v1_OomEvent__Output>
      OutcomeCounts: MessageTypeDefinition<_mshare_v1_OutcomeCounts, _mshare_v1_OutcomeCounts__Output>
      ProcStatusRequest: MessageTypeDefinition<_mshare_v1_ProcStatusRequest, _mshare_v1_ProcStatusRequest__Output>
      ProcStatusResponse: MessageTypeDefinition<_mshare_v1_ProcStatusResponse, _mshare_v1_ProcStatusResponse__Output>
      ReadRegionRequest: MessageTypeDefinition<_mshare_v1_ReadRegionRequest, _mshare_v1_ReadRegionRequest__Output>
      ReadRegionResponse: MessageTypeDefinition<_mshare_v1_ReadRegionResponse, _mshare_v1_ReadRegionResponse__Output>
      SeedBaseline: MessageTypeDefinition<_mshare_v1_SeedBaseline, _mshare_v1_SeedBaseline__Output>
      SessionKilled: MessageTypeDefinition<_mshare_v1_SessionKilled, _mshare_v1_SessionKilled__Output>
      SessionOpen: MessageTypeDefinition<_mshare_v1_SessionOpen, _mshare_v1_SessionOpen__Output>
      SessionOpened: MessageTypeDefinition<_mshare_v1_SessionOpened, _mshare_v1_SessionOpened__Output>
      SessionPing: MessageTypeDefinition<_mshare_v1_SessionPing, _mshare_v1_SessionPing__Output>
      SessionPong: MessageTypeDefinition<_mshare_v1_SessionPong, _mshare_v1_SessionPong__Output>
      SessionRequest: MessageTypeDefinition<_mshare_v1_SessionRequest, _mshare_v1_SessionRequest__Output>
      SessionResponse: MessageTypeDefinition<_mshare_v1_SessionResponse, _mshare_v1_SessionResponse__Output>
      SpawnRequest: MessageTypeDefinition<_mshare_v1_SpawnRequest, _mshare_v1_SpawnRequest__Output>
      SpawnResponse: MessageTypeDefinition<_mshare_v1_SpawnResponse, _mshare_v1_SpawnResponse__Output>
      TableCounts: MessageTypeDefinition<_mshare_v1_TableCounts, _mshare_v1_TableCounts__Output>
      TouchRequest: MessageTypeDefinition<_mshare_v1_TouchRequest, _mshare_v1_TouchRequest__Output>
      TouchResponse: MessageTypeDefinition<_mshare_v1_TouchResponse, _mshare_v1_TouchResponse__Output>
      Vma: MessageTypeDefinition<_mshare_v1_Vma, _mshare_v1_Vma__Output>
    }
  }
}

