/**
 * Planned restarts keep the state (MSHARE_STATE_DIR, services/broker/state.ts): a broker child
 * process under a bounded load gets SIGTERM, saves, and a new one started on the same directory
 * answers GetAccounting, ProcStatus and ListRegions with the same bytes. A damaged or foreign
 * state file stops the start, naming why; a crash after a restore starts empty (a power cut).
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { BrokerClient } from '../shared/client/broker-client.js';
import { KernelError } from '../shared/kernel/errors.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_RDWR, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { kernelOptions, loadConfig } from '../services/broker/config.js';
import { loadState, RESTORED_FILE, STATE_FILE } from '../services/broker/state.js';
import { tokenSha256 } from '../services/broker/auth.js';
import { startBroker as startInProcess } from './fixtures/broker.js';
import { repoRoot } from './support/paths.js';

const GiB = 1n << 30n;
const MiB = 1n << 20n;
const RW = PROT_READ | PROT_WRITE;

interface Running {
  child: ChildProcess;
  grpc: string;
  /** Every log line so far, parsed. */
  log: { msg: string; [k: string]: unknown }[];
}

/** `npm run broker` as a child process on 127.0.0.1:0 ports; resolves once it listens. */
async function startBroker(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/broker/main.ts'], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MSHARE_GRPC_ADDR: '127.0.0.1:0', MSHARE_HTTP_ADDR: '127.0.0.1:0', MSHARE_SHUTDOWN_GRACE_MS: '1000', ...env },
  });
  const log: Running['log'] = [];
  const lines = createInterface({ input: child.stdout! });
  const listening = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as Running['log'][number];
      log.push(entry);
      if (entry.msg === 'mshare-broker listening') resolve(String(entry.grpc));
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}) before listening`)));
  });
  return { child, grpc: await listening, log };
}

async function sigterm(r: Running): Promise<number | null> {
  const exited = once(r.child, 'exit');
  r.child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}

function kill(r: Running | undefined): void {
  if (r && r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
}

/** A unary call's response as the bytes on the wire (the request given as bytes too). */
function wireBytes(address: string, method: string, request: Buffer): Promise<Buffer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(`/mshare.v1.Broker/${method}`, (b: Buffer) => b, (b: Buffer) => b, request, (err, res) => {
      client.close();
      if (err || !res) reject(err ?? new Error('no response'));
      else resolve(res);
    });
  });
}

/** ProcStatusRequest { pid } on the wire: field 1, varint. */
function pidRequest(pid: number): Buffer {
  const bytes = [0x08];
  for (let v = pid; ; v >>>= 7) {
    if (v < 0x80) { bytes.push(v); break; }
    bytes.push((v & 0x7f) | 0x80);
  }
  return Buffer.from(bytes);
}

/** What the test compares across the restart: the bytes of every read a client has. */
async function readAll(address: string, pids: number[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {
    accounting: (await wireBytes(address, 'GetAccounting', Buffer.alloc(0))).toString('hex'),
    regions: (await wireBytes(address, 'ListRegions', Buffer.alloc(0))).toString('hex'),
  };
  for (const pid of pids) out[`pid ${pid}`] = (await wireBytes(address, 'ProcStatus', pidRequest(pid))).toString('hex');
  return out;
}

/**
 * A bounded load of `workers` concurrent clients: each spawns processes, maps, shares or attaches
 * the SGA, touches with strides, sends access batches, unmaps and protects parts, and exits some.
 * Returns the live pids.
 */
async function load(address: string, workers: number, rounds: number): Promise<number[]> {
  const live: number[] = [];
  const setup = new BrokerClient(address);
  const align = (await setup.geometry()).mshareAlignment;
  const donor = await setup.spawn({ uid: 1000, gid: 100, comm: 'donor' });
  await setup.mmap(donor, 4n * align, 1n * GiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  await setup.mshare(donor, 'sga', 4n * align, align, O_CREAT | O_RDWR, 0o666);
  live.push(donor);
  setup.close();
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    const c = new BrokerClient(address);
    const stream = c.accessStream();
    try {
      for (let round = 0; round < rounds; round++) {
        const pid = await c.spawn({ uid: 1000 + (w % 3), gid: 100, comm: `w${w}r${round}` });
        await c.mshare(pid, 'sga', 4n * align, align, O_RDWR, 0);
        await c.touch(pid, 4n * align + BigInt(w) * 64n * MiB, 32n * MiB, round % 2 ? 'write' : 'read', 1 + w);
        const at = await c.mmap(pid, 0n, 16n * MiB, RW, MAP_PRIVATE | MAP_ANONYMOUS);
        await c.touch(pid, at, 16n * MiB, 'write', 3);
        const addrs = new BigUint64Array(256).map((_, i) => at + BigInt((i * 7919) % 4096) * 4096n);
        await stream.batch(pid, 'read', addrs);
        await c.munmap(pid, at + 4096n * BigInt(w + 1), 8192n); // leaves tables holding no page
        await c.mprotect(pid, at + MiB, MiB, PROT_READ);
        if (round % 3 === 2) await c.exit(pid);
        else live.push(pid);
      }
    } finally {
      await stream.close();
      c.close();
    }
  }));
  return live.sort((a, b) => a - b);
}

describe('broker restarts (MSHARE_STATE_DIR)', function () {
  this.timeout(120_000);
  let dir: string;
  let running: Running | undefined;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'mshare-state-')); });
  afterEach(() => {
    kill(running);
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a SIGTERM under load saves the state, and the next broker answers with the same bytes', async () => {
    const env = { MSHARE_STATE_DIR: dir };
    running = await startBroker(env);
    const pids = await load(running.grpc, 6, 6);
    const client = new BrokerClient(running.grpc);
    const kept = await client.openSession('resumes');
    const keptPid = await kept.spawn({ uid: 1000, gid: 100, comm: 'resumed' });
    pids.push(keptPid);
    const before = await readAll(running.grpc, pids);
    const session = await client.openSession('restart-test');
    const sessionPid = await session.spawn({ uid: 1000, gid: 100, comm: 'in-session' });
    pids.push(sessionPid);
    const withSession = await readAll(running.grpc, pids);

    // Readers keep calling while the SIGTERM lands (bounded: until the broker stops answering).
    let stop = false;
    const readers = Array.from({ length: 4 }, async () => {
      const c = new BrokerClient(running!.grpc);
      for (let i = 0; i < 5000 && !stop; i++) {
        try {
          await c.accounting();
          await c.procStatus(pids[i % pids.length]);
        } catch {
          break; // UNAVAILABLE once the broker has stopped
        }
      }
      c.close();
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await sigterm(running), 0);
    stop = true;
    await Promise.all(readers);
    client.close();
    const saved = running.log.find((e) => e.msg === 'state saved');
    assert.ok(saved && Number(saved.bytes) > 0, 'the broker logged the save');
    assert.ok(existsSync(path.join(dir, STATE_FILE)));

    running = await startBroker(env);
    const restored = running.log.find((e) => e.msg === 'state restored');
    assert.ok(restored, 'the broker logged the restore');
    assert.deepEqual(await readAll(running.grpc, pids), withSession);
    // Without checkpoints the file is renamed away once restored, so a crash now restores nothing.
    assert.ok(!existsSync(path.join(dir, STATE_FILE)) && existsSync(path.join(dir, RESTORED_FILE)));

    // The sessions' streams ended with the old broker. One is resumed within its grace period
    // and keeps its process; the other is not, and its process exits after the grace period; the
    // rest stay, and the restored broker goes on serving mutations.
    const c = new BrokerClient(running.grpc);
    const resumed = await c.openSession('resumes', 5_000, kept.id);
    try {
      assert.equal(resumed.id, kept.id);
      await waitFor(async () => !(await alive(c, sessionPid)), 10_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(await alive(c, keptPid), 'the resumed session kept its process past the grace period');
      await assert.rejects(c.openSession('late', 5_000, session.id), (e: unknown) => e instanceof KernelError && e.errno === 'ENOENT');
      assert.deepEqual(await readAll(running.grpc, pids.filter((p) => p !== sessionPid)), before);
      const pid = await c.spawn({ uid: 1000, gid: 100, comm: 'after' });
      assert.ok(!pids.includes(pid), `a new pid (${pid}) after the restored ones`);
      const { refcount } = await c.readRegion('sga');
      const align = (await c.geometry()).mshareAlignment;
      await c.mshare(pid, 'sga', 4n * align, align, O_RDWR, 0);
      assert.equal((await c.readRegion('sga')).refcount, refcount + 1);
    } finally {
      await resumed.close();
      c.close();
    }

    // SIGKILL is a power cut: the machine comes back empty.
    running.child.kill('SIGKILL');
    await once(running.child, 'exit');
    running = await startBroker(env);
    const empty = new BrokerClient(running.grpc);
    try {
      assert.equal((await empty.accounting()).processes, 0);
    } finally {
      empty.close();
    }
  });

  it('a session resumes within its grace period with its processes, for its own principal only', async () => {
    const alice = randomBytes(32).toString('hex');
    const bob = randomBytes(32).toString('hex');
    const policy = path.join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ principals: [
      { name: 'alice', token_sha256: tokenSha256(alice), uids: [1000], gids: [100] },
      { name: 'bob', token_sha256: tokenSha256(bob), uids: [1000], gids: [100] },
    ] }));
    const t = await startInProcess({ MSHARE_SESSION_GRACE_MS: '1500', MSHARE_POLICY_FILE: policy });
    const a = new BrokerClient(t.grpcAddress, { token: alice });
    const b = new BrokerClient(t.grpcAddress, { token: bob });
    try {
      const first = await a.openSession('first');
      const pid = await first.spawn({ uid: 1000, gid: 100 });
      const enoent = (p: Promise<unknown>) => assert.rejects(p, (e: unknown) => e instanceof KernelError && e.errno === 'ENOENT');
      await enoent(a.openSession('again', 5_000, first.id)); // still open: nothing to resume
      await first.close();
      await enoent(b.openSession('thief', 5_000, first.id)); // another principal's
      const again = await a.openSession('again', 5_000, first.id);
      assert.equal(again.id, first.id);
      await new Promise((r) => setTimeout(r, 2_000)); // past the grace period
      assert.equal((await a.procStatus(pid)).pid, pid);
      // Spawn into the resumed session works, and closing it lets its processes go.
      const second = await again.spawn({ uid: 1000, gid: 100 });
      await again.close();
      await waitFor(async () => !(await alive(a, pid)) && !(await alive(a, second)), 10_000);
      await enoent(a.openSession('late', 5_000, first.id)); // its grace period ran out
    } finally {
      a.close();
      b.close();
      await t.stop();
    }
  });

  it('with checkpoints, a crash restarts from the last one', async () => {
    const env = { MSHARE_STATE_DIR: dir, MSHARE_STATE_INTERVAL_MS: '200' };
    running = await startBroker(env);
    const pids = await load(running.grpc, 2, 2);
    const before = await readAll(running.grpc, pids);
    const checkpoints = () => running!.log.filter((e) => e.msg === 'state saved' && e.why === 'checkpoint').length;
    const after = checkpoints();
    await waitFor(async () => checkpoints() > after, 5_000);
    running.child.kill('SIGKILL');
    await once(running.child, 'exit');
    running = await startBroker(env);
    assert.deepEqual(await readAll(running.grpc, pids), before);
  });

  it('refuses to start on a state file it cannot restore, naming the file and why', () => {
    const file = path.join(dir, STATE_FILE);
    const start = (env: Record<string, string> = {}) => spawnSync(process.execPath, ['--import', 'tsx', 'services/broker/main.ts'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 30_000,
      env: { ...process.env, MSHARE_GRPC_ADDR: '127.0.0.1:0', MSHARE_HTTP_ADDR: '127.0.0.1:0', MSHARE_STATE_DIR: dir, ...env },
    });
    writeFileSync(file, 'not gzip');
    let r = start();
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`cannot restore ${file}: not a gzipped JSON document`));
    writeFileSync(file, gzipSync(JSON.stringify({ format: 'mshare-broker-state', version: 99 })));
    r = start();
    assert.equal(r.status, 2);
    assert.match(r.stderr, /version 99 is not the version this broker reads \(1\)/);
    assert.ok(readFileSync(file).length > 0, 'the file is left as it was');
  });

  it('refuses a snapshot of a kernel of another shape', async () => {
    running = await startBroker({ MSHARE_STATE_DIR: dir });
    await load(running.grpc, 1, 1);
    assert.equal(await sigterm(running), 0);
    running = undefined;
    const config = loadConfig({ MSHARE_SCHEME: 'none' });
    assert.throws(() => loadState(dir, kernelOptions(config)), /taken with scheme mshare, and this kernel has none/);
    assert.throws(() => loadState(dir, kernelOptions(config)), (e: unknown) => !(e instanceof KernelError) && e instanceof Error);
  });
});

async function alive(c: BrokerClient, pid: number): Promise<boolean> {
  try {
    await c.procStatus(pid);
    return true;
  } catch (err) {
    if (err instanceof KernelError && err.errno === 'ESRCH') return false;
    throw err;
  }
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
