/**
 * The echo service's definition, loaded with the broker's loader options so both sides of the
 * comparison decode alike. Its Stream carries the same 8 KiB of addresses as an AccessStream batch
 * and is framed by the same hand codec (shared/grpc/batch-codec.ts: one bytes field, read in place)
 * that the broker's AccessStream uses, on the server and on the client; the server runs with the
 * broker's server options and the client with BrokerClient's channel options (echo-server.ts,
 * grpc.ts). What remains between the two is the broker's own work.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../shared/grpc/proto.js';
import { decodeBytesMessage, encodeBytesMessage } from '../shared/grpc/batch-codec.js';

export interface EchoMessage { payload: Buffer }

export type EchoClient = grpc.Client & {
  Unary(req: EchoMessage, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: EchoMessage) => void): grpc.ClientUnaryCall;
};

/** EchoMessage's one field: `bytes payload = 1`. */
const PAYLOAD = 1;
const serialize = (m: EchoMessage) => encodeBytesMessage(PAYLOAD, m.payload);
const deserialize = (b: Buffer): EchoMessage => ({ payload: decodeBytesMessage(PAYLOAD, b) });
export const ECHO_STREAM_PATH = '/bench.echo.v1.Echo/Stream';

/** An echo Stream call with the hand codec (as BrokerClient.accessStream() opens AccessStream). */
export function openEchoStream(client: grpc.Client): grpc.ClientDuplexStream<EchoMessage, EchoMessage> {
  return client.makeBidiStreamRequest(ECHO_STREAM_PATH, serialize, deserialize);
}

export function loadEcho(): { service: grpc.ServiceDefinition; Client: new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => EchoClient } {
  const file = fileURLToPath(new URL('./echo.proto', import.meta.url));
  const def = protoLoader.loadSync(file, { ...LOADER_OPTIONS, includeDirs: [] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    bench: { echo: { v1: { Echo: grpc.ServiceClientConstructor } } };
  };
  const Echo = pkg.bench.echo.v1.Echo;
  const service = {
    ...Echo.service,
    Stream: { ...Echo.service.Stream, requestSerialize: serialize, requestDeserialize: deserialize, responseSerialize: serialize, responseDeserialize: deserialize },
  };
  return { service, Client: Echo as unknown as new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => EchoClient };
}
