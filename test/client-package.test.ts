// The client as a package: `npm run build:client` and `npm pack` (packages/client) make a tarball
// that a scratch project outside the repository installs offline (its dependencies linked from
// the repository's node_modules, so no registry is asked), type-checks against through the
// package's exports map and types, and runs against a real broker on 127.0.0.1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startBroker, type TestBroker } from './fixtures/broker.js';
import { repoPath, repoRoot } from './support/paths.js';

const run = promisify(execFile);

/** What the scratch project's program does with the package (TypeScript, compiled by tsc). */
const APP = `import {
  BrokerClient, KernelError, MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE,
  type RegionInfo,
} from '@mshare-broker/client';

const broker = new BrokerClient(process.argv[2]);
const geometry = await broker.geometry();
const session = await broker.openSession('scratch');
const pid = await session.spawn({ uid: 1000, gid: 1000, comm: 'scratch' });
const start = geometry.mshareAlignment * 4n;
await broker.mmap(pid, start, 1n << 30n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
await broker.mshare(pid, 'scratch-sga', start, geometry.mshareAlignment, O_CREAT | O_EXCL | O_RDWR, 0o600);
const touched = await broker.touch(pid, start, 1n << 21n, 'write');
const region: RegionInfo = await broker.readRegion('scratch-sga');
let errno = '';
try {
  await broker.readRegion('no-such-region');
} catch (err) {
  if (err instanceof KernelError) errno = err.errno;
}
await session.close();
broker.close();
console.log(JSON.stringify({ geometry: geometry.name, pid, touched, region: { name: region.name, start: String(region.start), refcount: region.refcount }, errno }));
`;

describe('the client as a package (packages/client)', function () {
  this.timeout(180_000);
  let t: TestBroker;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'client-package-'));
    t = await startBroker({ MSHARE_SESSION_GRACE_MS: '50' });
  });
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds, packs, installs offline into a scratch project, type-checks and drives a running broker', async () => {
    await run('bash', ['scripts/build-client.sh'], { cwd: repoRoot });
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoPath('packages', 'client') });
    const [{ filename, files }] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const paths = files.map((f) => f.path);
    for (const p of ['package.json', 'dist/shared/client/index.js', 'dist/shared/client/index.d.ts', 'dist/proto/mshare/v1/broker.proto']) {
      assert.ok(paths.includes(p), `the tarball holds ${p}`);
    }
    assert.ok(!paths.some((p) => p.startsWith('dist/services/') || p.endsWith('.ts') && !p.endsWith('.d.ts')), 'no service code, no TypeScript sources');

    const scratch = path.join(dir, 'scratch');
    const modules = repoPath('node_modules');
    const link = (name: string) => `file:${realpathSync(path.join(modules, name))}`;
    await run('mkdir', ['-p', scratch]);
    writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({
      name: 'scratch', version: '1.0.0', private: true, type: 'module',
      dependencies: {
        '@mshare-broker/client': `file:${path.join(dir, filename)}`,
        '@grpc/grpc-js': link('@grpc/grpc-js'),
        '@grpc/proto-loader': link('@grpc/proto-loader'),
      },
    }, null, 2));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: scratch });
    assert.ok(readdirSync(path.join(scratch, 'node_modules', '@mshare-broker', 'client', 'dist')).includes('proto'));

    writeFileSync(path.join(scratch, 'app.ts'), APP);
    writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true,
        typeRoots: [path.join(modules, '@types')], types: ['node'],
      },
      files: ['app.ts'],
    }));
    const tsc = await run(process.execPath, [path.join(modules, 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: scratch })
      .then(() => '', (err: { stdout: string }) => err.stdout);
    assert.equal(tsc, '', 'the scratch program type-checks against the package\'s types');

    const out = await run(process.execPath, ['app.js', t.grpcAddress], { cwd: scratch });
    const r = JSON.parse(out.stdout) as { geometry: string; pid: number; touched: Record<string, number>; region: { name: string; start: string; refcount: number }; errno: string };
    const align = 512n << 30n;
    assert.equal(r.geometry, 'x86_64-4level');
    assert.ok(r.pid > 0);
    // 2 MiB written once: 512 minor faults, nothing present before, no signal.
    assert.deepEqual([r.touched.present, r.touched.minorFault, r.touched.sigsegv, r.touched.sigbus], [0, 512, 0, 0]);
    assert.deepEqual(r.region, { name: 'scratch-sga', start: String(align * 4n), refcount: 1 });
    assert.equal(r.errno, 'ENOENT');
  });
});
