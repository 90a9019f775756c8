// The replay engine (shared/replay/) on hand-made captures: against the in-process Kernel (fast)
// and through a real broker on 127.0.0.1 over gRPC (the same code path), what it reports, what it
// leaves out of the exact check and why, the sharing candidates, and that a refused capture changes
// nothing in the broker.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { CaptureError, encodeCapture, type Capture, type CapturedVma } from '../shared/capture/format.js';
import { MAP_ANONYMOUS, MAP_HUGETLB, MAP_HUGE_1GB, MAP_HUGE_2MB, MAP_PRIVATE, MAP_SHARED } from '../shared/kernel/index.js';
import {
  KernelTarget, REPLAY_EXIT_CODES, ReplayError, findCandidates, linuxRuleVmpte, planReplay, replayCapture,
  runReplayCommand, type ReplayTarget,
} from '../shared/replay/index.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';
import { repoRoot } from './support/paths.js';
import { MiB, capture, proc, smallFleet, vma } from './fixtures/capture/synthetic.js';

describe('replay into the in-process kernel', () => {
  it('reproduces each process\'s VmPTE: the simulator agrees with Linux\'s rule on random address spaces', async () => {
    // VMAs laid out upwards with gaps that often stop just short of a 2 MiB, 1 GiB or 512 GiB
    // boundary, so tables are shared between neighbours and mappings cross boundaries.
    const vmaArb = fc.record({
      gap: fc.oneof(
        fc.integer({ min: 0, max: 700 }).map((n) => ({ kind: 'pages' as const, n })),
        fc.constantFrom(9, 18, 27).chain((bits) => fc.integer({ min: 0, max: 3 }).map((n) => ({ kind: 'boundary' as const, bits, n }))),
      ),
      pages: fc.integer({ min: 1, max: 1500 }),
      shared: fc.boolean(),
      runs: fc.array(fc.record({ skip: fc.integer({ min: 0, max: 600 }), len: fc.integer({ min: 1, max: 900 }), swapped: fc.boolean() }), { maxLength: 6 }),
    });
    const procArb = fc.record({ start: fc.integer({ min: 16, max: 2 ** 30 }), vmas: fc.array(vmaArb, { minLength: 1, maxLength: 8 }) });
    await fc.assert(fc.asyncProperty(fc.array(procArb, { minLength: 1, maxLength: 3 }), async (procs) => {
      const processes = procs.map((p, pi) => {
        let page = p.start;
        const vmas: CapturedVma[] = [];
        for (const s of p.vmas) {
          if (s.gap.kind === 'pages') page += s.gap.n;
          else page = (Math.floor(page / 2 ** s.gap.bits) + 1) * 2 ** s.gap.bits - s.gap.n - 1;
          if (vmas.length > 0) page = Math.max(page, vmas[vmas.length - 1].endPage);
          const runs: [number, number, boolean][] = [];
          let at = 0;
          for (const r of s.runs) {
            at += r.skip + (runs.length > 0 ? 1 : 0);
            if (at >= s.pages) break;
            const len = Math.min(r.len, s.pages - at);
            runs.push([at, len, r.swapped]);
            at += len;
          }
          vmas.push(vma({ at: BigInt(page) << 12n, pages: s.pages, shared: s.shared, runs, ...(s.shared ? { path: '/dev/zero (deleted)', inode: 3n, dev: [0, 1] as [number, number] } : {}) }));
          page += s.pages;
        }
        return proc(10 + pi, vmas);
      });
      const c = capture(processes);
      const r = await replayCapture(c, new KernelTarget());
      for (const [i, p] of r.processes.entries()) {
        assert.equal(p.simulated_vmpte_bytes, c.processes[i].vmpteBytes, `pid ${p.pid}`);
        assert.equal(p.linux_rule_vmpte_bytes, c.processes[i].vmpteBytes);
      }
      assert.equal(r.exact.all_match, true);
    }), { numRuns: 60 });
  });

  it('counts PTE, PMD and PUD tables across 2 MiB, 1 GiB and 512 GiB boundaries', async () => {
    // two pages either side of 0x7e0000000000 (a 2 MiB, 1 GiB and 512 GiB boundary): 2 of each table
    const c = capture([proc(1, [vma({ at: 0x7dfffff00000, pages: 512, runs: [[0, 1], [511, 1]] })])]);
    assert.equal(linuxRuleVmpte(c.processes[0]).vmpteBytes, 6 * 4096);
    const r = await replayCapture(c, new KernelTarget());
    assert.equal(r.processes[0].simulated_vmpte_bytes, 6 * 4096);
    assert.equal(r.processes[0].matches, true);
  });

  it('reports captured beside simulated VmPTE per process and in total, with the swapped pages noted', async () => {
    const c = smallFleet();
    const r = await replayCapture(c, new KernelTarget());
    assert.deepEqual(r.processes.map((p) => [p.pid, p.comm, p.captured_vmpte_bytes, p.simulated_vmpte_bytes, p.exact_check, p.matches]), [
      [100, 'parent', c.processes[0].vmpteBytes, c.processes[0].vmpteBytes, true, true],
      [101, 'child', c.processes[1].vmpteBytes, c.processes[1].vmpteBytes, true, true],
    ]);
    // PTE tables: heap, library, memfd, file, stack (each in its own 2 MiB); PMD tables: heap, library +
    // memfd, file (the next GiB), stack; PUD tables: 0x55.., 0x7f0.. and 0x7ff.. (512 GiB regions)
    assert.equal(c.processes[0].vmpteBytes, (5 + 4 + 3) * 4096);
    assert.equal(r.captured_vmpte_bytes, c.processes[0].vmpteBytes + c.processes[1].vmpteBytes);
    assert.equal(r.simulated_vmpte_bytes, r.captured_vmpte_bytes);
    assert.deepEqual(r.exact, {
      processes: 2, matched: 2, left_out: 0, captured_vmpte_bytes: r.captured_vmpte_bytes, simulated_vmpte_bytes: r.captured_vmpte_bytes, all_match: true,
    });
    assert.ok(r.notes.includes('3 swapped pages replayed as present: the simulator has no swap, and a swap entry needs the same tables'), r.notes.join('\n'));
  });

  it('says when the simulation differs from the capture', async () => {
    const c = smallFleet();
    c.processes[1].vmpteBytes += 4096;
    const r = await replayCapture(c, new KernelTarget());
    assert.equal(r.processes[1].matches, false);
    assert.equal(r.exact.all_match, false);
    assert.equal(r.simulated_vmpte_bytes, r.captured_vmpte_bytes - 4096);
    assert.ok(r.notes.some((n) => /^pid 101 child: MISMATCH: captured VmPTE \d+ B, simulated \d+ B \(-4096\)$/.test(n)), r.notes.join('\n'));
  });

  it('replays hugetlb VMAs exactly: no PTE table under a 2 MiB page, no PMD table under a 1 GiB one, shared PMD tables counted by each sharer', async () => {
    const ht = { dev: [0, 0x11] as [number, number], vmFlags: ['rd', 'wr', 'sh', 'ht'] };
    const small = vma({ at: 0x10000000, pages: 4, runs: [[0, 1]] });
    // a private 2 MiB page: 1 PMD + 1 PUD (no PTE table)
    const priv = vma({ at: 0x7f4000000000, pages: 512, path: '/anon_hugepage (deleted)', inode: 5n, ...ht, kernelPageSize: 2 * MiB, runs: [[0, 512]] });
    // a shared hugetlbfs file covering a whole aligned GiB, in two processes: its PMD table is shared
    const file = (runs: [number, number][]) => vma({ at: 0x7f8000000000, pages: 262144, shared: true, path: '/dev/hugepages/pool', inode: 6n, ...ht, kernelPageSize: 2 * MiB, runs });
    // a 1 GiB page at a 1 GiB file offset: only its PUD table
    const gig = vma({ at: 0x7e0000000000, pages: 262144, shared: true, path: '/dev/hugepages1G/g', inode: 7n, offset: 1n << 30n, ...ht, kernelPageSize: 1024 * MiB, runs: [[0, 262144]] });
    const c = capture([proc(1, [small, priv]), proc(2, [gig, file([[0, 1024], [262143, 1]])]), proc(3, [file([[512, 512]])])]);
    assert.deepEqual(c.processes.map((p) => p.vmpteBytes), [5 * 4096, 3 * 4096, 2 * 4096], "Linux's rule");
    const target = new KernelTarget();
    const r = await replayCapture(c, target, { accounting: true });
    assert.deepEqual(r.processes.map((p) => [p.exact_check, p.simulated_vmpte_bytes]), [[true, 5 * 4096], [true, 3 * 4096], [true, 2 * 4096]]);
    assert.equal(r.exact.all_match, true);
    assert.deepEqual(r.processes.map((p) => p.captured_pages), [513, 262144 + 1025, 512], 'every captured 4 KiB subpage counted');
    // the machine: the shared PMD table once (10 table pages by VmPTE, 9 distinct) + 3 PGDs
    assert.equal(r.pagetable_bytes, (9 + 3) * 4096);
    const st = target.kernel.procStatus(r.processes[1].simulated_pid);
    assert.deepEqual(st.vmas.map((v) => [v.start, v.flags]), [[0x7e0000000000n, MAP_SHARED | MAP_HUGETLB | MAP_HUGE_1GB], [0x7f8000000000n, MAP_SHARED | MAP_HUGETLB | MAP_HUGE_2MB]]);
    assert.equal(target.kernel.hugetlb.reserved[1] + target.kernel.hugetlb.reserved[2], 1 + 512 + 1, 'pool pages reserved: 1 private, 512 of the file, 1 GiB page');
  });

  it('passes each mapping\'s file offset to mmap', async () => {
    const c = smallFleet();
    const seen: [string, bigint][] = [];
    const t = new KernelTarget();
    const spy: ReplayTarget = { ...bind(t), mmap: (pid, addr, length, prot, flags, file, offset) => {
      seen.push([`${file}@0x${addr.toString(16)}`, offset ?? -1n]);
      return t.mmap(pid, addr, length, prot, flags, file, offset);
    } };
    await replayCapture(c, spy);
    assert.deepEqual(seen.filter(([k]) => k.startsWith('fe:00:555')), [['fe:00:555@0x7f0040000000', 1048576n]]);
    assert.ok(seen.every(([, o]) => o >= 0n), 'every call has an offset');
  });

  it('leaves out PMD-mapped shmem THP and a VmPTE that moved during the capture', async () => {
    const thp = vma({ at: 0x7f0000000000, pages: 1024, shared: true, path: '/dev/zero (deleted)', inode: 8n, dev: [0, 1], pmdMappedBytes: 2 * MiB, runs: [[0, 1024]] });
    const c = capture([
      proc(1, [thp], { vmpteBytes: 3 * 4096 }),
      proc(2, [vma({ at: 0x10000000, pages: 4, runs: [[0, 1]] })], { consistency: 'changed', attempts: 5 }),
    ]);
    const r = await replayCapture(c, new KernelTarget());
    assert.match(r.processes[0].left_out.join(), /PMD-mapped shmem\/file THP: 2048 kB in 1 VMA\(s\)/);
    assert.equal(r.processes[0].linux_rule_vmpte_bytes, null, 'where the huge PMDs are is not in the capture');
    assert.deepEqual(r.processes[1].left_out, ['VmPTE changed during the capture (5 passes)']);
    assert.equal(r.exact.processes, 0);
  });

  it('maps PROT_NONE VMAs that have pages PROT_READ, so they replay, and says so', async () => {
    const c = capture([proc(1, [vma({ at: 0x20000000, pages: 16, prot: 0, runs: [[0, 16]] })])]);
    const target = new KernelTarget();
    const r = await replayCapture(c, target);
    assert.equal(r.processes[0].matches, true);
    assert.equal(target.kernel.procStatus(r.processes[0].simulated_pid).vmas[0].prot, 1);
    assert.ok(r.notes.some((n) => /^VMA #0 \[0x20000000-0x20010000\): PROT_NONE with 16 captured pages, mapped PROT_READ/.test(n)), r.notes.join('\n'));
  });

  it('undoes a replay that fails halfway: the processes it spawned are exited', async () => {
    const kernel = new KernelTarget();
    let mmaps = 0;
    const failing: ReplayTarget = {
      ...bind(kernel),
      async mmap(...args) {
        if (++mmaps === 5) throw new Error('EIO: injected');
        return kernel.mmap(...args);
      },
    };
    await assert.rejects(replayCapture(smallFleet(), failing, { processConcurrency: 1, callWindow: 1 }), (err: unknown) => {
      assert.ok(err instanceof ReplayError);
      assert.match(err.message, /^replay failed: process #0 \(pid 100 parent\), VMA #4 \[0x7ffc00000000-0x7ffc00021000\) \[stack\]: mmap: EIO: injected$/);
      assert.deepEqual(err.record, { processIndex: 0, pid: 100, vmaIndex: 4 });
      return true;
    });
    assert.deepEqual(kernel.kernel.pids(), []);
  });
});

describe('sharing candidates', () => {
  it('are MAP_SHARED mappings of one device:inode at one offset in several processes; never private, never alone', () => {
    const shared = (pid: number, at: number, offset: bigint, inode: bigint, path: string, runs: [number, number][] = []) =>
      vma({ at, pages: 16, shared: true, inode, dev: [0, 1], offset, path, runs });
    const lib = vma({ at: 0x7f0000100000, pages: 8, prot: 5, path: '/usr/lib/libc.so.6', inode: 99n, runs: [[0, 8]] });
    const c = capture([
      proc(1, [shared(1, 0x10000000, 0n, 7n, '/dev/zero (deleted)', [[0, 4]]), shared(1, 0x20000000, 0n, 8n, '/SYSV0052e2c1 (deleted)'), shared(1, 0x30000000, 4096n, 9n, '/data/f'), { ...lib }]),
      proc(2, [shared(2, 0x10000000, 0n, 7n, '/dev/zero (deleted)', [[2, 1]]), shared(2, 0x28000000, 0n, 8n, '/SYSV0052e2c1 (deleted)'), shared(2, 0x30000000, 8192n, 9n, '/data/f'), { ...lib }]),
      proc(3, [shared(3, 0x10000000, 0n, 7n, '/dev/zero (deleted)'), shared(3, 0x40000000, 0n, 10n, '/memfd:only-mine (deleted)'), { ...lib }]),
    ]);
    const found = findCandidates(c);
    assert.deepEqual(found.map((x) => [x.key, x.kind, x.process_count, x.same_address, x.captured_pages]), [
      ['00:01:7@0', 'shared-anonymous', 3, true, 5],
      ['00:01:8@0', 'sysv-shm', 2, false, 0],
    ]);
    assert.deepEqual(found[0].mappings.map((m) => [m.pid, m.start, m.present_pages]), [[1, '0x10000000', 4], [2, '0x10000000', 1], [3, '0x10000000', 0]]);
    // the replay plan marks each candidate's mappings, for a scheme to rewrite later
    const plan = planReplay(c);
    assert.deepEqual(plan.processes.map((p) => p.mappings.map((m) => m.candidate ?? '-')), [
      ['00:01:7@0', '00:01:8@0', '-', '-'], ['00:01:7@0', '00:01:8@0', '-', '-'], ['00:01:7@0', '-', '-'],
    ]);
  });
});

describe('replay through a broker over gRPC', () => {
  let broker: TestBroker;
  let dir: string;
  before(async () => {
    broker = await startBroker({ MSHARE_LOG_LEVEL: 'silent' });
    dir = mkdtempSync(path.join(tmpdir(), 'capture-replay-'));
  });
  after(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, c: Capture, validate = true) => {
    const file = path.join(dir, name);
    writeFileSync(file, encodeCapture(c, { validate }));
    return file;
  };

  it('gives the in-process answer, with each process spawned as captured and mapped at its addresses', async () => {
    const c = smallFleet();
    const local = await replayCapture(c, new KernelTarget());
    const r = await replayCapture(c, broker.client);
    const numbers = (x: typeof r) => x.processes.map((p) => [p.pid, p.captured_vmpte_bytes, p.simulated_vmpte_bytes]);
    assert.deepEqual(numbers(r), numbers(local));
    assert.equal(r.exact.all_match, true);
    const st = await broker.client.procStatus(r.processes[0].simulated_pid);
    assert.deepEqual([st.uid, st.gid, st.comm, st.vmpteBytes], [104, 105, 'parent', c.processes[0].vmpteBytes]);
    assert.deepEqual(st.vmas.map((v) => [`0x${v.start.toString(16)}`, `0x${v.end.toString(16)}`, v.prot, v.flags, v.file]), [
      ['0x555500000000', '0x55550012c000', 3, MAP_PRIVATE | MAP_ANONYMOUS, ''],
      ['0x7f0000000000', '0x7f0000028000', 5, MAP_PRIVATE, 'fe:00:1234'],
      ['0x7f0000200000', '0x7f0000600000', 3, MAP_SHARED, '00:01:77'],
      ['0x7f0040000000', '0x7f0040200000', 1, MAP_PRIVATE, 'fe:00:555'],
      ['0x7ffc00000000', '0x7ffc00021000', 3, MAP_PRIVATE | MAP_ANONYMOUS, ''],
    ]);
  });

  it('runReplayCommand: JSON under "replay" with the per-process and total figures, exit 0 when exact', async () => {
    const file = write('fleet.capture', smallFleet());
    const out = await runReplayCommand({ file, target: broker.client, json: true, options: { exitWhenDone: true } });
    assert.equal(out.exitCode, REPLAY_EXIT_CODES.exact);
    const { replay } = JSON.parse(out.output) as { replay: Record<string, unknown> & { processes: Record<string, unknown>[] } };
    assert.deepEqual(Object.keys(replay.processes[0]).slice(0, 4), ['pid', 'comm', 'captured_vmpte_bytes', 'simulated_vmpte_bytes']);
    assert.deepEqual(replay.processes.map((p) => [p.pid, p.comm]), [[100, 'parent'], [101, 'child']]);
    assert.equal(replay.captured_vmpte_bytes, replay.simulated_vmpte_bytes);
    assert.ok(Array.isArray(replay.notes) && Array.isArray(replay.candidates));
    const text = await runReplayCommand({ file, target: broker.client, options: { exitWhenDone: true } });
    assert.match(text.output, /^100 +parent +48 kB +48 kB +0 +48 kB +exact$/m);
    assert.match(text.output, /^exact check: 2 of 2 processes exact/m);
    const bad = smallFleet();
    bad.processes[0].vmpteBytes += 8192;
    const mismatch = await runReplayCommand({ file: write('off.capture', bad), target: broker.client, options: { exitWhenDone: true } });
    assert.equal(mismatch.exitCode, REPLAY_EXIT_CODES.mismatch);
    assert.match(mismatch.output, /^100 +parent +56 kB +48 kB +-8 kB +48 kB +MISMATCH$/m);
  });

  it('refuses a bad capture before any change to the broker, naming the record', async () => {
    const before = await broker.client.accounting();
    const overlap = smallFleet();
    overlap.processes[1].vmas.push(vma({ at: 0x7ffc00010000, pages: 1 }));
    const truncated = path.join(dir, 'truncated.capture');
    writeFileSync(truncated, encodeCapture(smallFleet()).subarray(0, 200));
    const beyond = capture([proc(1, [vma({ at: 0x10000, pages: 1, runs: [[0, 1]] })]), proc(2, [vma({ at: 1n << 50n, pages: 1, runs: [[0, 1]] })])], { geometry: 'x86_64-5level' });
    const cases: [string, RegExp][] = [
      [write('overlap.capture', overlap, false), /process #1 \(pid 101 child\), VMA #4 \[0x7ffc00010000-0x7ffc00011000\): overlaps VMA #3/],
      [truncated, /truncated: the file ends \(200 bytes\)/],
      [write('beyond.capture', beyond), /process #1 \(pid 2 proc2\), VMA #0 \[0x4000000000000-0x4000000001000\): ends above the user address limit 0x7ffffffff000 of x86_64-4level/],
      [path.join(dir, 'missing.capture'), /cannot read capture .*missing\.capture/],
    ];
    for (const [file, pattern] of cases) {
      const out = await runReplayCommand({ file, target: broker.client });
      assert.equal(out.exitCode, REPLAY_EXIT_CODES.refused, file);
      assert.match(out.error ?? '', /^capture refused, nothing replayed: /);
      assert.match(out.error ?? '', pattern);
    }
    await assert.rejects(replayCapture(beyond, broker.client), CaptureError);
    const after = await broker.client.accounting();
    assert.deepEqual([after.processes, after.pagetableBytes, after.minorFaults], [before.processes, before.pagetableBytes, before.minorFaults]);
  });

  it('npm start -- --replay BAD --broker ADDR: exit 4, the record named on stderr, the broker unchanged', function () {
    this.timeout(120_000);
    const v2 = Buffer.from(encodeCapture(smallFleet()));
    v2.writeUInt16LE(2, 8);
    const overlap = smallFleet();
    overlap.processes[1].vmas.push(vma({ at: 0x7ffc00010000, pages: 1 }));
    const truncated = encodeCapture(smallFleet());
    const beyond = capture([proc(2, [vma({ at: 1n << 50n, pages: 1, runs: [[0, 1]] })])], { geometry: 'x86_64-5level' });
    const cases: [string, Buffer, RegExp][] = [
      ['version.capture', v2, /version 2 is not supported: this reader knows version 1/],
      ['truncated.capture', truncated.subarray(0, truncated.length - 3), /process #1 \(pid 101 child\), VMA #3 \[0x7ffc00000000-0x7ffc00021000\) \[stack\]: truncated/],
      ['overlap.capture', encodeCapture(overlap, { validate: false }), /process #1 \(pid 101 child\), VMA #4 \[0x7ffc00010000-0x7ffc00011000\): overlaps VMA #3/],
      ['beyond.capture', encodeCapture(beyond), /process #0 \(pid 2 proc2\), VMA #0 \[0x4000000000000-0x4000000001000\): ends above the user address limit 0x7ffffffff000 of x86_64-4level/],
    ];
    // The broker runs in this process: the CLI must run asynchronously beside it.
    const run = (args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'services/loadtest/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
        (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
    });
    return (async () => {
      const start = await broker.client.accounting();
      for (const [name, bytes, pattern] of cases) {
        const file = path.join(dir, name);
        writeFileSync(file, bytes);
        const r = await run(['--replay', file, '--broker', broker.grpcAddress]);
        assert.equal(r.status, REPLAY_EXIT_CODES.refused, `${name}: ${r.stderr}`);
        assert.match(r.stderr, /capture refused, nothing replayed: /, name);
        assert.match(r.stderr, pattern, name);
        assert.equal(r.stdout, '', name);
      }
      const end = await broker.client.accounting();
      assert.deepEqual([end.processes, end.regions, end.pagetableBytes, end.minorFaults], [start.processes, start.regions, start.pagetableBytes, start.minorFaults]);
    })();
  });
});

/** The target's methods bound to it, for a wrapper to override one. */
function bind(t: KernelTarget): ReplayTarget {
  return {
    spawn: t.spawn.bind(t), mmap: t.mmap.bind(t), touch: t.touch.bind(t), accessStream: t.accessStream.bind(t),
    procStatus: t.procStatus.bind(t), geometry: t.geometry.bind(t), exit: t.exit.bind(t),
  };
}

