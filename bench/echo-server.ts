/**
 * Child process: the plain grpc-js echo server on 127.0.0.1:0. Prints {"port":N} once bound;
 * SIGTERM stops it. Nothing but the transport, with the broker's server options (keepalive, the
 * receive limit of the default batch limit) and, on Stream, the broker's batch framing (echo.ts).
 * No interceptor: the broker's metrics are part of the broker's work.
 */
import * as grpc from '@grpc/grpc-js';
import { loadEcho, type EchoMessage } from './echo.js';
import { brokerServerOptions } from '../services/broker/server.js';
import { loadConfig } from '../services/broker/config.js';

const { service } = loadEcho();
const server = new grpc.Server(brokerServerOptions(loadConfig({}).limits.maxBatchAddresses));
server.addService(service, {
  Unary(call: grpc.ServerUnaryCall<EchoMessage, EchoMessage>, callback: grpc.sendUnaryData<EchoMessage>) {
    callback(null, call.request);
  },
  Stream(call: grpc.ServerDuplexStream<EchoMessage, EchoMessage>) {
    call.on('data', (m: EchoMessage) => {
      if (!call.write(m)) {
        call.pause();
        call.once('drain', () => call.resume());
      }
    });
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.once('SIGTERM', () => {
  server.forceShutdown();
  process.exit(0);
});
