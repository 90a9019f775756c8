/**
 * `npm start`: the seed's field case end to end (scenario.ts), a report, and the thresholds.
 * Progress goes to stderr; the report to stdout (JSON with --json).
 * Exit status: 0 all thresholds pass, 1 a threshold failed, 2 bad flags, 3 the run failed.
 */
import { checkThresholds, formatReport, parseCli, USAGE, UsageError } from './cli.js';
import { runScenario } from './scenario.js';

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

main().then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error('mshare-loadtest: the run failed:', err instanceof Error ? err.message : err);
    process.exitCode = 3;
  },
);
