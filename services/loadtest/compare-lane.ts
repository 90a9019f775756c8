/**
 * One lane of `--compare` in a worker thread: it runs the schemes the main thread sends it, one at
 * a time, each on its own fresh embedded broker (runScenario, exactly as in-process), and posts
 * back each report and its progress lines. compare.ts starts the lanes; nothing else imports this.
 */
import { parentPort } from 'node:worker_threads';
import type { ScenarioOptions } from './options.js';
import { runScenario } from './scenario.js';

/** What the main thread sends: one scheme to run, with the run's options (functions left out). */
export interface LaneJob {
  scheme: string;
  options: Partial<ScenarioOptions>;
}

const port = parentPort;
if (port === null) throw new Error('compare-lane runs in a worker thread');
port.on('message', (job: LaneJob | null) => {
  if (job === null) {
    port.close();
    return;
  }
  const onProgress = (line: string) => port.postMessage({ kind: 'progress', line });
  runScenario({ ...job.options, onProgress }).then(
    (report) => port.postMessage({ kind: 'report', scheme: job.scheme, report }),
    (err: unknown) => port.postMessage({ kind: 'error', scheme: job.scheme, message: err instanceof Error ? err.message : String(err) }),
  );
});
