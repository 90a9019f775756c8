/**
 * Entry point: reads the config, builds the broker, binds its ports, and shuts it down on
 * SIGINT/SIGTERM in a fixed order: health NOT_SERVING, HTTP close, gRPC tryShutdown with a grace
 * period, then forceShutdown. Exit codes: 0 after a clean stop, 1 when it cannot start (a port in
 * use: one line naming the address) or the shutdown fails, 2 on a bad config.
 *
 * Under a supervisor run `node dist/services/broker/main.js` (after `npm run build`): the
 * supervisor's signals then reach this process directly. `npm run broker` execs node too, so npm
 * forwards SIGTERM/SIGINT to it.
 */
import { loadConfigOrExit } from '../../shared/config.js';
import { BindError } from '../../shared/listen.js';
import { ConfigError, loadConfig } from './config.js';
import { loadPolicy } from './auth.js';
import { BROKER_SERVICE } from './http.js';
import { buildBroker } from './server.js';
import { listen, shutdown } from './lifecycle.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit(BROKER_SERVICE, loadConfig);
  let policy;
  let broker;
  try {
    policy = config.policyFile ? await loadPolicy(config.policyFile) : undefined;
    broker = buildBroker({ config, logger: true, policy });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${BROKER_SERVICE}: bad configuration: ${err.message}`);
    process.exit(2);
  }
  const { grpcPort, httpPort } = await listen(broker);
  broker.log.info(
    {
      grpc: `${config.grpc.host}:${grpcPort}`, http: `${config.http.host}:${httpPort}`, geometry: config.geometry, sharing: config.sharing,
      tls: config.tls ? (config.tls.clientCa ? 'mutual' : 'server') : 'off', principals: policy?.size ?? 0,
    },
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
  if (err instanceof BindError) console.error(`${BROKER_SERVICE}: ${err.message}`);
  else console.error(`${BROKER_SERVICE}: failed to start:`, err);
  process.exit(1);
});
