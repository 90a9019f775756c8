/**
 * The one place that loads proto/ at run time. The loader options are the ones
 * scripts/generate-proto-types.sh passes to proto-loader-gen-types, so the values grpc-js hands
 * over match the committed types in shared/generated (uint64 as decimal strings, enums as names,
 * defaults filled in, oneof names as virtual fields).
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../generated/broker.js';

export const PROTO_ROOT = fileURLToPath(new URL('../../proto', import.meta.url));
export const BROKER_PROTO = 'mshare/v1/broker.proto';
export const BROKER_SERVICE_NAME = 'mshare.v1.Broker';

export const LOADER_OPTIONS: Readonly<protoLoader.Options> = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
});

let cached: { packageDefinition: protoLoader.PackageDefinition; proto: ProtoGrpcType } | undefined;

/** The broker's package definition (for reflection) and typed grpc objects, loaded once. */
export function loadBrokerProto(): { packageDefinition: protoLoader.PackageDefinition; proto: ProtoGrpcType } {
  if (!cached) {
    const packageDefinition = protoLoader.loadSync(BROKER_PROTO, { ...LOADER_OPTIONS });
    const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
    cached = { packageDefinition, proto };
  }
  return cached;
}
