/**
 * Headless Chromium (Debian's /usr/bin/chromium, installed by scripts/test-tools.sh) for tests
 * that look at a page as a person would: a screenshot, or the DOM after load.
 *
 * Each run has a fresh profile directory and its own process group; a run that does not end
 * within its bound is killed (the group, by its id) and fails, and killAll() ends whatever a
 * test started that is still alive (call it from after/afterEach). No request leaves the
 * machine: the pages are file:// and every host name resolves to nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);

const started = new Set<ChildProcess>();

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-extensions', '--hide-scrollbars', '--force-device-scale-factor=1',
  '--host-resolver-rules=MAP * ~NOTFOUND',
];

export interface ChromiumRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs Chromium on a file with extra flags; rejects if it has not exited within timeoutMs. */
export function runChromium(file: string, extra: string[], timeoutMs = 60_000): Promise<ChromiumRun> {
  const profile = mkdtempSync(path.join(tmpdir(), 'mshare-chromium-'));
  const args = [...FLAGS, `--user-data-dir=${profile}`, ...extra, pathToFileURL(file).href];
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    started.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`chromium did not exit within ${timeoutMs} ms (killed)\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // The browser's helpers (zygote, renderer) share its process group: end any left behind
    // (they could hold the output pipes open, and 'close' waits for those).
    child.once('exit', () => killGroup(child));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      started.delete(child);
      rmSync(profile, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** Kills every Chromium process group a test started that is still there. */
export function killAll(): void {
  for (const child of started) killGroup(child);
  started.clear();
}

/** A screenshot of the page in a window of the given size, written to `png`. */
export async function screenshot(file: string, png: string, width: number, height: number, timeoutMs?: number): Promise<ChromiumRun> {
  return runChromium(file, [`--screenshot=${png}`, `--window-size=${width},${height}`], timeoutMs);
}

/** The DOM after load, serialized (Chromium's --dump-dom). */
export async function dumpDom(file: string, timeoutMs?: number): Promise<string> {
  const run = await runChromium(file, ['--dump-dom', '--window-size=1200,2000'], timeoutMs);
  if (run.code !== 0) throw new Error(`chromium --dump-dom exited ${run.code ?? run.signal}\n${run.stderr.slice(-2000)}`);
  return run.stdout;
}
