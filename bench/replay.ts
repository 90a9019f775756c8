/**
 * Capture and replay of a real fleet (issue 11's target: 20 PostgreSQL backends with 1 GiB
 * shared_buffers captured and replayed in under 10 s in all), and the replay of the committed
 * capture of such a fleet (test/fixtures/capture/postgres-20.capture).
 *
 * A real PostgreSQL 15 (services/capture/postgres.ts: the postgres user, a Unix socket in a
 * temporary directory) with 1 GiB shared_buffers and 20 backends that have each pg_prewarm()ed
 * pgbench_accounts (scale 50, about 780 MB) into it; a broker child process (gRPC on 127.0.0.1:0).
 * Each round (services/capture/bench.ts captureAndReplay): capture every server process with
 * --stop, the file round trip (encode + decode), the replay through the broker over gRPC (exited
 * after); then the same capture replayed in process,
 * and the what-if under every scheme (in-process kernels). Rounds re-capture the same live fleet.
 * Needs root and PostgreSQL (scripts/test-tools.sh installs it); without them the section says so.
 *
 *   npm run bench -- --only replay
 *   REPLAY_BENCH_SAVE=FILE npm run bench -- --only replay    also writes the first capture to FILE
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrokerClient } from '../shared/client/index.js';
import { decodeCapture, describeCapture } from '../shared/capture/format.js';
import { KernelTarget, replayCapture, runWhatIf, type ReplayReport } from '../shared/replay/index.js';
import { captureAndReplay } from '../services/capture/bench.js';
import { postgresAvailable, startPostgres } from '../services/capture/postgres.js';
import { startBroker } from './grpc.js';
import { judge, median, ROOT, type Figure } from './lib.js';

export const POSTGRES_FIXTURE = path.join(ROOT, 'test/fixtures/capture/postgres-20.capture');
const BACKENDS = 20;
const TARGET = { op: '<' as const, limit: 10, unit: 's' };

interface Round { capture: number; file: number; replay: number; total: number; inProcess: number; whatIf: number; exact: boolean; processes: number; load: number }

const exactOf = (r: ReplayReport) => r.exact.all_match && r.exact.left_out === 0;

export async function runReplay(rounds: number, log: (line: string) => void): Promise<Figure[]> {
  const figures: Figure[] = [];
  const missing = postgresAvailable() ?? (process.getuid?.() === 0 ? null : 'needs root (the server runs as the postgres user)');
  const broker = await startBroker(); // its 'listening' line (log level info) says it is ready
  const client = new BrokerClient(broker.value);
  try {
    if (missing !== null) {
      log(`replay: PostgreSQL part not run: ${missing}`);
    } else {
      const t0 = performance.now();
      const pg = await startPostgres({ sharedBuffers: '1GB', scale: 50, maxConnections: BACKENDS + 10 });
      try {
        pg.query('create extension if not exists pg_prewarm');
        await pg.openBackends(BACKENDS, 900, { warmSql: "select pg_prewarm('pgbench_accounts')", timeoutMs: 300_000 });
        log(`replay: PostgreSQL ${pg.postmasterPid} with ${BACKENDS} warm backends in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        const runs: Round[] = [];
        for (let round = 0; round < rounds; round++) {
          const t = await captureAndReplay(pg.serverPids(), client, { stop: true, replay: { exitWhenDone: true } });
          const d = performance.now();
          const local = await replayCapture(t.capture, new KernelTarget());
          const e = performance.now();
          await runWhatIf(t.capture);
          const f = performance.now();
          const { capture, bytes, report } = t;
          if (round === 0 && process.env.REPLAY_BENCH_SAVE) {
            writeFileSync(process.env.REPLAY_BENCH_SAVE, bytes);
            log(`replay: wrote ${process.env.REPLAY_BENCH_SAVE} (${describeCapture(capture)}, ${bytes.length} bytes)`);
          }
          const r: Round = {
            capture: t.captureMs / 1000, file: t.fileMs / 1000, replay: t.replayMs / 1000, total: t.totalMs / 1000,
            inProcess: (t.captureMs + t.fileMs + e - d) / 1000, whatIf: (f - e) / 1000, exact: exactOf(report) && exactOf(local), processes: capture.processes.length, load: os.loadavg()[0],
          };
          runs.push(r);
          log(`replay round ${round + 1}: ${r.processes} processes, capture ${r.capture.toFixed(2)} s, file ${r.file.toFixed(2)} s, gRPC replay ${r.replay.toFixed(2)} s (total ${r.total.toFixed(2)} s), in process ${r.inProcess.toFixed(2)} s, what-if ${r.whatIf.toFixed(2)} s, ${r.exact ? 'all exact' : 'NOT all exact'}, load average ${r.load.toFixed(1)}`);
        }
        const m = (k: keyof Omit<Round, 'exact'>) => median(runs.map((r) => r[k]));
        const exact = runs.every((r) => r.exact) ? 'every process exact' : 'NOT every process exact';
        figures.push(judge({
          section: 'replay', name: `capture + replay, ${BACKENDS} PostgreSQL backends (1 GiB shared_buffers), broker over gRPC: wall time`,
          value: m('total'), unit: 's', target: TARGET,
          note: `median of ${runs.length}; ${m('processes')} processes; capture ${m('capture').toFixed(2)} s, file ${m('file').toFixed(2)} s, replay ${m('replay').toFixed(2)} s; ${exact}; load average ${m('load').toFixed(1)} on ${os.availableParallelism()} cores`,
          detail: { rounds: runs },
        }));
        figures.push(judge({
          section: 'replay', name: `capture + replay, ${BACKENDS} PostgreSQL backends, in-process kernel: wall time`,
          value: m('inProcess'), unit: 's', target: TARGET, note: `median of ${runs.length}; the same captures`,
        }));
        figures.push({
          section: 'replay', name: 'what-if under all 6 schemes of that capture (in-process kernels): wall time',
          value: m('whatIf'), unit: 's', note: `median of ${runs.length}`,
        });
      } finally {
        await pg.stop();
      }
    }
    if (existsSync(POSTGRES_FIXTURE)) {
      const times: number[] = [];
      let exact = true;
      for (let round = 0; round < rounds; round++) {
        const a = performance.now();
        const report = await replayCapture(decodeCapture(readFileSync(POSTGRES_FIXTURE)), client, { exitWhenDone: true });
        times.push((performance.now() - a) / 1000);
        exact &&= exactOf(report);
      }
      const c = decodeCapture(readFileSync(POSTGRES_FIXTURE));
      figures.push(judge({
        section: 'replay', name: 'replay of the committed capture (test/fixtures/capture/postgres-20.capture), broker over gRPC: wall time',
        value: median(times), unit: 's', target: TARGET,
        note: `median of ${times.length}; ${describeCapture(c)}; ${exact ? 'every process exact' : 'NOT every process exact'}; load average ${os.loadavg()[0].toFixed(1)}`,
        detail: { rounds: times },
      }));
    }
  } finally {
    client.close();
    await broker.stop();
  }
  return figures;
}
