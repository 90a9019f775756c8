/**
 * Entry point: reads the config, binds /metrics, /healthz and /readyz, starts the worker
 * (connect, spawn, create or attach the region), runs its pattern once, then holds its processes
 * (and so its references to the region) until SIGTERM/SIGINT: then they unlink and exit, the
 * session closes, HTTP closes. /readyz answers 200 from the end of the start (a donor: its region
 * exists; a client: its processes are attached) until the stop, 503 before and after.
 * Exit codes: 0 after a clean stop, 1 when the worker failed (an unreachable broker or a port in
 * use: one line naming the address) or its session ended under it (the broker went away),
 * 2 on a bad config.
 */
import { loadConfigOrExit } from '../../shared/config.js';
import { BindError, bindHttp } from '../../shared/listen.js';
import { logLevelFromEnv } from '../../shared/log.js';
import { loadConfig } from './config.js';
import { createWorkerMetrics } from './metrics.js';
import { WORKER_SERVICE, buildWorkerHttp } from './http.js';
import { Worker } from './worker.js';

type Phase = 'starting' | 'running' | 'holding' | 'stopping';

async function main(): Promise<void> {
  const { config, logLevel } = loadConfigOrExit(WORKER_SERVICE, (env) => ({ config: loadConfig(env), logLevel: logLevelFromEnv(env) }));
  const metrics = createWorkerMetrics();
  let phase: Phase = 'starting';
  const { http: _http, ...options } = config;
  const worker: Worker = new Worker({
    ...options, metrics,
    // Its processes are gone with the session: exit 1, so the supervisor (compose, Kubernetes)
    // starts a fresh worker, rather than answer /healthz for processes that no longer exist.
    onSessionLost: () => void stop('session lost (the broker went away)', 1),
  });
  const http = buildWorkerHttp({
    metrics, logger: true, logLevel,
    status: () => ({ phase, role: config.role, ...worker.progress }),
    ready: () => phase === 'running' || phase === 'holding',
  });
  const log = http.log;
  const httpPort = await bindHttp(http, { addr: config.http, purpose: 'HTTP', variable: 'MSHARE_WORKER_HTTP_ADDR' });
  log.info({ http: `${config.http.host}:${httpPort}`, broker: config.brokerAddress, role: config.role, processes: config.processes }, 'listening');

  let stopping: Promise<void> | undefined;
  const stop = (why: string, code: number) => {
    stopping ??= (async () => {
      phase = 'stopping';
      log.info({ why }, 'stopping');
      await worker.stop().catch((err) => log.error({ err: String(err) }, 'stop failed'));
      await http.close();
      log.info({ why }, 'stopped');
      process.exitCode = code;
    })();
    return stopping;
  };
  process.once('SIGINT', () => void stop('SIGINT', 0));
  process.once('SIGTERM', () => void stop('SIGTERM', 0));

  try {
    await worker.start();
    phase = 'running';
    log.info({ pids: worker.pids.length, window: worker.window && { start: `0x${worker.window.start.toString(16)}`, size: String(worker.window.size) } }, 'started');
    const t0 = Date.now();
    const totals = await worker.run();
    if (stopping) return;
    phase = 'holding';
    log.info({ pattern: config.pattern, seconds: (Date.now() - t0) / 1000, ...totals }, 'pattern done');
  } catch (err) {
    if (stopping) return;
    const message = err instanceof Error ? err.message : String(err);
    if (worker.geometry === undefined) {
      // Not one RPC answered: the broker is down, unreachable or not a broker.
      log.error({ broker: config.brokerAddress, err: message }, `cannot reach the broker at ${config.brokerAddress} (MSHARE_BROKER_ADDR): ${message}`);
    } else {
      log.error({ err: message }, 'worker failed');
    }
    await stop('failure', 1);
  }
}

main().catch((err) => {
  if (err instanceof BindError) console.error(`${WORKER_SERVICE}: ${err.message}`);
  else console.error(`${WORKER_SERVICE}: failed to start:`, err);
  process.exit(1);
});
