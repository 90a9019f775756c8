/**
 * Entry point: reads the config, builds the broker, binds its ports, and shuts it down on
 * SIGINT/SIGTERM in a fixed order: health NOT_SERVING, HTTP close, gRPC tryShutdown with a grace
 * period, then forceShutdown.
 */
import { loadConfigOrExit } from '../../shared/config.js';
import { loadConfig } from './config.js';
import { buildBroker } from './server.js';
import { listen, shutdown } from './lifecycle.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('mshare-broker', loadConfig);
  const broker = buildBroker({ config, logger: true });
  const { grpcPort, httpPort } = await listen(broker);
  broker.log.info(
    { grpc: `${config.grpc.host}:${grpcPort}`, http: `${config.http.host}:${httpPort}`, geometry: config.geometry, sharing: config.sharing },
    'mshare-broker listening',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    broker.log.info({ signal }, 'shutting down');
    shutdown(broker, config.shutdownGraceMs).then(
      (how) => { broker.log.info({ how }, 'stopped'); process.exitCode = 0; },
      (err) => { broker.log.error({ err }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error('mshare-broker: failed to start:', err);
  process.exit(1);
});
