/**
 * `npm start`: the seed's field case end to end (scenario.ts), a report, and the thresholds.
 * Progress goes to stderr; the report to stdout (JSON with --json).
 * Exit status: 0 all thresholds pass, 1 a threshold failed, 2 bad flags, 3 the run failed (an
 * unreachable --broker: one line naming the address).
 */
import * as grpc from '@grpc/grpc-js';
import { checkThresholds, formatReport, parseCli, USAGE, UsageError } from './cli.js';
import { compareJson, formatCompare, runCompare } from './compare.js';
import { runScenario } from './scenario.js';

const CONNECT_TIMEOUT_MS = 10_000;

/** Why `address` cannot be reached within timeoutMs, or undefined once it can. */
function reach(address: string, timeoutMs: number): Promise<string | undefined> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.waitForReady(Date.now() + timeoutMs, (err) => {
      client.close();
      resolve(err ? `no connection within ${timeoutMs / 1000} s` : undefined);
    });
  });
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
    const unreachable = await reach(cli.options.broker, CONNECT_TIMEOUT_MS);
    if (unreachable) {
      console.error(`mshare-loadtest: cannot reach the broker at ${cli.options.broker} (--broker): ${unreachable}`);
      return 3;
    }
  }
  if (cli.compare !== undefined) return compareMain(cli);
  const report = await runScenario({
    ...cli.options,
    onProgress: cli.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  const verdicts = checkThresholds(report, cli.thresholds);
  const passed = verdicts.every((v) => v.pass);
  if (cli.json) {
    process.stdout.write(`${JSON.stringify({ ...report, thresholds: verdicts, passed }, null, 2)}\n`);
    for (const v of verdicts) process.stderr.write(`${v.pass ? 'PASS' : 'FAIL'} ${v.field} ${v.value} ${v.op} ${v.limit}\n`);
  } else {
    process.stdout.write(`${formatReport(report, verdicts)}\n`);
  }
  return passed ? 0 : 1;
}

/** --compare: each scheme on a fresh embedded broker; thresholds apply to each, verdicts name it. */
async function compareMain(cli: ReturnType<typeof parseCli>): Promise<number> {
  const say = cli.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
  const rows = await runCompare({ ...cli.options, onProgress: say }, cli.compare ?? [], say);
  const verdicts = rows.flatMap((r) => checkThresholds(r.report, cli.thresholds).map((v) => ({ scheme: r.scheme, ...v })));
  const passed = verdicts.every((v) => v.pass);
  if (cli.json) {
    process.stdout.write(`${JSON.stringify({ ...compareJson(rows), thresholds: verdicts, passed }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatCompare(rows)}\n`);
  }
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
