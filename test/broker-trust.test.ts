// A broker other services can trust (issue 12): identity (TLS, mutual TLS, bearer tokens, the
// policy file, loopback-only plaintext), ownership (another principal's pid is ESRCH), the
// limits with their errnos, and the defects fixed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { chunkedTouch, touchPieces } from '../services/broker/chunked.js';
import { AccessCounts } from '../shared/kernel/counts.js';
import type { ProcStatus } from '../shared/kernel/types.js';
import { BrokerClient } from '../shared/client/broker-client.js';
import { KernelError } from '../shared/kernel/errors.js';
import { Kernel } from '../shared/kernel/kernel.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, O_CREAT, O_RDWR, PROT_READ } from '../shared/kernel/uapi.js';
import { truncateComm } from '../shared/kernel/validate.js';
import { ConfigError, loadConfig } from '../services/broker/config.js';
import { tokenSha256 } from '../services/broker/auth.js';
import { ERRNO_METADATA_KEY } from '../shared/grpc/status.js';
import { rawCall, startBroker, type TestBroker } from './fixtures/broker.js';

const rawCallOf = (t: TestBroker, req: object) =>
  rawCall<{ regions: { name: string }[]; next_page_token: string }>(t.client, 'ListRegions', req);
import { makePki, type TestPki } from './support/certs.js';

const TiB = 1n << 40n;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

const token = () => randomBytes(32).toString('hex');
/** The server certificate names localhost (and 127.0.0.1): SNI takes a name, not an address. */
const LOCALHOST: grpc.ChannelOptions = { 'grpc.ssl_target_name_override': 'localhost' };

/** A policy file in a temp dir; returns its path. */
function policyFile(dir: string, principals: object[], ext = 'json'): string {
  const file = path.join(dir, `policy.${ext}`);
  writeFileSync(file, ext === 'json' ? JSON.stringify({ principals }) : yamlOf(principals));
  return file;
}

function yamlOf(principals: object[]): string {
  const lines = ['principals:'];
  for (const p of principals) {
    const entries = Object.entries(p);
    entries.forEach(([k, v], i) => lines.push(`${i === 0 ? '  - ' : '    '}${k}: ${JSON.stringify(v)}`));
  }
  return `${lines.join('\n')}\n`;
}

async function rejectsWith(p: Promise<unknown>, errno: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof KernelError && e.errno === errno);
}

/** A grpc failure's code (not a KernelError). */
async function rejectsCode(p: Promise<unknown>, code: grpc.status): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    const err = e as grpc.ServiceError;
    return err.code === code && err.metadata?.get(ERRNO_METADATA_KEY).length === 0;
  });
}

