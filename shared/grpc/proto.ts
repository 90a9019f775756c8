/**
 * The one place that loads proto/ at run time. The loader options are the ones
 * scripts/generate-proto-types.sh passes to proto-loader-gen-types, so the values grpc-js hands
 * over match the committed types in shared/generated (uint64 as decimal strings, enums as names,
 * defaults filled in, oneof names as virtual fields).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { protoPath as healthProtoPath } from 'grpc-health-check';
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

/** grpc.health.v1's proto as grpc-health-check ships it: its root, and its name under that root. */
const HEALTH_PROTO = 'health/v1/health.proto';
const HEALTH_ROOT = path.resolve(path.dirname(healthProtoPath), '..', '..');

/**
 * What server reflection describes: the broker's proto and grpc.health.v1 (the health service the
 * broker also serves), so grpcurl lists, describes and calls both. Loaded for reflection only.
 */
export function loadReflectedProtos(): protoLoader.PackageDefinition {
  return protoLoader.loadSync([BROKER_PROTO, HEALTH_PROTO], { ...LOADER_OPTIONS, includeDirs: [PROTO_ROOT, HEALTH_ROOT] });
}
