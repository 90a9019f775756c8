/**
 * Child process: the plain grpc-js echo server on 127.0.0.1:0. Prints {"port":N} once bound;
 * SIGTERM stops it. A default grpc-js server: nothing but the transport.
 */
import * as grpc from '@grpc/grpc-js';
import { loadEcho, type EchoMessage } from './echo.js';

const { service } = loadEcho();
const server = new grpc.Server();
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