describe('broker trust (issue 12)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'mshare-trust-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('ownership by principal (bearer tokens over loopback)', () => {
    const alice = token();
    const bob = token();
    const root = token();
    let t: TestBroker;
    const clients: BrokerClient[] = [];
    const as = (tok: string) => {
      const c = new BrokerClient(t.grpcAddress, { token: tok });
      clients.push(c);
      return c;
    };
    before(async () => {
      t = await startBroker({
        MSHARE_POLICY_FILE: policyFile(dir, [
          { name: 'alice', token_sha256: tokenSha256(alice), uids: ['1000-1999'], gids: [1000] },
          { name: 'bob', token_sha256: tokenSha256(bob), uids: [2000], gids: [2000] },
          { name: 'root', token_sha256: tokenSha256(root), admin: true },
        ], 'yaml'),
      });
    });
    after(async () => {
      for (const c of clients) c.close();
      await t.stop();
    });

    it("a second principal's calls on the first's pids answer ESRCH; an admin sees all", async () => {
      const a = as(alice);
      const b = as(bob);
      const pid = await a.spawn({ uid: 1000, gid: 1000 });
      await a.mmap(pid, TiB, 4096n, PROT_READ, ANON | MAP_FIXED);
      await rejectsWith(b.procStatus(pid), 'ESRCH');
      await rejectsWith(b.exit(pid), 'ESRCH');
      await rejectsWith(b.munmap(pid, TiB, 4096n), 'ESRCH');
      await rejectsWith(b.mprotect(pid, TiB, 4096n, PROT_READ), 'ESRCH');
      await rejectsWith(b.access(pid, TiB, 'read'), 'ESRCH');
      await rejectsWith(b.touch(pid, TiB, 4096n, 'read'), 'ESRCH');
      await rejectsWith(b.mshareUnlink(pid, 'x'), 'ESRCH');
      // Nothing changed: alice still sees her mapping; root (admin) sees the process too.
      assert.equal((await a.procStatus(pid)).vmas.length, 1);
      assert.equal((await as(root).procStatus(pid)).pid, pid);
      await as(root).exit(pid);
      await rejectsWith(a.procStatus(pid), 'ESRCH');
    });

    it('a token outside its uid or gid range cannot spawn (EPERM); a Spawn without uid is EINVAL', async () => {
      const b = as(bob);
      await rejectsWith(b.spawn({ uid: 0, gid: 2000 }), 'EPERM');
      await rejectsWith(b.spawn({ uid: 2000, gid: 0 }), 'EPERM');
      await rejectsWith(as(alice).spawn({ uid: 2000, gid: 1000 }), 'EPERM');
      assert.ok((await b.spawn({ uid: 2000, gid: 2000 })) > 0);
      await rejectsWith(b.spawn({ gid: 2000 } as never), 'EINVAL');
    });

    it('an unknown or short token is UNAUTHENTICATED; without a token a loopback call is anonymous', async () => {
      await rejectsCode(as(token()).geometry().then(() => as(token()).spawn({ uid: 1, gid: 1 })), grpc.status.UNAUTHENTICATED);
      await rejectsCode(as('short').spawn({ uid: 1, gid: 1 }), grpc.status.UNAUTHENTICATED);
      // Streams too: the Session of an unknown token ends UNAUTHENTICATED at once.
      await rejectsCode(as(token()).openSession('nobody'), grpc.status.UNAUTHENTICATED);
      assert.ok((await t.client.spawn({ uid: 0, gid: 0 })) > 0);
    });

    it("a session is its principal's: another principal's session_id is ENOENT", async () => {
      const session = await as(alice).openSession('alice-s');
      try {
        await rejectsWith(as(bob).spawn({ uid: 2000, gid: 2000, sessionId: session.id }), 'ENOENT');
      } finally {
        await session.close();
      }
    });
  });

  describe('TLS and mutual TLS', () => {
    let pki: TestPki;
    before(function () {
      this.timeout(60_000);
      pki = makePki();
    });
    after(() => pki?.remove());

    it('TLS with a token works; plaintext is refused; no credentials is UNAUTHENTICATED; /metrics is admin-only', async () => {
      const admin = token();
      const user = token();
      const t = await startBroker({
        MSHARE_TLS_CERT: pki.serverCert, MSHARE_TLS_KEY: pki.serverKey,
        MSHARE_POLICY_FILE: policyFile(dir, [
          { name: 'ops', token_sha256: tokenSha256(admin), admin: true },
          { name: 'app', token_sha256: tokenSha256(user), uids: [1000], gids: [1000] },
        ]),
      });
      const ssl = () => grpc.credentials.createSsl(pki.read(pki.caCert));
      const app = new BrokerClient(t.grpcAddress, { credentials: ssl(), token: user, channelOptions: LOCALHOST });
      const nobody = new BrokerClient(t.grpcAddress, { credentials: ssl(), channelOptions: LOCALHOST });
      const plain = new BrokerClient(t.grpcAddress, { token: user, deadlineMs: 3_000 });
      try {
        const pid = await app.spawn({ uid: 1000, gid: 1000 });
        assert.equal((await app.procStatus(pid)).uid, 1000);
        await rejectsCode(nobody.spawn({ uid: 1000, gid: 1000 }), grpc.status.UNAUTHENTICATED);
        await assert.rejects(plain.spawn({ uid: 1000, gid: 1000 }), (e: unknown) => (e as grpc.ServiceError).code === grpc.status.UNAVAILABLE
          || (e as grpc.ServiceError).code === grpc.status.DEADLINE_EXCEEDED);
        const port = Number(new URL(t.httpUrl).port);
        const get = (pathName: string, tok?: string) => new Promise<number>((resolve, reject) => {
          const req = request({
            host: '127.0.0.1', servername: 'localhost', port, path: pathName, ca: pki.read(pki.caCert),
            headers: tok ? { authorization: `Bearer ${tok}` } : {},
          }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
          req.on('error', reject);
          req.end();
        });
        assert.deepEqual(
          [await get('/metrics'), await get('/metrics', user), await get('/metrics', admin), await get('/msharefs', user), await get('/healthz')],
          [401, 403, 200, 403, 200],
        );
      } finally {
        for (const c of [app, nobody, plain]) c.close();
        await t.stop();
      }
    });

    it("mutual TLS: the client certificate's CN is the principal; a CN outside the policy is UNAUTHENTICATED", async () => {
      const t = await startBroker({
        MSHARE_TLS_CERT: pki.serverCert, MSHARE_TLS_KEY: pki.serverKey, MSHARE_TLS_CLIENT_CA: pki.caCert,
        MSHARE_POLICY_FILE: policyFile(dir, [{ name: 'worker-a', uids: [1000], gids: [1000] }]),
      });
      const creds = (cn: string) => {
        const c = pki.client(cn);
        return grpc.credentials.createSsl(pki.read(pki.caCert), pki.read(c.key), pki.read(c.cert));
      };
      const a = new BrokerClient(t.grpcAddress, { credentials: creds('worker-a'), channelOptions: LOCALHOST });
      const stranger = new BrokerClient(t.grpcAddress, { credentials: creds('mallory'), channelOptions: LOCALHOST });
      try {
        const pid = await a.spawn({ uid: 1000, gid: 1000 });
        assert.equal((await a.procStatus(pid)).pid, pid);
        await rejectsWith(a.spawn({ uid: 0, gid: 0 }), 'EPERM');
        await rejectsCode(stranger.procStatus(pid), grpc.status.UNAUTHENTICATED);
      } finally {
        a.close();
        stranger.close();
        await t.stop();
      }
    });
  });

  describe('binding', () => {
    it('refuses a non-loopback address without TLS unless MSHARE_INSECURE=true, naming why', () => {
      assert.throws(() => loadConfig({ MSHARE_GRPC_ADDR: '0.0.0.0:50051' }),
        (e: unknown) => e instanceof ConfigError && e.variable === 'MSHARE_GRPC_ADDR' && /not a loopback address and TLS is off/.test(e.message));
      assert.equal(loadConfig({ MSHARE_GRPC_ADDR: '0.0.0.0:50051', MSHARE_HTTP_ADDR: '0.0.0.0:9464', MSHARE_INSECURE: 'true' }).insecure, true);
      assert.equal(loadConfig({ MSHARE_GRPC_ADDR: '127.1.2.3:1', MSHARE_HTTP_ADDR: '[::1]:2' }).tls, undefined);
      const tls = { MSHARE_GRPC_ADDR: '0.0.0.0:1', MSHARE_HTTP_ADDR: '0.0.0.0:2', MSHARE_TLS_CERT: '/c', MSHARE_TLS_KEY: '/k' };
      assert.ok(loadConfig({ ...tls, MSHARE_POLICY_FILE: '/p.json' }).tls);
      assert.throws(() => loadConfig(tls), (e: unknown) => e instanceof ConfigError && e.variable === 'MSHARE_POLICY_FILE');
    });
  });

  describe('limits', () => {
    it('pids are allocated as alloc_pid does: after the last, wrapping at pid_max to 300, skipping live ones; EAGAIN when none', () => {
      const k = new Kernel({ limits: { pidMax: 304 } });
      const first = [k.spawn({ uid: 1, gid: 1 }), k.spawn({ uid: 1, gid: 1 })];
      assert.deepEqual(first, [1, 2]);
      for (let i = 3; i < 304; i++) k.spawn({ uid: 1, gid: 1 });
      // 1..303 live: exit 301 and 5; the next pid wraps to 300.., skips live 300, takes 301.
      k.exit(301);
      k.exit(5);
      assert.equal(k.spawn({ uid: 1, gid: 1 }), 301);
      // Then 302, 303 live, wrap: 300 live ... every pid >= 300 is taken; 5 is below 300: EAGAIN.
      assert.throws(() => k.spawn({ uid: 1, gid: 1 }), (e: unknown) => e instanceof KernelError && e.errno === 'EAGAIN');
      k.exit(302);
      assert.equal(k.spawn({ uid: 1, gid: 1 }), 302);
    });

    it('RLIMIT_NPROC: EAGAIN past the per-uid limit, uid 0 exempt; an exit frees a slot', () => {
      const k = new Kernel({ limits: { maxProcessesPerUid: 2 } });
      const a = k.spawn({ uid: 7, gid: 7 });
      k.spawn({ uid: 7, gid: 7 });
      assert.throws(() => k.spawn({ uid: 7, gid: 7 }), (e: unknown) => e instanceof KernelError && e.errno === 'EAGAIN');
      for (let i = 0; i < 3; i++) k.spawn({ uid: 0, gid: 0 });
      k.exit(a);
      assert.ok(k.spawn({ uid: 7, gid: 7 }) > 0);
    });

    it('vm.max_map_count: mmap and a split by mprotect answer ENOMEM and change nothing', () => {
      const k = new Kernel({ limits: { maxMapCount: 3 } });
      const pid = k.spawn({ uid: 1, gid: 1 });
      k.mmap(pid, TiB, 16n * 4096n, PROT_READ, ANON | MAP_FIXED);
      k.mmap(pid, 2n * TiB, 4096n, PROT_READ, ANON | MAP_FIXED);
      // Protecting the middle of the first splits it in three: 4 VMAs.
      assert.throws(() => k.mprotect(pid, TiB + 4096n, 4096n, 0), (e: unknown) => e instanceof KernelError && e.errno === 'ENOMEM');
      k.mmap(pid, 0n, 4096n, PROT_READ, ANON);
      assert.throws(() => k.mmap(pid, 0n, 4096n, PROT_READ, ANON), (e: unknown) => e instanceof KernelError && e.errno === 'ENOMEM');
      assert.equal(k.procStatus(pid).vmas.length, 3);
      // Replacing a whole VMA in place keeps the count: allowed.
      k.mmap(pid, 2n * TiB, 4096n, PROT_READ, ANON | MAP_FIXED);
    });

    it('a batch over MSHARE_MAX_BATCH_ADDRESSES is EINVAL naming the limit, not the transport limit', async () => {
      const max = 1 << 20; // 8 MiB of addresses: above grpc's default 4 MiB receive limit
      const t = await startBroker({ MSHARE_MAX_BATCH_ADDRESSES: String(max) });
      try {
        const pid = await t.client.spawn({ uid: 1, gid: 1 });
        const call = t.client.raw.AccessStream();
        const err = await new Promise<grpc.ServiceError>((resolve) => {
          call.on('error', resolve);
          call.on('data', () => {});
          call.write({ pid, kind: 'ACCESS_KIND_READ', addrs: Buffer.alloc((max + 1) * 8) });
        });
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
        assert.deepEqual(err.metadata.get(ERRNO_METADATA_KEY), ['EINVAL']);
        assert.match(err.details, /MSHARE_MAX_BATCH_ADDRESSES/);
      } finally {
        await t.stop();
      }
    });
  });

  it('ListRegions and GET /msharefs paginate as AIP-158 (page_size, page_token, next_page_token)', async () => {
    const t = await startBroker();
    try {
      const pid = await t.client.spawn({ uid: 1, gid: 1 });
      const window = 512n << 30n;
      const names = ['e', 'c', 'a', 'd', 'b'];
      for (const [i, name] of names.entries()) {
        const addr = BigInt(i + 1) * window;
        await t.client.mmap(pid, addr, 4096n, PROT_READ, ANON | MAP_FIXED);
        await t.client.mshare(pid, name, addr, window, 0o302, 0o600);
      }
      const pages: string[][] = [];
      let token = '';
      do {
        const page = await rawCallOf(t, { page_size: 2, page_token: token });
        pages.push(page.regions.map((r) => r.name));
        token = page.next_page_token;
      } while (token !== '' && pages.length < 10);
      assert.deepEqual(pages, [['a', 'b'], ['c', 'd'], ['e']]);
      assert.deepEqual((await t.client.listRegions()).map((r) => r.name), ['a', 'b', 'c', 'd', 'e']);
      const http = await (await fetch(`${t.httpUrl}/msharefs?page_size=2`)).json() as { regions: { name: string }[]; next_page_token: string };
      assert.deepEqual(http.regions.map((r) => r.name), ['a', 'b']);
      const second = await (await fetch(`${t.httpUrl}/msharefs?page_size=2&page_token=${http.next_page_token}`)).json() as { regions: { name: string }[] };
      assert.deepEqual(second.regions.map((r) => r.name), ['c', 'd']);
      assert.equal((await fetch(`${t.httpUrl}/msharefs?page_token=zzz`)).status, 400);
    } finally {
      await t.stop();
    }
  });

  describe('chunked touches', () => {
    const page = 4096n;
    it('touch in chunks counts exactly what one kernel.touch counts (random ranges and strides)', async () => {
      // Large mappings, 300 one-page ones, and a window (mshare) whose host holds 300 more: the
      // pieces are cut by tables, pages and segments, inside the window too.
      const setup = (k: Kernel) => {
        const pid = k.spawn({ uid: 1, gid: 1 });
        k.mmap(pid, TiB, 3n << 30n, PROT_READ, ANON | MAP_FIXED);
        k.mmap(pid, TiB + (4n << 30n), 1n << 20n, PROT_READ, ANON | MAP_FIXED);
        for (let i = 0n; i < 300n; i++) k.mmap(pid, TiB + (5n << 30n) + i * 3n * page, page, PROT_READ, ANON | MAP_FIXED);
        k.mmap(pid, 2n * TiB + (1n << 30n), 1n << 30n, PROT_READ, ANON | MAP_FIXED);
        k.mshare(pid, 'w', 2n * TiB, 512n << 30n, O_CREAT | O_RDWR, 0o600);
        for (let i = 0n; i < 300n; i++) k.mmap(pid, 2n * TiB + i * 5n * page, page, PROT_READ, ANON | MAP_FIXED);
        return pid;
      };
      await fc.assert(fc.asyncProperty(
        fc.bigInt({ min: 0n, max: 6n << 30n }), fc.bigInt({ min: 0n, max: 8n << 30n }), fc.integer({ min: 0, max: 4095 }),
        fc.constantFrom(1, 3, 512, 4096), fc.constantFrom('read', 'write') as fc.Arbitrary<'read' | 'write'>,
        fc.constantFrom(100, 4099, 100_000, 1 << 26), fc.constantFrom(TiB, 2n * TiB + (1n << 30n)),
        async (offset, length, sub, stride, kind, chunk, base) => {
          const a = new Kernel();
          const b = new Kernel();
          const pa = setup(a);
          const pb = setup(b);
          const addr = base - (1n << 30n) + (offset / page) * page + BigInt(sub);
          const chunked = await chunkedTouch(a, pa, addr, length, kind, stride, () => false, chunk);
          assert.deepEqual(chunked, b.touch(pb, addr, length, kind, stride));
          assert.deepEqual(a.accounting(), b.accounting());
        },
      ), { numRuns: 60 });
      // Past the user address limit the rest is one call.
      const k = new Kernel();
      const k2 = new Kernel();
      const top = k.geometry.userLimitBytes - (1n << 20n);
      assert.deepEqual(await chunkedTouch(k, setup(k), top, 1n << 30n, 'read', 1), k2.touch(setup(k2), top, 1n << 30n, 'read', 1));
    });

    it('another client is answered while a long Touch runs (it yields between chunks)', async () => {
      // Each piece of the touch takes 2 ms here (a slow kernel): 80 pieces must yield in between.
      class SlowKernel extends Kernel {
        override touch(...args: Parameters<Kernel['touch']>) {
          const until = performance.now() + 2;
          while (performance.now() < until) { /* the work of a large piece */ }
          return super.touch(...args);
        }
      }
      const t = await startBroker({}, { kernel: new SlowKernel() });
      try {
        const pid = await t.client.spawn({ uid: 1, gid: 1 });
        const order: string[] = [];
        const span = 20n * (256n << 30n); // mapped: 80 pieces of 32 Ki PTE tables
        t.broker.kernel.mmap(pid, TiB, span, PROT_READ, ANON | MAP_FIXED);
        const touch = t.client.touch(pid, TiB, span, 'read').then(() => order.push('touch'));
        await new Promise((r) => setImmediate(r));
        const geometry = t.client.geometry().then(() => order.push('geometry'));
        await Promise.all([touch, geometry]);
        assert.deepEqual(order, ['geometry', 'touch']);
      } finally {
        await t.stop();
      }
    });
  });

  it('a Touch over 30,000 one-page mappings (gRPC) counts what touches page by page count, in more than one piece', async () => {
    const t = await startBroker();
    const mappings = 30_000;
    const span = 2n << 30n;
    const gap = (span / BigInt(mappings)) & ~4095n;
    const local = new Kernel();
    try {
      const pid = await t.client.spawn({ uid: 1, gid: 1 });
      const mine = local.spawn({ uid: 1, gid: 1 });
      for (let i = 0; i < mappings; i++) {
        // Mapped in-process (30,000 Mmap calls are not the point); the Touch goes over gRPC.
        t.broker.kernel.mmap(pid, TiB + BigInt(i) * gap, 4096n, PROT_READ, ANON | MAP_FIXED);
        local.mmap(mine, TiB + BigInt(i) * gap, 4096n, PROT_READ, ANON | MAP_FIXED);
      }
      const byPage = () => {
        const sum = local.touch(mine, TiB, 0n, 'read'); // zero counts
        for (let a = TiB; a < TiB + span; a += 4096n) AccessCounts.add(sum, local.touch(mine, a, 4096n, 'read'));
        return sum;
      };
      for (const round of ['fresh faults', 'all present']) {
        const before = { ...touchPieces };
        const counts = await t.client.touch(pid, TiB, span, 'read');
        const expected = byPage();
        assert.deepEqual(counts, expected, round);
        assert.equal(counts.minorFault + counts.present, mappings);
        assert.equal(touchPieces.calls - before.calls, 1);
        assert.ok(touchPieces.pieces - before.pieces > 1, `${touchPieces.pieces - before.pieces} pieces`);
      }
      const tablesOf = (s: ProcStatus) => [s.vmpteBytes, s.tables, s.minorFaults, s.unsharedMinorFaults];
      assert.deepEqual(tablesOf(await t.client.procStatus(pid)), tablesOf(local.procStatus(mine)));
    } finally {
      await t.stop();
    }
  });

  describe('defects', () => {
    it('invalid UTF-8 in a name is EINVAL, checked on the raw bytes (not decoded lossily to U+FFFD)', async () => {
      const t = await startBroker();
      try {
        const pid = await t.client.spawn({ uid: 1, gid: 1 });
        await t.client.mmap(pid, 2n * TiB, 512n << 30n, PROT_READ, ANON | MAP_FIXED);
        await t.client.mshare(pid, '\uFFFD\uFFFD', 2n * TiB, 512n << 30n, 0o300, 0o600);
        /** A unary call with hand-made request bytes. */
        const raw = (method: string, bytes: Buffer) => new Promise<grpc.ServiceError | null>((resolve) => {
          t.client.raw.makeUnaryRequest(`/mshare.v1.Broker/${method}`, (b: Buffer) => b, (b: Buffer) => b, bytes, (err) => resolve(err));
        });
        const field = (n: number, payload: Buffer) => Buffer.concat([Buffer.from([(n << 3) | 2, payload.length]), payload]);
        const bad = Buffer.from([0xff, 0xfe]);
        // ReadRegion{name: ff fe}: lossily that is the existing region's name.
        for (const [method, bytes] of [
          ['ReadRegion', field(1, bad)],
          ['MshareUnlink', Buffer.concat([Buffer.from([0x08, pid]), field(2, bad)])],
          ['Spawn', Buffer.concat([Buffer.from([0x08, 1, 0x10, 1]), field(3, bad)])],
        ] as const) {
          const err = await raw(method, bytes);
          assert.deepEqual([err?.code, err?.metadata.get(ERRNO_METADATA_KEY), err?.details], [grpc.status.INVALID_ARGUMENT, ['EINVAL'], `${method === 'Spawn' ? 'comm' : 'name'} is not valid UTF-8`], method);
        }
        // The session's client_name is inside a nested message.
        const call = t.client.raw.makeBidiStreamRequest('/mshare.v1.Broker/Session', (b: Buffer) => b, (b: Buffer) => b);
        const err = await new Promise<grpc.ServiceError>((resolve) => {
          call.on('error', resolve);
          call.on('data', () => {});
          call.write(field(1, field(1, bad)));
        });
        assert.deepEqual([err.code, err.details], [grpc.status.INVALID_ARGUMENT, 'client_name is not valid UTF-8']);
        assert.equal((await t.client.readRegion('\uFFFD\uFFFD')).refcount, 1);
        assert.equal(await t.client.spawn({ uid: 1, gid: 1, comm: 'ok \u00e9' }) > 0, true);
      } finally {
        await t.stop();
      }
    });

    it('a fixed mapping straddling the mmap base does not break later hint-less mmaps', () => {
      const k = new Kernel();
      const pid = k.spawn({ uid: 1, gid: 1 });
      const mmapBase = k.geometry.userLimitBytes - (128n << 20n);
      k.mmap(pid, mmapBase - 4096n * 4n, 4096n * 8n, PROT_READ, ANON | MAP_FIXED);
      const addr = k.mmap(pid, 0n, 4096n, PROT_READ, ANON);
      assert.equal(addr, mmapBase - 4096n * 5n);
      assert.equal(k.procStatus(pid).vmas.length, 2);
    });

    it('access counters stay exact past 2^53 (folded into 64-bit totals once per call)', async () => {
      const t = await startBroker();
      try {
        const pid = await t.client.spawn({ uid: 1, gid: 1 });
        await t.client.mmap(pid, TiB, 1n << 20n, PROT_READ, ANON | MAP_FIXED);
        // The machine has counted 2^53 present accesses and this process 2^53 minor faults so far.
        const k = t.broker.kernel as unknown as { exactTotals?: { present: bigint }; processes: Map<number, { exact?: { minorFault: bigint } }> };
        if (k.exactTotals) k.exactTotals.present = 2n ** 53n;
        const proc = k.processes.get(pid)!;
        if (proc.exact) proc.exact.minorFault = 2n ** 53n;
        await t.client.touch(pid, TiB, 4096n * 3n, 'read'); // 3 minor faults
        await t.client.touch(pid, TiB, 4096n * 3n, 'read'); // 3 present
        await t.client.access(pid, TiB, 'read'); // 1 present
        const raw = await rawCall<{ accesses: { present: string }; minor_faults: string }>(t.client, 'GetAccounting', {});
        assert.equal(raw.accesses.present, String(2n ** 53n + 4n));
        const status = await rawCall<{ minor_faults: string }>(t.client, 'ProcStatus', { pid });
        assert.equal(status.minor_faults, String(2n ** 53n + 3n));
      } finally {
        await t.stop();
      }
    });

    it('comm is truncated to 15 UTF-8 bytes at a character boundary', () => {
      assert.equal(truncateComm('abcdefghijklmnopq'), 'abcdefghijklmno');
      assert.equal(truncateComm('é'.repeat(10)), 'é'.repeat(7));
      assert.equal(truncateComm('ab€€€€€'), 'ab€€€€');
      assert.equal(truncateComm('x'.repeat(4 << 20)).length, 15);
      const k = new Kernel();
      assert.equal(k.procStatus(k.spawn({ uid: 1, gid: 1, comm: '日本語の長いプロセス名' })).comm, '日本語の長');
    });
  });
});
