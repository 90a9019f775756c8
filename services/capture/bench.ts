/**
 * Benchmark hooks for capture + replay (issue 11: "20 PostgreSQL backends with 1 GiB
 * shared_buffers captured and replayed in under 10 s"):
 *
 *   captureAndReplay(pids, target)   times capture -> file bytes -> parse -> replay of live pids
 *   benchPostgresBackends({...})     starts a real PostgreSQL (postgres.ts), N backends that have
 *                                    read pgbench_accounts into shared_buffers, and times
 *                                    captureAndReplay over the postmaster and all its children
 *
 * The target is any ReplayTarget: a BrokerClient for the gRPC figure, a KernelTarget for the core.
 * `npm run bench -- --only replay` (bench/replay.ts) runs them as a section of the benchmark.
 */
import { decodeCapture, encodeCapture, type Capture } from '../../shared/capture/format.js';
import { captureProcesses } from '../../shared/capture/procfs.js';
import { replayCapture, type ReplayOptions, type ReplayReport } from '../../shared/replay/replay.js';
import type { ReplayTarget } from '../../shared/replay/target.js';
import { startPostgres } from './postgres.js';

export interface CaptureReplayTiming {
  processes: number;
  /** Reading /proc (smaps, pagemap, status) of every process. */
  captureMs: number;
  /** encode + decode (the file round trip, without the disk). */
  fileMs: number;
  fileBytes: number;
  replayMs: number;
  totalMs: number;
  report: ReplayReport;
  /** The capture as the replay read it back from the file bytes, and the bytes. */
  capture: Capture;
  bytes: Buffer;
}

export async function captureAndReplay(
  pids: number[], target: ReplayTarget, opts: { stop?: boolean; replay?: ReplayOptions } = {},
): Promise<CaptureReplayTiming> {
  const t0 = performance.now();
  const capture = captureProcesses({ pids }, { stop: opts.stop ?? true });
  const t1 = performance.now();
  const bytes = encodeCapture(capture);
  const parsed = decodeCapture(bytes);
  const t2 = performance.now();
  const report = await replayCapture(parsed, target, opts.replay);
  const t3 = performance.now();
  return {
    processes: capture.processes.length,
    captureMs: Math.round(t1 - t0),
    fileMs: Math.round(t2 - t1),
    fileBytes: bytes.length,
    replayMs: Math.round(t3 - t2),
    totalMs: Math.round(t3 - t0),
    report,
    capture: parsed,
    bytes,
  };
}

export interface PostgresBenchOptions {
  backends: number;
  /** e.g. '1GB'. */
  sharedBuffers: string;
  /** pgbench scale; each backend pg_prewarm()s pgbench_accounts (~13 MB per scale unit) into shared_buffers. */
  scale: number;
  target: ReplayTarget;
  replay?: ReplayOptions;
  onProgress?: (line: string) => void;
}

export async function benchPostgresBackends(o: PostgresBenchOptions): Promise<CaptureReplayTiming & { setupMs: number }> {
  const say = o.onProgress ?? (() => {});
  const t0 = performance.now();
  const pg = await startPostgres({ sharedBuffers: o.sharedBuffers, scale: o.scale, maxConnections: o.backends + 10 });
  try {
    pg.query('create extension if not exists pg_prewarm');
    say(`postgres ${pg.postmasterPid} up (shared_buffers ${o.sharedBuffers}, scale ${o.scale}); opening ${o.backends} backends`);
    await pg.openBackends(o.backends, 600, { warmSql: "select pg_prewarm('pgbench_accounts')", timeoutMs: 300_000 });
    const setupMs = Math.round(performance.now() - t0);
    const pids = pg.serverPids();
    say(`capturing and replaying ${pids.length} processes`);
    return { ...(await captureAndReplay(pids, o.target, { stop: true, replay: o.replay })), setupMs };
  } finally {
    await pg.stop();
  }
}
