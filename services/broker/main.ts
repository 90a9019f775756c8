/**
 * Entry point: reads the config, builds the broker, binds its ports, and shuts it down on
 * SIGINT/SIGTERM in a fixed order: health NOT_SERVING, HTTP close, gRPC tryShutdown with a grace
 * period, then forceShutdown, then (with MSHARE_STATE_DIR) the state saved (state.ts). Exit codes:
 * 0 after a clean stop, 1 when it cannot start (a port in use: one line naming the address) or the
 * shutdown or the save fails, 2 on a bad config or a state file that cannot be restored.
 *
 * Under a supervisor run `node dist/services/broker/main.js` (after `npm run build`): the
 * supervisor's signals then reach this process directly. `npm run broker` execs node too, so npm
 * forwards SIGTERM/SIGINT to it.
 */
import { loadConfigOrExit } from '../../shared/config.js';
import { BindError } from '../../shared/listen.js';
import { ConfigError, kernelOptions, loadConfig } from './config.js';
import { loadPolicy } from './auth.js';
import { BROKER_SERVICE } from './http.js';
import { buildBroker } from './server.js';
import { listen, shutdown } from './lifecycle.js';
import { loadState, retireState, saveState, StateError, type BrokerState } from './state.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit(BROKER_SERVICE, loadConfig);
  let policy;
  let broker;
  let restored: BrokerState | undefined;
  const restoreStarted = performance.now();
  try {
    policy = config.policyFile ? await loadPolicy(config.policyFile) : undefined;
    restored = config.stateDir ? loadState(config.stateDir, kernelOptions(config)) : undefined;
    broker = buildBroker({ config, logger: true, policy, restored });
  } catch (err) {
    if (err instanceof StateError) {
      console.error(`${BROKER_SERVICE}: ${err.message}`);
      process.exit(2);
    }
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${BROKER_SERVICE}: bad configuration: ${err.message}`);
    process.exit(2);
  }
  const { grpcPort, httpPort } = await listen(broker);
  if (config.stateDir && restored) {
    // Without checkpoints the file is renamed away once restored: a crash later must not bring
    // this state back (a SIGKILL is a power cut). With them, it stays the latest checkpoint.
    if (config.stateIntervalMs === 0) retireState(config.stateDir);
    broker.log.info({
      dir: config.stateDir, processes: broker.kernel.pids().length, regions: broker.kernel.regionCount,
      sessions: restored.sessions.length, ms: Math.round(performance.now() - restoreStarted),
    }, 'state restored');
  }
  const stateDir = config.stateDir;
  // One save at a time (they write the same temporary file): a checkpoint due while one is still
  // being written is skipped, and the save at shutdown waits for it.
  let saving: Promise<void> = Promise.resolve();
  let inFlight = false;
  const save = (why: string, sessions = broker.sessions.records()): Promise<void> => {
    if (!stateDir) return Promise.resolve();
    const started = performance.now();
    inFlight = true;
    saving = saveState(stateDir, { kernel: broker.kernel, owners: broker.owners, sessions }).then(
      (bytes) => broker.log.info({ dir: stateDir, why, bytes, ms: Math.round(performance.now() - started) }, 'state saved'),
    ).finally(() => { inFlight = false; });
    return saving;
  };
  const checkpoints = stateDir && config.stateIntervalMs > 0
    ? setInterval(() => {
      if (inFlight) {
        broker.log.warn({ dir: stateDir }, 'checkpoint skipped: the last save is still being written');
        return;
      }
      try {
        save('checkpoint').catch((err: unknown) => broker.log.error({ err }, 'checkpoint failed'));
      } catch (err) {
        broker.log.error({ err }, 'checkpoint failed'); // taking the snapshot itself threw
      }
    }, config.stateIntervalMs).unref()
    : undefined;
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
    clearInterval(checkpoints);
    // The sessions as they were: shutdown forgets them, and the state keeps them.
    const sessions = broker.sessions.records();
    shutdown(broker, config.shutdownGraceMs).then(
      async (how) => {
        broker.log.info({ how }, 'stopped');
        try {
          await saving.catch(() => undefined); // a checkpoint still being written (its failure is logged)
          await save(signal, sessions);
        } catch (err) {
          broker.log.error({ err }, 'saving the state failed');
          process.exit(1);
        }
        process.exitCode = 0;
      },
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
