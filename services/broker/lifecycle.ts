/**
 * Binding and stopping a built broker. Only main.ts calls these in production; tests call them
 * with 127.0.0.1:0 addresses.
 */
import * as grpc from '@grpc/grpc-js';
import type { Broker } from './server.js';

/** Binds the gRPC and HTTP ports of the broker's config; returns the ports actually bound. */
export async function listen(broker: Broker): Promise<{ grpcPort: number; httpPort: number }> {
  const { config } = broker;
  const grpcPort = await new Promise<number>((resolve, reject) => {
    broker.grpcServer.bindAsync(config.grpc.address, grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port));
  });
  await broker.http.listen({ host: config.http.host, port: config.http.port });
  const bound = broker.http.server.address();
  const httpPort = typeof bound === 'object' && bound ? bound.port : config.http.port;
  return { grpcPort, httpPort };
}

/**
 * health NOT_SERVING, pending session expiries dropped, HTTP closed, gRPC tryShutdown; after
 * graceMs, forceShutdown (cancels the calls still open, e.g. Session streams).
 */
export async function shutdown(broker: Broker, graceMs: number): Promise<'graceful' | 'forced'> {
  broker.setServing(false);
  broker.sessions.dispose();
  await broker.http.close();
  const graceful = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), graceMs);
    broker.grpcServer.tryShutdown(() => { clearTimeout(timer); resolve(true); });
  });
  if (!graceful) broker.grpcServer.forceShutdown();
  return graceful ? 'graceful' : 'forced';
}
