/**
 * `npm start`: the seed's field case end to end (scenario.ts), a report, and the thresholds; or,
 * with `--replay FILE`, a capture replayed into the broker (shared/replay's runReplayCommand).
 * Progress goes to stderr; the report to stdout (JSON with --json), and to each `--out` file:
 * `.json` holds exactly what --json prints, `.html` the report with its charts (html-report.ts).
 * Exit status: 0 all thresholds pass, 1 a threshold failed, 2 bad flags, 3 the run failed (an
 * unreachable --broker: one line naming the address); --replay: REPLAY_EXIT_CODES.
 */
import { writeFileSync } from 'node:fs';
import type { BrokerClientOptions } from '../../shared/client/index.js';
import type { ReplayReport } from '../../shared/replay/index.js';
import { checkThresholds, formatReport, parseCli, USAGE, UsageError, type Cli } from './cli.js';
import type { renderHtmlReport as RenderHtmlReport } from './html-report.js';
import { DEFAULT_OPTIONS } from './options.js';

// Each mode imports what only it needs when it runs (the broker, the workers, the replay, the
// charts, grpc-js): --compare's lanes are worker threads that load the broker themselves, so this
// thread starts them after loading little more than the flags (docs/performance.md).

const CONNECT_TIMEOUT_MS = 10_000;

/** Why `address` cannot be reached within timeoutMs, or undefined once it can. */
async function reach(address: string, timeoutMs: number, options: BrokerClientOptions = {}): Promise<string | undefined> {
  const grpc = await import('@grpc/grpc-js');
  const client = new grpc.Client(address, options.credentials ?? grpc.credentials.createInsecure(), options.channelOptions);
  return new Promise((resolve) => {
    client.waitForReady(Date.now() + timeoutMs, (err) => {
      client.close();
      resolve(err ? `no connection within ${timeoutMs / 1000} s` : undefined);
    });
  });
}

/** Writes each --out file: `json` (the --json text) to .json files, `html()` to .html ones. */
async function writeOut(files: readonly string[], json: string, html: () => string | Promise<string>): Promise<void> {
  for (const file of files) {
    writeFileSync(file, file.toLowerCase().endsWith('.json') ? json : await html());
    process.stderr.write(`wrote ${file}\n`);
  }
}

const command = () => ['npm start --', ...process.argv.slice(2)].join(' ');

/** renderHtmlReport, imported when a page is written. */
async function renderHtml(...args: Parameters<typeof RenderHtmlReport>): Promise<string> {
  return (await import('./html-report.js')).renderHtmlReport(...args);
}

