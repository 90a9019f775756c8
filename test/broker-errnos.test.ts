// The errnos each RPC answers: one table in code (shared/grpc/errnos.ts). The proto's RPC
// comments, the README's API table and docs/broker.md say the same; a real call produces every
// (rpc, errno) pair of the table; and an errno outside its RPC's row fails the test that caused
// it (the fixture checks every failure the broker reports).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tokenSha256 } from '../services/broker/auth.js';
import * as grpc from '@grpc/grpc-js';
import { Kernel } from '../shared/kernel/kernel.js';
import { KernelError, type ErrnoName } from '../shared/kernel/errors.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, PROT_READ, PROT_WRITE,
} from '../shared/kernel/uapi.js';
import { RPC_ERRNOS, RPC_NAMES, type RpcName } from '../shared/grpc/errnos.js';
import { ERRNO_METADATA_KEY, ERRNO_TO_STATUS } from '../shared/grpc/status.js';
import { loadBrokerProto } from '../shared/grpc/proto.js';
import { expectStatus, startBroker, type TestBroker } from './fixtures/broker.js';
import { repoPath } from './support/paths.js';

const TiB = 1n << 40n;
const WINDOW = 512n << 30n; // PGDIR_SIZE: the mshare alignment of 4-level paging
const SGA = 2n * TiB;
const RO = 4n * TiB;
const BUSY = 6n * TiB;

const table = (rows: Readonly<Record<string, readonly string[]>>) =>
  Object.fromEntries(Object.entries(rows).map(([rpc, errnos]) => [rpc, [...errnos].sort()]));

/** Every word that looks like an errno name, in order of appearance. */
const errnoWords = (text: string): string[] => [...text.matchAll(/\bE[A-Z]{2,}\b/g)].map((m) => m[0]);

