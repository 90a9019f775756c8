/**
 * A real Prometheus (Debian's `prometheus` binary) for tests, configured from the project's own
 * deploy/prometheus/prometheus.yml with the targets swapped for 127.0.0.1 ports.
 *
 *   const prom = await startPrometheus({ broker: '127.0.0.1:9464', worker: '127.0.0.1:9465' });
 *   try {
 *     await prom.waitForTargetsUp(30_000);
 *     const r = await prom.waitForSeries('mshare_processes', 30_000);
 *   } finally {
 *     await prom.stop();
 *   }
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JOBS, substituteTargets, type Targets } from './prometheus-config.js';
import { repoPath } from './paths.js';

export const PROMETHEUS_CONFIG = repoPath('deploy', 'prometheus', 'prometheus.yml');

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface QueryResult {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  /** For a vector, the samples; for a scalar or string, one entry with an empty metric. */
  result: Sample[];
}

/** A query Prometheus refused (bad PromQL: errorType "bad_data"), or an unreachable server. */
export class PromQueryError extends Error {
  constructor(
    readonly expr: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${errorType}: ${message} (query: ${expr})`);
    this.name = 'PromQueryError';
  }
}

class LaunchError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
    this.name = 'LaunchError';
  }
}

export interface StartOptions {
  /** The configuration to start from; default deploy/prometheus/prometheus.yml. */
  configFile?: string;
  /** Replaces every scrape interval; default 1s. */
  scrapeInterval?: string;
  /** The binary; default `prometheus` on PATH. */
  binary?: string;
  /** How long to wait for /-/ready; default 20 s. */
  readyTimeoutMs?: number;
}

export interface PrometheusHandle {
  /** Base URL, http://127.0.0.1:PORT */
  readonly url: string;
  readonly pid: number;
  /** Temp dir holding the config and the TSDB; deleted by stop(). */
  readonly dir: string;
  /** The configuration Prometheus runs (targets substituted), for messages. */
  readonly config: string;
  /** An instant query through /api/v1/query. Rejects with PromQueryError on a bad expression. */
  query(expr: string): Promise<QueryResult>;
  /** Polls `expr` until it returns at least one sample; rejects after timeoutMs with the last answer. */
  waitForSeries(expr: string, timeoutMs: number): Promise<QueryResult>;
  /** Waits until both jobs (mshare-broker, mshare-worker) have up == 1 on every target. */
  waitForTargetsUp(timeoutMs: number): Promise<void>;
  /** Stops the process it started (by pid: SIGTERM, then SIGKILL) and deletes its temp dir. */
  stop(): Promise<void>;
  /** The last lines Prometheus logged, for failure messages. */
  logs(): string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startPrometheus(targets: Targets, options: StartOptions = {}): Promise<PrometheusHandle> {
  const configText = await readFile(options.configFile ?? PROMETHEUS_CONFIG, 'utf8');
  const config = substituteTargets(configText, targets, { scrapeInterval: options.scrapeInterval ?? '1s' });
  const dir = await mkdtemp(path.join(tmpdir(), 'mshare-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, config);

  // The free port can be taken between the probe and Prometheus's bind: try a few ports.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(dir, configFile, config, await freePort(), options);
    } catch (err) {
      lastError = err;
      if (err instanceof LaunchError && !err.retry) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

async function launch(
  dir: string,
  configFile: string,
  config: string,
  port: number,
  options: StartOptions,
): Promise<PrometheusHandle> {
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn(
    options.binary ?? 'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, `data-${port}`)}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  // If the test process exits without stop() (a crash, mocha's --exit), do not leave it running.
  const killOnExit = () => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const kill = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.pid !== undefined && !exited(child)) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 2_000);
      }
    }
  };
  const stop = async (): Promise<void> => {
    await kill();
    await rm(dir, { recursive: true, force: true });
  };

  const readyDeadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (spawnError) {
      await kill();
      throw new LaunchError(
        `cannot run prometheus (${spawnError.message}); install it: apt-get install prometheus`,
        false,
      );
    }
    if (exited(child)) {
      await kill();
      // Most often the port was taken after freePort() probed it: worth another port.
      throw new LaunchError(`prometheus exited with ${child.exitCode ?? child.signalCode} before ready:\n${log}`, true);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > readyDeadline) {
      await kill();
      throw new LaunchError(`prometheus not ready at ${url} within ${options.readyTimeoutMs ?? 20_000} ms:\n${log}`, false);
    }
    await sleep(100);
  }

  const query = async (expr: string): Promise<QueryResult> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, {
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as {
      status: string;
      errorType?: string;
      error?: string;
      data?: { resultType: QueryResult['resultType']; result: unknown };
    };
    if (body.status !== 'success' || !body.data) {
      throw new PromQueryError(expr, body.errorType ?? `http_${res.status}`, body.error ?? 'no data');
    }
    const { resultType, result } = body.data;
    if (resultType === 'scalar' || resultType === 'string') {
      return { resultType, result: [{ metric: {}, value: result as [number, string] }] };
    }
    return { resultType, result: result as Sample[] };
  };

  const waitForSeries = async (expr: string, timeoutMs: number): Promise<QueryResult> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await query(expr);
      if (r.result.length > 0) return r;
      if (Date.now() > deadline) {
        throw new Error(`no samples for ${expr} within ${timeoutMs} ms\n${log}`);
      }
      await sleep(250);
    }
  };

  const waitForTargetsUp = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last: Sample[] = [];
    for (;;) {
      last = (await query(`up{job=~"${JOBS.broker}|${JOBS.worker}"}`)).result;
      const jobs = new Set(last.map((s) => s.metric.job));
      if (jobs.has(JOBS.broker) && jobs.has(JOBS.worker) && last.every((s) => s.value[1] === '1')) return;
      if (Date.now() > deadline) {
        const seen = last.map((s) => `${s.metric.job} ${s.metric.instance} up=${s.value[1]}`).join(', ');
        throw new Error(`targets not all up within ${timeoutMs} ms: [${seen}]\n${log}`);
      }
      await sleep(250);
    }
  };

  return {
    url,
    pid: child.pid as number,
    dir,
    config,
    query,
    waitForSeries,
    waitForTargetsUp,
    stop,
    logs: () => log,
  };
}
