/**
 * The Dockerfile's two stages without Docker (no engine runs here), laid out once per test run
 * and shared by the tests that need built code:
 *   build   every `COPY <src> <dest>` of the build stage from the repository into a temp dir, the
 *           repository's node_modules in place of `npm ci`, then the real `npm run build`;
 *   runtime every COPY of the runtime stage: `--from=build` ones from the build dir, the others
 *           from the repository; node_modules again in place of `npm ci --omit=dev`.
 * `node dist/services/<svc>/main.js` then runs from `app` as the image's command would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoPath } from './paths.js';

export const DOCKERFILE = readFileSync(repoPath('Dockerfile'), 'utf8').replace(/\\\n/g, ' ');

/** The instructions of one stage (`build`, `runtime`), continuation lines joined. */
export function stage(name: string): string {
  const start = DOCKERFILE.search(new RegExp(`^FROM .* AS ${name}$`, 'm'));
  assert.ok(start >= 0, `no stage ${name} in the Dockerfile`);
  const next = DOCKERFILE.slice(start + 1).search(/^FROM /m);
  return next < 0 ? DOCKERFILE.slice(start) : DOCKERFILE.slice(start, start + 1 + next);
}

export interface Built {
  /** The build stage's /app: sources and the `npm run build` output in dist/. */
  readonly buildDir: string;
  /** The runtime stage's /app. */
  readonly app: string;
  /** What `npm run build` printed. */
  readonly buildLog: string;
}

function copyStage(text: string, into: string, fromBuild: string | undefined): void {
  for (const m of text.matchAll(/^COPY (.+)$/gm)) {
    const parts = m[1]!.trim().split(/\s+/);
    let from = repoPath();
    if (parts[0]!.startsWith('--from=')) {
      assert.equal(parts.shift(), '--from=build', m[0]);
      assert.ok(fromBuild, `${m[0]} outside the runtime stage`);
      from = fromBuild;
    }
    const dest = parts.pop()!;
    for (const src of parts) {
      const rel = from === repoPath() ? src : path.relative('/app', src);
      const target = dest.endsWith('/') ? path.join(into, dest, path.basename(src)) : path.join(into, dest);
      cpSync(path.join(from, rel), target, { recursive: true });
    }
  }
  symlinkSync(repoPath('node_modules'), path.join(into, 'node_modules'), 'dir');
}

let built: Built | undefined;

/** Lays out and builds once; later calls return the same directories. Removed at exit. */
export function buildOnce(): Built {
  if (built) return built;
  const root = mkdtempSync(path.join(tmpdir(), 'mshare-build-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  const buildDir = path.join(root, 'build');
  const app = path.join(root, 'app');
  mkdirSync(buildDir);
  mkdirSync(app);
  copyStage(stage('build'), buildDir, undefined);
  assert.match(stage('build'), /^RUN npm run build$/m);
  const npm = spawnSync('npm', ['run', 'build'], { cwd: buildDir, encoding: 'utf8', timeout: 170_000 });
  const buildLog = `${npm.stdout}${npm.stderr}`;
  assert.equal(npm.status, 0, `npm run build failed:\n${buildLog}`);
  copyStage(stage('runtime'), app, buildDir);
  built = { buildDir, app, buildLog };
  return built;
}
