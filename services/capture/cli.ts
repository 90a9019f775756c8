/**
 * `npm run capture -- --pid 123 --pid 456 --comm postgres --uid 104 --out fleet.capture`
 *
 * Selects processes (the union of --pid, --comm and --uid), reads their address spaces from /proc
 * (shared/capture/procfs.ts) and writes a capture file (docs/capture.md). A summary goes to
 * stderr. Exit status: 0 written, 1 nothing captured (no file written), 2 bad flags.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeCapture, encodeCapture, type Capture } from '../../shared/capture/format.js';
import { captureProcesses, type CaptureOptions, type CaptureSelectors } from '../../shared/capture/procfs.js';

export const CAPTURE_USAGE = `usage: npm run capture -- [--pid N]... [--comm NAME]... [--uid N]... --out FILE [flags]

Captures live processes (the union of the selectors) for replay (npm start -- --replay FILE).
  --pid N          a process id (repeatable)
  --comm NAME      every process whose /proc/PID/comm is NAME (repeatable)
  --uid N          every process whose effective uid is N (repeatable)
  --out FILE       the capture file to write (format: docs/capture.md)
  --stop           SIGSTOP each process while its pages are read (SIGCONT after), when permitted;
                   without it, each pass is retried until VmPTE before and after it agree
  --attempts N     passes tried per process until VmPTE agrees (default 5)
  --quiet          no per-process lines on stderr
  --help`;

export class CaptureUsageError extends Error {}

export interface CaptureCli {
  selectors: CaptureSelectors;
  out: string;
  options: CaptureOptions;
  quiet: boolean;
  help: boolean;
}

export function parseCaptureArgs(argv: string[]): CaptureCli {
  let v;
  try {
    ({ values: v } = parseArgs({
      args: argv,
      options: {
        pid: { type: 'string', multiple: true }, comm: { type: 'string', multiple: true },
        uid: { type: 'string', multiple: true }, out: { type: 'string' }, stop: { type: 'boolean' },
        attempts: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CaptureUsageError((err as Error).message);
  }
  const int = (flag: string, s: string, min: number, max: number): number => {
    if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) throw new CaptureUsageError(`--${flag} ${s}: expected an integer from ${min} to ${max}`);
    return Number(s);
  };
  const help = v.help ?? false;
  const selectors: CaptureSelectors = {
    pids: (v.pid ?? []).map((s) => int('pid', s, 1, 2 ** 31 - 1)),
    comms: v.comm ?? [],
    uids: (v.uid ?? []).map((s) => int('uid', s, 0, 0xfffffffe)),
  };
  if (!help) {
    if (selectors.pids!.length + selectors.comms!.length + selectors.uids!.length === 0) {
      throw new CaptureUsageError('select processes with --pid, --comm or --uid');
    }
    if (!v.out) throw new CaptureUsageError('--out FILE is required');
  }
  return {
    selectors,
    out: v.out ?? '',
    options: { stop: v.stop ?? false, maxAttempts: v.attempts === undefined ? undefined : int('attempts', v.attempts, 1, 100) },
    quiet: v.quiet ?? false,
    help,
  };
}

/** Runs the command; returns the exit status. */
export function runCaptureCli(argv: string[], log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): number {
  let cli: CaptureCli;
  try {
    cli = parseCaptureArgs(argv);
  } catch (err) {
    if (!(err instanceof CaptureUsageError)) throw err;
    log(`mshare-capture: bad flag: ${err.message}\n(--help lists the flags)`);
    return 2;
  }
  if (cli.help) {
    log(CAPTURE_USAGE);
    return 0;
  }
  const started = performance.now();
  const capture: Capture = captureProcesses(cli.selectors, {
    ...cli.options,
    onProcess: cli.quiet ? undefined : (pid, outcome) => log(typeof outcome === 'string'
      ? `pid ${pid}: skipped: ${outcome}`
      : `pid ${pid} ${outcome.comm}: ${outcome.vmas.length} VMAs, VmPTE ${outcome.vmpteBytes / 1024} kB (${outcome.consistency}${outcome.attempts > 1 ? `, ${outcome.attempts} passes` : ''})`),
  });
  const ms = performance.now() - started;
  if (capture.processes.length === 0) {
    for (const n of capture.notes) log(`  ${n}`);
    log('mshare-capture: no process captured; no file written');
    return 1;
  }
  const bytes = encodeCapture(capture);
  writeFileSync(cli.out, bytes);
  log(`wrote ${cli.out}: ${describeCapture(capture)}, ${bytes.length} bytes, captured in ${Math.round(ms)} ms`);
  if (cli.quiet) for (const n of capture.notes) log(`  ${n}`);
  return 0;
}
