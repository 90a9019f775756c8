/**
 * Entry point: reads the config, binds /metrics and /healthz, starts the worker (connect, spawn,
 * create or attach the region), runs its pattern once, then holds its processes (and so its
 * references to the region) until SIGTERM/SIGINT: then they unlink and exit, the session closes,
 * HTTP closes. Exit codes: 0 after a clean stop, 1 when the worker failed or its session ended
 * under it (the broker went away), 2 on a bad config.
 */
import { loadConfigOrExit } from '../../shared/config.js';
import { loadConfig } from './config.js';
import { createWorkerMetrics } from './metrics.js';
import { buildWorkerHttp } from './http.js';
import { Worker } from './worker.js';

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), service: 'mshare-worker', msg, ...fields }));

async function main(): Promise<void> {
  const config = loadConfigOrExit('mshare-worker', loadConfig);
  const metrics = createWorkerMetrics();
  let phase = 'starting';
  const { http: _http, ...options } = config;
  const worker = new Worker({
    ...options, metrics,
    // Its processes are gone with the session: exit 1, so the supervisor (compose, Kubernetes)
    // starts a fresh worker, rather than answer /healthz for processes that no longer exist.
    onSessionLost: () => void stop('session lost (the broker went away)', 1),
  });
  const http = buildWorkerHttp({ metrics, status: () => ({ phase, role: config.role, ...worker.progress }) });
  await http.listen({ host: config.http.host, port: config.http.port });
  const bound = http.server.address();
  const httpPort = typeof bound === 'object' && bound ? bound.port : config.http.port;
  log('listening', { http: `${config.http.host}:${httpPort}`, broker: config.brokerAddress, role: config.role, processes: config.processes });

  let stopping: Promise<void> | undefined;
  const stop = (why: string, code: number) => {
    stopping ??= (async () => {
      phase = 'stopping';
      log('stopping', { why });
      await worker.stop().catch((err) => log('stop failed', { err: String(err) }));
      await http.close();
      log('stopped', { why });
      process.exitCode = code;
    })();
    return stopping;
  };
  process.once('SIGINT', () => void stop('SIGINT', 0));
  process.once('SIGTERM', () => void stop('SIGTERM', 0));

  try {
    await worker.start();
    phase = 'running';
    log('started', { pids: worker.pids.length, window: worker.window && { start: `0x${worker.window.start.toString(16)}`, size: String(worker.window.size) } });
    const t0 = Date.now();
    const totals = await worker.run();
    if (stopping) return;
    phase = 'holding';
    log('pattern done', { pattern: config.pattern, seconds: (Date.now() - t0) / 1000, ...totals });
  } catch (err) {
    if (stopping) return;
    log('worker failed', { err: err instanceof Error ? err.message : String(err) });
    await stop('failure', 1);
  }
}

main().catch((err) => {
  console.error('mshare-worker: failed to start:', err);
  process.exit(1);
});
