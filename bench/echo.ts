/**
 * The echo service's definition, loaded with the broker's loader options so both sides of the
 * comparison decode alike.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../shared/grpc/proto.js';

export interface EchoMessage { payload: Buffer }

export type EchoClient = grpc.Client & {
  Unary(req: EchoMessage, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: EchoMessage) => void): grpc.ClientUnaryCall;
  Stream(): grpc.ClientDuplexStream<EchoMessage, EchoMessage>;
};

export function loadEcho(): { service: grpc.ServiceDefinition; Client: new (address: string, creds: grpc.ChannelCredentials) => EchoClient } {
  const file = fileURLToPath(new URL('./echo.proto', import.meta.url));
  const def = protoLoader.loadSync(file, { ...LOADER_OPTIONS, includeDirs: [] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    bench: { echo: { v1: { Echo: grpc.ServiceClientConstructor } } };
  };
  const Echo = pkg.bench.echo.v1.Echo;
  return { service: Echo.service, Client: Echo as unknown as new (address: string, creds: grpc.ChannelCredentials) => EchoClient };
}