/** The proto's RPC comments: the errnos after `Errors:`, none after `No errors.`. */
function protoErrnos(): Record<string, string[]> {
  const lines = readFileSync(repoPath('proto/mshare/v1/broker.proto'), 'utf8').split('\n');
  const out: Record<string, string[]> = {};
  lines.forEach((line, i) => {
    const rpc = /^\s*rpc (\w+)\(/.exec(line)?.[1];
    if (!rpc) return;
    const comment: string[] = [];
    for (let j = i - 1; j >= 0 && /^\s*\/\//.test(lines[j]); j--) comment.unshift(lines[j].replace(/^\s*\/\/\s?/, ''));
    const text = comment.join(' ');
    const at = text.indexOf('Errors:');
    if (at >= 0) out[rpc] = errnoWords(text.slice(at));
    else if (/\bNo errors\./.test(text)) out[rpc] = [];
    else out[rpc] = ['(states no errors)'];
  });
  return out;
}

/** The `| RPC | does | errnos |` table of a Markdown file: the last cell's errnos per RPC. */
function markdownErrnos(file: string): Record<string, string[]> {
  const lines = readFileSync(repoPath(file), 'utf8').split('\n');
  const header = lines.indexOf('| RPC | does | errnos |');
  assert.ok(header >= 0, `${file} has no RPC table`);
  const out: Record<string, string[]> = {};
  for (const row of lines.slice(header + 2)) {
    if (!row.startsWith('|')) break;
    const cells = row.split(/(?<!\\)\|/).slice(1, -1);
    const rpc = /^\s*`(\w+)/.exec(cells[0])?.[1];
    assert.ok(rpc, `${file}: a row without an RPC name: ${row}`);
    out[rpc] = errnoWords(cells[cells.length - 1]);
  }
  return out;
}

describe('errnos per RPC (shared/grpc/errnos.ts)', () => {
  it('has a row for every RPC of mshare.v1.Broker and only valid errno names', () => {
    const service = loadBrokerProto().proto.mshare.v1.Broker.service;
    assert.deepEqual([...RPC_NAMES].sort(), Object.keys(service).sort());
    for (const [rpc, errnos] of Object.entries(RPC_ERRNOS)) {
      for (const errno of errnos) assert.ok(errno in ERRNO_TO_STATUS, `${rpc}: ${errno}`);
      assert.equal(new Set(errnos).size, errnos.length, `${rpc} lists an errno twice`);
    }
  });

  for (const [source, read] of [
    ['proto/mshare/v1/broker.proto (RPC comments)', protoErrnos],
    ['README.md (API table)', () => markdownErrnos('README.md')],
    ['docs/broker.md (API table)', () => markdownErrnos('docs/broker.md')],
  ] as const) {
    it(`${source} lists the same errnos per RPC`, () => {
      assert.deepEqual(table(read()), table(RPC_ERRNOS));
    });
  }

  describe('every pair of the table comes from a real call', () => {
    let t: TestBroker;
    const seen: [RpcName, ErrnoName | undefined][] = [];
    const pids = { donor: 0, reader: 0, stranger: 0, peer: 0, splitter: 0 };
    // A principal that may spawn only as uid/gid 5000 (a bearer token over loopback).
    const token = randomBytes(32).toString('hex');
    const limited = new grpc.Metadata();
    limited.set('authorization', `Bearer ${token}`);
    let dir = '';
    // Small limits, so that each is reached by one call: 3 regions, 3 processes per uid, 8 VMAs
    // per mm, 1 session per principal.
    const MAX_MAP_COUNT = 8;

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'mshare-errnos-'));
      const policyFile = path.join(dir, 'policy.json');
      writeFileSync(policyFile, JSON.stringify({ principals: [{ name: 'limited', token_sha256: tokenSha256(token), uids: [5000], gids: [5000] }] }));
      t = await startBroker({
        MSHARE_POLICY_FILE: policyFile, MSHARE_MAX_REGIONS: '3', MSHARE_MAX_PROCESSES_PER_UID: '3',
        MSHARE_MAX_MAP_COUNT: String(MAX_MAP_COUNT), MSHARE_MAX_SESSIONS_PER_PRINCIPAL: '1',
      }, { onFailure: (rpc, errno) => seen.push([rpc, errno]) });
      const c = t.client;
      const spawn = () => c.spawn({ uid: 1000, gid: 1000 });
      pids.donor = await spawn();
      pids.reader = await spawn();
      pids.peer = await spawn();
      pids.stranger = await c.spawn({ uid: 2000, gid: 2000 });
      const { donor } = pids;
      for (const [name, addr, accmode] of [['sga', SGA, O_RDWR], ['ro', RO, O_RDONLY], ['busy', BUSY, O_RDWR]] as const) {
        await c.mmap(donor, addr, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
        await c.mshare(donor, name, addr, WINDOW, O_CREAT | O_EXCL | accmode, 0o644);
      }
      // The reader attaches 'sga' read-only; 'busy' keeps one reference, the peer's, after the
      // owner dropped its own.
      await c.mshare(pids.reader, 'sga', SGA, WINDOW, O_RDONLY, 0);
      await c.mshare(pids.peer, 'busy', BUSY, WINDOW, O_RDWR, 0);
      await c.mshareUnlink(donor, 'busy');
      // The splitter's one mapping, punched until it holds MAX_MAP_COUNT VMAs.
      pids.splitter = await c.spawn({ uid: 3000, gid: 3000 });
      await c.mmap(pids.splitter, TiB, 64n * 4096n, PROT_READ, anon | MAP_FIXED);
      for (let i = 1; i < MAX_MAP_COUNT; i++) await c.munmap(pids.splitter, TiB + BigInt(2 * i) * 4096n, 4096n);
    });
    after(async () => {
      await t?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const u64 = (n: bigint) => String(n);
    const anon = MAP_PRIVATE | MAP_ANONYMOUS;
    const nameTooLong = 'x'.repeat(256);

    /** Each (rpc, errno) of the table: a call that expects the errno's status and name. */
    type Call = (errno: ErrnoName) => Promise<unknown>;
    const unaryCase = (rpc: RpcName, request: () => object): Call => (errno) =>
      expectStatus(t.client, rpc, request(), ERRNO_TO_STATUS[errno], errno);
    /** A stream whose first request fails: it ends with the errno's status. */
    const streamCase = (rpc: 'AccessStream' | 'Session', request: () => object): Call => async (errno) => {
      const call = (rpc === 'AccessStream' ? t.client.raw.AccessStream() : t.client.raw.Session()) as grpc.ClientDuplexStream<object, unknown>;
      const err = await new Promise<grpc.ServiceError>((resolve) => {
        call.on('error', resolve);
        call.on('data', () => {});
        call.write(request());
      });
      assert.deepEqual([grpc.status[err.code], err.metadata.get(ERRNO_METADATA_KEY)], [grpc.status[ERRNO_TO_STATUS[errno]], [errno]]);
    };

    /**
     * The call on a machine that has panicked out of memory (nothing killable): every allocating
     * request is ENOMEM. The panic is the kernel's flag, set for this call only.
     */
    const panicked = (call: Call): Call => async (errno) => {
      const memory = t.broker.kernel.memory;
      memory.panicked = true;
      try {
        await call(errno);
      } finally {
        memory.panicked = false;
      }
    };
    /** A page of 'sga' no call touches otherwise: its fault must allocate. */
    const FRESH = SGA + (1n << 30n);
    const fresh = Buffer.alloc(8);
    fresh.writeBigUInt64LE(FRESH);
    const sga = (pid: number, name: string, oflags: number) => ({ pid, name, addr: u64(SGA), length: u64(WINDOW), oflags, mode: 0o600 });
    const cases: Record<RpcName, Partial<Record<ErrnoName, Call>>> = {
      GetGeometry: {},
      Spawn: {
        ENOENT: unaryCase('Spawn', () => ({ uid: 1, gid: 1, session_id: 'no-such-session' })),
        EINVAL: unaryCase('Spawn', () => ({ gid: 0 })),
        EPERM: (errno) => expectStatus(t.client, 'Spawn', { uid: 0, gid: 5000 }, ERRNO_TO_STATUS[errno], errno, limited),
        EAGAIN: unaryCase('Spawn', () => ({ uid: 1000, gid: 1000 })),
        ENOMEM: panicked(unaryCase('Spawn', () => ({ uid: 1, gid: 1 }))),
      },
      Exit: {
        ESRCH: unaryCase('Exit', () => ({ pid: 999 })),
        EINVAL: unaryCase('Exit', () => ({})),
      },
      Mmap: {
        ESRCH: unaryCase('Mmap', () => ({ pid: 999, addr: '0', length: '4096', prot: PROT_READ, flags: anon })),
        EINVAL: unaryCase('Mmap', () => ({ pid: pids.donor, addr: '0', length: '0', prot: PROT_READ, flags: anon })),
        EBADF: unaryCase('Mmap', () => ({ pid: pids.donor, addr: '0', length: '4096', prot: PROT_READ, flags: MAP_PRIVATE })),
        ENOMEM: unaryCase('Mmap', () => ({ pid: pids.donor, addr: '0', length: u64(1n << 50n), prot: PROT_READ, flags: anon })),
        EACCES: unaryCase('Mmap', () => ({ pid: pids.reader, addr: u64(SGA), length: '4096', prot: PROT_READ, flags: MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED })),
      },
      Munmap: {
        ESRCH: unaryCase('Munmap', () => ({ pid: 999, addr: u64(SGA), length: '4096' })),
        EINVAL: unaryCase('Munmap', () => ({ pid: pids.donor, addr: u64(SGA), length: '0' })),
        EACCES: unaryCase('Munmap', () => ({ pid: pids.reader, addr: u64(SGA), length: '4096' })),
        ENOMEM: unaryCase('Munmap', () => ({ pid: pids.splitter, addr: u64(TiB + 4096n * 40n), length: '4096' })),
      },
      Mprotect: {
        ESRCH: unaryCase('Mprotect', () => ({ pid: 999, addr: u64(SGA), length: '4096', prot: PROT_READ })),
        EINVAL: unaryCase('Mprotect', () => ({ pid: pids.donor, addr: u64(SGA), length: '4096', prot: 8 })),
        ENOMEM: unaryCase('Mprotect', () => ({ pid: pids.donor, addr: u64(TiB), length: '4096', prot: PROT_READ })),
        EACCES: unaryCase('Mprotect', () => ({ pid: pids.reader, addr: u64(SGA), length: '4096', prot: PROT_READ })),
      },
      Mshare: {
        ESRCH: unaryCase('Mshare', () => sga(999, 'sga', O_RDWR)),
        EEXIST: unaryCase('Mshare', () => sga(pids.stranger, 'sga', O_CREAT | O_EXCL | O_RDWR)),
        ENOENT: unaryCase('Mshare', () => sga(pids.stranger, 'nope', O_RDWR)),
        EACCES: unaryCase('Mshare', () => sga(pids.stranger, 'sga', O_RDWR)),
        EPERM: unaryCase('Mshare', () => ({ ...sga(pids.peer, 'ro', O_RDWR), addr: u64(RO) })),
        EINVAL: unaryCase('Mshare', () => sga(pids.stranger, 'a/b', O_RDWR)),
        ENAMETOOLONG: unaryCase('Mshare', () => sga(pids.stranger, nameTooLong, O_RDWR)),
        ENOSPC: unaryCase('Mshare', () => ({ ...sga(pids.splitter, 'fourth', O_CREAT | O_RDWR), addr: '0', length: u64(WINDOW) })),
        ENOMEM: panicked(unaryCase('Mshare', () => sga(pids.stranger, 'fresh', O_CREAT | O_RDWR))),
      },
      MshareUnlink: {
        ESRCH: unaryCase('MshareUnlink', () => ({ pid: 999, name: 'sga' })),
        ENOENT: unaryCase('MshareUnlink', () => ({ pid: pids.donor, name: 'nope' })),
        EPERM: unaryCase('MshareUnlink', () => ({ pid: pids.stranger, name: 'sga' })),
        EBUSY: unaryCase('MshareUnlink', () => ({ pid: pids.donor, name: 'busy' })),
        EINVAL: unaryCase('MshareUnlink', () => ({ pid: pids.donor, name: '' })),
        ENAMETOOLONG: unaryCase('MshareUnlink', () => ({ pid: pids.donor, name: nameTooLong })),
      },
      ReadRegion: {
        ENOENT: unaryCase('ReadRegion', () => ({ name: 'nope' })),
        EINVAL: unaryCase('ReadRegion', () => ({ name: '.' })),
        ENAMETOOLONG: unaryCase('ReadRegion', () => ({ name: nameTooLong })),
      },
      ListRegions: {
        EINVAL: unaryCase('ListRegions', () => ({ page_token: 'not-a-token' })),
      },
      Access: {
        ESRCH: unaryCase('Access', () => ({ pid: 999, addr: u64(SGA), kind: 'ACCESS_KIND_READ' })),
        EINVAL: unaryCase('Access', () => ({ pid: pids.donor, addr: u64(SGA) })),
        ENOMEM: panicked(unaryCase('Access', () => ({ pid: pids.donor, addr: u64(FRESH), kind: 'ACCESS_KIND_WRITE' }))),
      },
      Touch: {
        ESRCH: unaryCase('Touch', () => ({ pid: 999, addr: u64(SGA), length: '4096', kind: 'ACCESS_KIND_READ' })),
        EINVAL: unaryCase('Touch', () => ({ pid: pids.donor, addr: u64(SGA), length: '4096', kind: 'ACCESS_KIND_READ', stride_pages: '9007199254740993' })),
        ENOMEM: panicked(unaryCase('Touch', () => ({ pid: pids.donor, addr: u64(FRESH), length: '4096', kind: 'ACCESS_KIND_WRITE' }))),
      },
      AccessStream: {
        ESRCH: streamCase('AccessStream', () => ({ pid: 999, kind: 'ACCESS_KIND_READ', addrs: Buffer.alloc(8) })),
        EINVAL: streamCase('AccessStream', () => ({ pid: pids.donor, kind: 'ACCESS_KIND_READ', addrs: Buffer.alloc(15) })),
        ENOMEM: panicked(streamCase('AccessStream', () => ({ pid: pids.donor, kind: 'ACCESS_KIND_WRITE', addrs: fresh }))),
      },
      ProcStatus: {
        ESRCH: unaryCase('ProcStatus', () => ({ pid: 999 })),
        EINVAL: unaryCase('ProcStatus', () => ({ pid: 0 })),
      },
      GetAccounting: {},
      Session: {
        EINVAL: streamCase('Session', () => ({ ping: { nonce: '1' } })),
        EAGAIN: async (errno) => {
          const held = await t.client.openSession('held');
          try {
            await streamCase('Session', () => ({ open: { client_name: 'second' } }))(errno);
          } finally {
            await held.close();
          }
        },
        ENOENT: streamCase('Session', () => ({ open: { client_name: 'back', resume_session_id: 'no-such-session' } })),
      },
      ListOomEvents: {},
    };

    it('has one case for each pair of the table, and none besides', () => {
      assert.deepEqual(table(Object.fromEntries(Object.entries(cases).map(([rpc, c]) => [rpc, Object.keys(c)]))), table(RPC_ERRNOS));
    });

    for (const [rpc, byErrno] of Object.entries(cases) as [RpcName, Partial<Record<ErrnoName, Call>>][]) {
      for (const [errno, call] of Object.entries(byErrno) as [ErrnoName, Call][]) {
        it(`${rpc} -> ${errno}`, async () => {
          seen.splice(0);
          await call(errno);
          assert.deepEqual(seen, [[rpc, errno]], 'the broker reported this failure, and only this one');
        });
      }
    }
  });

  it('an errno outside its RPC\'s row fails the test that caused it', async () => {
    class OddKernel extends Kernel {
      override listRegions(): never { throw new KernelError('EBUSY', 'not an errno ListRegions answers'); }
    }
    const t = await startBroker({}, { kernel: new OddKernel() });
    await expectStatus(t.client, 'ListRegions', {}, grpc.status.FAILED_PRECONDITION, 'EBUSY');
    assert.deepEqual(t.unlisted, ['ListRegions -> EBUSY']);
    await assert.rejects(t.stop(), (e: unknown) => e instanceof assert.AssertionError && /RPC_ERRNOS/.test(e.message));
  });
});
