/**
 * Replay of a capture file, for the CLIs (`npm start -- --replay FILE`) and any service:
 *
 * ```ts
 * const client = new BrokerClient(address);           // any ReplayTarget; BrokerClient is one
 * const { exitCode, output } = await runReplayCommand({ file, target: client, json });
 * process.stdout.write(output);                         // text table, or {"replay": {...}} with json
 * process.exitCode = exitCode;                          // REPLAY_EXIT_CODES
 * ```
 *
 * A refused capture (CaptureError: truncated, wrong version, overlapping VMAs, beyond the
 * geometry ...) is refused before the first call that changes the broker.
 */
import { readFileSync } from 'node:fs';
import { CaptureError, decodeCapture, type Capture } from '../capture/format.js';
import { replayCapture, ReplayError, type ReplayOptions, type ReplayReport } from './replay.js';
import type { ReplayTarget } from './target.js';
import { formatWhatIf, runWhatIf, type WhatIfOptions, type WhatIfReport } from './whatif.js';

export * from './replay.js';
export * from './target.js';
export * from './candidates.js';
export * from './whatif.js';
export { linuxRuleVmpte } from './linux-rule.js';

export const REPLAY_EXIT_CODES = Object.freeze({
  /** Every process in the exact check has simulated VmPTE == captured VmPTE. */
  exact: 0,
  /** A process in the exact check differs (the report says which, by how much). */
  mismatch: 1,
  /** The replay failed after it started (the broker refused a call; its processes were exited). */
  failed: 3,
  /** The capture was refused (unreadable, or a record CaptureError names); nothing was sent. */
  refused: 4,
});

/** Reads and decodes a capture file; CaptureError names the record at fault. */
export function readCaptureFile(file: string): Capture {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new CaptureError(`cannot read capture ${file}: ${(err as Error).message}`);
  }
  try {
    return decodeCapture(bytes);
  } catch (err) {
    if (err instanceof CaptureError) throw new CaptureError(`${file}: ${err.message}`, err.record);
    throw err;
  }
}

export async function replayCaptureFile(file: string, target: ReplayTarget, options: ReplayOptions = {}): Promise<ReplayReport> {
  return replayCapture(readCaptureFile(file), target, options);
}

export interface ReplayCommandResult {
  exitCode: number;
  /** For stdout: the text report, or JSON `{"replay": report}`. */
  output: string;
  /** For stderr: why the capture was refused or the replay failed. */
  error?: string;
  report?: ReplayReport & { what_if?: WhatIfReport };
}

/** The whole `--replay FILE [--json]` command, minus argument parsing and printing. */
export async function runReplayCommand(opts: {
  file: string;
  target: ReplayTarget;
  json?: boolean;
  options?: ReplayOptions;
  /**
   * After the replay, the what-if under these schemes (whatif.ts; by default each in a fresh
   * in-process kernel running it): `what_if` in the report, its table after the text report.
   */
  whatIf?: readonly string[];
  whatIfTarget?: WhatIfOptions['target'];
}): Promise<ReplayCommandResult> {
  let report: ReplayReport & { what_if?: WhatIfReport };
  try {
    const capture = readCaptureFile(opts.file);
    report = await replayCapture(capture, opts.target, opts.options);
    if (opts.whatIf !== undefined) report.what_if = await runWhatIf(capture, { schemes: opts.whatIf, target: opts.whatIfTarget });
  } catch (err) {
    if (err instanceof CaptureError) return { exitCode: REPLAY_EXIT_CODES.refused, output: '', error: `capture refused, nothing replayed: ${err.message}` };
    if (err instanceof ReplayError) return { exitCode: REPLAY_EXIT_CODES.failed, output: '', error: err.message };
    throw err;
  }
  const text = () => formatReplayReport(report) + (report.what_if ? `\n${formatWhatIf(report.what_if)}` : '');
  return {
    exitCode: report.exact.all_match ? REPLAY_EXIT_CODES.exact : REPLAY_EXIT_CODES.mismatch,
    output: opts.json ? `${JSON.stringify({ replay: report }, null, 2)}\n` : text(),
    report,
  };
}

/** The report as text: per process captured beside simulated VmPTE, totals, candidates, notes. */
export function formatReplayReport(r: ReplayReport): string {
  const kb = (b: number | null) => (b === null ? '?' : `${(b / 1024).toLocaleString('en-US')} kB`);
  const rows: string[][] = [['pid', 'comm', 'captured VmPTE', 'simulated VmPTE', 'difference', 'Linux rule', 'check']];
  for (const p of r.processes) {
    const d = p.simulated_vmpte_bytes - p.captured_vmpte_bytes;
    rows.push([
      String(p.pid), p.comm, kb(p.captured_vmpte_bytes), kb(p.simulated_vmpte_bytes),
      d === 0 ? '0' : `${d > 0 ? '+' : '-'}${kb(Math.abs(d))}`, kb(p.linux_rule_vmpte_bytes),
      !p.exact_check ? 'left out' : p.matches ? 'exact' : 'MISMATCH',
    ]);
  }
  const d = r.simulated_vmpte_bytes - r.captured_vmpte_bytes;
  rows.push(['', 'total', kb(r.captured_vmpte_bytes), kb(r.simulated_vmpte_bytes), d === 0 ? '0' : `${d > 0 ? '+' : '-'}${kb(Math.abs(d))}`, '', '']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = [
    `replay of a capture of ${r.capture.host || 'a machine'} (Linux ${r.capture.kernel || '?'}, ${r.capture.captured_at || '?'}) into ${r.geometry}, ${r.timing_ms.replay} ms`,
    '',
    ...rows.map((row) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()),
    '',
    `exact check: ${r.exact.matched} of ${r.exact.processes} processes exact (${kb(r.exact.captured_vmpte_bytes)} captured, ${kb(r.exact.simulated_vmpte_bytes)} simulated); ${r.exact.left_out} left out`,
  ];
  if (r.candidates.length > 0) {
    lines.push('', 'sharing candidates (MAP_SHARED, same device:inode and offset in several processes):');
    for (const c of r.candidates) {
      lines.push(`  ${c.kind.padEnd(16)} ${c.path || c.key}  ${(c.length_bytes / 1024).toLocaleString('en-US')} kB, ${c.process_count} processes${c.same_address ? ' at one address' : ''}, ${c.captured_pages} captured pages${c.hugetlb ? ' (hugetlb)' : ''}`);
    }
  }
  if (r.notes.length > 0) {
    lines.push('', 'notes:');
    for (const n of r.notes) lines.push(`  ${n}`);
  }
  return `${lines.join('\n')}\n`;
}
