/**
 * Binding and stopping a built broker. Only main.ts calls these in production; tests call them
 * with 127.0.0.1:0 addresses.
 */
import { bindGrpc, bindHttp } from '../../shared/listen.js';
import type { Broker } from './server.js';

/**
 * Binds the gRPC and HTTP ports of the broker's config; returns the ports actually bound. A port
 * that cannot be bound rejects with a BindError naming the address and its variable.
 */
export async function listen(broker: Broker): Promise<{ grpcPort: number; httpPort: number }> {
  const { config } = broker;
  const grpcPort = await bindGrpc(
    broker.grpcServer, { addr: config.grpc, purpose: 'gRPC', variable: 'MSHARE_GRPC_ADDR' }, broker.grpcCredentials,
  );
  const httpPort = await bindHttp(broker.http, { addr: config.http, purpose: 'HTTP', variable: 'MSHARE_HTTP_ADDR' });
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