/** The replay as a page: its text report, preformatted (the charts are the field case's). */
async function replayHtml(text: string, report: ReplayReport | undefined): Promise<string> {
  const { escapeHtml } = await import('./html-report.js');
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>mshare replay report</title></head>
<body>
<h1>mshare replay report</h1>
<p>${escapeHtml(command())}; generated ${escapeHtml(new Date().toISOString())}</p>
<pre>${escapeHtml(text)}</pre>
<h2>JSON</h2>
<pre>${escapeHtml(JSON.stringify({ replay: report }, null, 2))}</pre>
</body>
</html>
`;
}

async function replay(cli: Cli & { replay: string }): Promise<number> {
  const [{ BrokerClient }, { formatReplayReport, formatWhatIf, runReplayCommand }, { startEmbeddedBroker }, { shutdown }] = await Promise.all([
    import('../../shared/client/index.js'), import('../../shared/replay/index.js'), import('./scenario.js'), import('../broker/lifecycle.js'),
  ]);
  const o = { ...DEFAULT_OPTIONS, ...cli.options };
  const embedded = o.broker === undefined ? await startEmbeddedBroker(o) : undefined;
  const client = new BrokerClient(embedded?.address ?? (o.broker as string), o.brokerClient);
  try {
    const r = await runReplayCommand({ file: cli.replay, target: client, json: cli.json, options: { exitWhenDone: true }, whatIf: cli.whatIf });
    if (r.error !== undefined) console.error(`mshare-loadtest: ${r.error}`);
    if (r.report === undefined) return r.exitCode;
    const json = cli.json ? r.output : `${JSON.stringify({ replay: r.report }, null, 2)}\n`;
    const text = cli.json ? formatReplayReport(r.report) + (r.report.what_if ? `\n${formatWhatIf(r.report.what_if)}` : '') : r.output;
    process.stdout.write(r.output);
    await writeOut(cli.out, json, () => replayHtml(text, r.report));
    return r.exitCode;
  } finally {
    client.close();
    if (embedded) await shutdown(embedded.broker, 2_000);
  }
}

async function main(): Promise<number> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`mshare-loadtest: bad flag ${err.message}\n(--help lists the flags)`);
      return 2;
    }
    throw err;
  }
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  if (cli.options.broker !== undefined) {
    const unreachable = await reach(cli.options.broker, CONNECT_TIMEOUT_MS, cli.options.brokerClient);
    if (unreachable) {
      console.error(`mshare-loadtest: cannot reach the broker at ${cli.options.broker} (--broker): ${unreachable}`);
      return 3;
    }
  }
  if (cli.replay !== undefined) return replay({ ...cli, replay: cli.replay });
  if (cli.compare !== undefined) return compareMain(cli);
  const { runScenario } = await import('./scenario.js');
  const report = await runScenario({
    ...cli.options,
    onProgress: cli.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  const verdicts = checkThresholds(report, cli.thresholds);
  const passed = verdicts.every((v) => v.pass);
  const full = { ...report, thresholds: verdicts, passed };
  const json = `${JSON.stringify(full, null, 2)}\n`;
  if (cli.json) {
    process.stdout.write(json);
    for (const line of report.warnings ?? []) process.stderr.write(`${line}\n`);
    for (const v of verdicts) process.stderr.write(`${v.pass ? 'PASS' : 'FAIL'} ${v.field} ${v.value} ${v.op} ${v.limit}\n`);
  } else {
    process.stdout.write(`${formatReport(report, verdicts)}\n`);
  }
  await writeOut(cli.out, json, () => renderHtml(full, { command: command(), generatedAt: new Date().toISOString() }));
  return passed ? 0 : 1;
}

/** --compare: each scheme on a fresh embedded broker; thresholds apply to each, verdicts name it. */
async function compareMain(cli: ReturnType<typeof parseCli>): Promise<number> {
  const { compareJson, formatCompare, runCompare } = await import('./compare.js');
  const say = cli.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
  const rows = await runCompare({ ...cli.options, onProgress: say }, cli.compare ?? [], say);
  const verdicts = rows.flatMap((r) => checkThresholds(r.report, cli.thresholds).map((v) => ({ scheme: r.scheme, ...v })));
  const passed = verdicts.every((v) => v.pass);
  const json = `${JSON.stringify({ ...compareJson(rows), thresholds: verdicts, passed }, null, 2)}\n`;
  process.stdout.write(cli.json ? json : `${formatCompare(rows)}\n`);
  // The page: the mshare run's figures (or the first scheme's), with one bar per scheme.
  const base = (rows.find((r) => r.scheme === 'mshare') ?? rows[0]).report;
  const schemes = rows.map((r) => ({ scheme: r.scheme, pagetable_bytes: r.pagetable_bytes, minor_faults: r.minor_faults }));
  await writeOut(cli.out, json, () => renderHtml({ ...base, schemes }, { command: command(), generatedAt: new Date().toISOString() }));
  for (const v of verdicts) process.stderr.write(`${v.pass ? 'PASS' : 'FAIL'} [${v.scheme}] ${v.field} ${v.value} ${v.op} ${v.limit}\n`);
  return passed ? 0 : 1;
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error('mshare-loadtest: the run failed:', err instanceof Error ? err.message : err);
    process.exitCode = 3;
  },
);
