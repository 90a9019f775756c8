// Capture of real processes, replayed through a real broker (in process, gRPC on 127.0.0.1:0):
// a C program this test builds with gcc (test/fixtures/capture/fleet.c), a busy process, and a
// real PostgreSQL 15 (services/capture/postgres.ts, as the postgres user on a Unix socket in a
// temporary directory). Every process's simulated VmPTE must equal the VmPTE Linux showed.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  decodeCapture, devInode, isHugetlb, type Capture, type CapturedProcess, type CapturedVma,
} from '../shared/capture/format.js';
import { MAP_HUGETLB, MAP_SHARED } from '../shared/kernel/index.js';
import { formatReplayReport, replayCapture, runReplayCommand, type ReplayReport } from '../shared/replay/index.js';
import { runCaptureCli } from '../services/capture/cli.js';
import { startPostgres } from '../services/capture/postgres.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';
import { repoPath } from './support/paths.js';

const MiB = 1024 * 1024;

interface Fleet {
  child: ChildProcess;
  pids: number[];
  /** name -> [start, length, offset] */
  layout: Map<string, [number, number, number]>;
}

describe('capture of real processes, replayed through a broker over gRPC', function () {
  this.timeout(300_000);
  let broker: TestBroker;
  let dir: string;
  let fleetBin: string;
  /** Every process this file starts, killed by pid at the end. */
  const started = new Set<number>();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'capture-real-'));
    fleetBin = path.join(dir, 'fleet');
    const cc = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', fleetBin, repoPath('test/fixtures/capture/fleet.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, `gcc (scripts/test-tools.sh installs it): ${cc.error?.message ?? cc.stderr}`);
    broker = await startBroker({ MSHARE_LOG_LEVEL: 'silent' });
  });

  after(async () => {
    for (const pid of started) kill(pid, 'SIGKILL');
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the fleet program and waits (bounded) for its READY line. */
  async function startFleet(args: string[]): Promise<Fleet> {
    const child = spawn(fleetBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.add(child.pid as number);
    let stderr = '';
    child.stderr?.on('data', (b) => { stderr += b; });
    const layout = new Map<string, [number, number, number]>();
    const lines = createInterface({ input: child.stdout! });
    const pids = await new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fleet not ready in 20 s: ${stderr}`)), 20_000);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`fleet exited ${code}: ${stderr}`)); });
      lines.on('line', (line) => {
        const [word, ...rest] = line.split(' ');
        if (word === 'LAYOUT') layout.set(rest[0], [Number(rest[1]), Number(rest[2]), Number(rest[3])]);
        if (word === 'READY') {
          clearTimeout(timer);
          resolve(rest.map(Number));
        }
      });
    });
    for (const pid of pids) started.add(pid);
    return { child, pids, layout };
  }

  function captureFile(args: string[]): { file: string; capture: Capture; log: string[] } {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.capture`);
    const log: string[] = [];
    const code = runCaptureCli([...args, '--out', file], (l) => log.push(l));
    assert.equal(code, 0, log.join('\n'));
    return { file, capture: decodeCapture(readFileSync(file)), log };
  }

  const pidArgs = (pids: number[]) => pids.flatMap((p) => ['--pid', String(p)]);
  const pagesOf = (v: CapturedVma) => v.runs.flatMap((r) => Array.from({ length: r.length }, (_, i) => r.offset + i));
  const vmaAt = (p: CapturedProcess, addr: number) => {
    const v = p.vmas.find((x) => x.startPage === addr / 4096);
    assert.ok(v, `pid ${p.pid} has no VMA at 0x${addr.toString(16)}`);
    return v;
  };

  describe('npm run capture on live processes', () => {
    it('captures a running process without stopping it (VmPTE agreed before and after) and replays it exactly', async () => {
      const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
      started.add(sleeper.pid as number);
      await waitFor(() => readFileSync(`/proc/${sleeper.pid}/comm`, 'utf8') === 'sleep\n');
      const { capture, log } = captureFile(['--pid', String(sleeper.pid)]);
      assert.equal(capture.processes.length, 1, log.join('\n'));
      const p = capture.processes[0];
      assert.deepEqual([p.pid, p.comm, p.uid, p.consistency], [sleeper.pid, 'sleep', process.getuid?.(), 'agreed']);
      assert.ok(p.notes.some((n) => n.startsWith('[vsyscall] at 0xffffffffff600000')), p.notes.join('\n'));
      const r = await replayCapture(capture, broker.client, { exitWhenDone: true });
      assert.equal(r.processes[0].simulated_vmpte_bytes, p.vmpteBytes);
      assert.equal(r.processes[0].exact_check, true);
      assert.ok(p.vmpteBytes > 0);
      kill(sleeper.pid as number, 'SIGKILL');
    });

    it('--stop stops a running process while it is read and resumes it; one found stopped stays stopped', async () => {
      const a = spawn('sleep', ['120'], { stdio: 'ignore' });
      const b = spawn('sleep', ['120'], { stdio: 'ignore' });
      for (const c of [a, b]) started.add(c.pid as number);
      await waitFor(() => state(b.pid as number) === 'S');
      kill(b.pid as number, 'SIGSTOP');
      await waitFor(() => state(b.pid as number) === 'T');
      const { capture } = captureFile(['--stop', ...pidArgs([a.pid as number, b.pid as number])]);
      assert.deepEqual(capture.processes.map((p) => p.consistency), ['stopped', 'stopped']);
      assert.notEqual(state(a.pid as number), 'T', 'resumed after the capture');
      assert.equal(state(b.pid as number), 'T', 'left as it was found');
      for (const c of [a, b]) kill(c.pid as number, 'SIGKILL');
    });

    it('bad flags exit 2; when nothing is captured it exits 1 and writes no file', () => {
      const log: string[] = [];
      const file = path.join(dir, 'none.capture');
      assert.equal(runCaptureCli(['--out', file], (l) => log.push(l)), 2);
      assert.equal(runCaptureCli(['--pid', 'abc', '--out', file], (l) => log.push(l)), 2);
      assert.equal(runCaptureCli(['--pid', '1'], (l) => log.push(l)), 2);
      assert.equal(runCaptureCli(['--pid', '1', '--out', file, '--bogus'], (l) => log.push(l)), 2);
      assert.match(log.join('\n'), /select processes with --pid, --comm or --uid[\s\S]*--pid abc: expected an integer[\s\S]*--out FILE is required[\s\S]*'--bogus'/);
      // pid 2 is kthreadd, a kernel thread: selected, skipped with a note
      assert.equal(runCaptureCli(['--pid', '2', '--pid', '2147483646', '--out', file], (l) => log.push(l)), 1);
      assert.match(log.join('\n'), /pid 2: skipped: kernel thread \(no address space\)/);
      assert.match(log.join('\n'), /pid 2147483646: skipped: no such process/);
      assert.equal(existsSync(file), false);
    });
  });

  it('a C program: heap, a file at an offset, a sparse shared memfd, mappings across 2 MiB / 1 GiB / 512 GiB, anonymous THP, PROT_NONE, a hugetlb page; stopped, captured, replayed exactly', async function () {
    const huge = reserveHugepage();
    if (typeof huge === 'string') {
      this.test!.title += ` [hugetlb part NOT run: ${huge}]`;
      console.log(`      hugetlb part not run: ${huge}`);
    } else {
      this.test!.title += ' [with a hugetlb process]';
    }
    const data = path.join(dir, 'fleet.data');
    try {
      const fleet = await startFleet([data, ...(typeof huge === 'string' ? [] : ['--hugetlb'])]);
      for (const pid of fleet.pids) kill(pid, 'SIGSTOP');
      await waitFor(() => fleet.pids.every((pid) => state(pid) === 'T'));
      const { file, capture } = captureFile(pidArgs(fleet.pids));
      const [parent, child, hugeProc] = capture.processes;
      assert.deepEqual(capture.processes.map((p) => [p.pid, p.comm, p.consistency]), fleet.pids.map((pid) => [pid, 'fleet', 'stopped']));

      // what was captured is what the program did
      const L = (name: string) => fleet.layout.get(name) as [number, number, number];
      const [heapStart] = L('heap');
      const heap = parent.vmas.find((v) => v.path === '[heap]' && v.startPage * 4096 <= heapStart && heapStart < v.endPage * 4096) as CapturedVma;
      assert.ok(heap, 'the [heap] VMA');
      const heapBase = heapStart / 4096 - heap.startPage;
      const heapPages = pagesOf(heap).filter((p) => p >= heapBase && p < heapBase + (6 * MiB) / 4096).map((p) => p - heapBase);
      assert.deepEqual(heapPages, Array.from({ length: (6 * MiB) / 4096 }, (_, i) => i).filter((i) => i < 256 || i % 7 === 0));
      const f = vmaAt(parent, L('file')[0]);
      const st = statSync(data, { bigint: true });
      assert.deepEqual([f.path, f.offset, f.shared, f.prot, f.inode, `${f.devMajor}:${f.devMinor}`, f.runs],
        [data, BigInt(MiB), false, 1, st.ino, `${devMajor(st.dev)}:${devMinor(st.dev)}`, [{ offset: 0, length: 512, swapped: false }]]);
      const memfdPages = (from: number, step: number) => Array.from({ length: Math.ceil((16384 - from) / step) }, (_, k) => from + k * step);
      assert.deepEqual(pagesOf(vmaAt(parent, L('memfd')[0])), memfdPages(0, 97));
      // The child's: its own reads, plus what fault-around mapped with them: pages already in the
      // page cache (the parent's) in the same 16-page aligned block (fork copied none: no anon_vma).
      const childMemfd = vmaAt(child, L('memfd')[0]);
      const childPages = new Set(pagesOf(childMemfd));
      const own = memfdPages(5, 89);
      const block = (p: number) => Math.floor((childMemfd.startPage + p) / 16);
      const ownBlocks = new Set(own.map(block));
      const parentSet = new Set(memfdPages(0, 97));
      assert.deepEqual(own.filter((p) => !childPages.has(p)), [], 'every page the child read');
      const extra = [...childPages].filter((p) => !own.includes(p));
      assert.deepEqual(extra.filter((p) => !parentSet.has(p) || !ownBlocks.has(block(p))), [], 'extras are fault-around of cached pages');
      assert.deepEqual(vmaAt(parent, L('cross2m')[0]).runs, [{ offset: 0, length: 2, swapped: false }]);
      assert.deepEqual(vmaAt(parent, L('cross1g')[0]).runs, [{ offset: 0, length: 1, swapped: false }, { offset: 511, length: 1, swapped: false }]);
      assert.deepEqual(vmaAt(parent, L('full')[0]).runs, [{ offset: 0, length: 4096, swapped: false }], 'one run for a fully touched mapping');
      const none = vmaAt(parent, L('protnone')[0]);
      assert.deepEqual([none.prot, none.runs], [0, [{ offset: 0, length: 16, swapped: false }]]);
      const thp = vmaAt(parent, L('thp')[0]);
      const anonHuge = /AnonHugePages:\s+(\d+) kB/.exec(smapsOf(parent.pid, L('thp')[0]))?.[1];

      // replayed through the broker: exact for every process, the hugetlb one included
      const out = await runReplayCommand({ file, target: broker.client, json: true });
      const r = (JSON.parse(out.output) as { replay: ReplayReport }).replay;
      console.log(indent(formatReplayReport(r)));
      console.log(`      (thp VMA: ${pagesOf(thp).length} present pages, AnonHugePages ${anonHuge} kB)`);
      for (const p of r.processes) {
        assert.equal(p.exact_check, true, `pid ${p.pid}: ${p.left_out.join('; ')}`);
        assert.equal(p.simulated_vmpte_bytes, p.captured_vmpte_bytes, `pid ${p.pid}: simulated == captured`);
        assert.equal(p.linux_rule_vmpte_bytes, p.captured_vmpte_bytes, `pid ${p.pid}: Linux's rule == captured`);
      }
      assert.equal(out.exitCode, 0);
      assert.deepEqual([r.exact.processes, r.exact.matched, r.exact.left_out], [fleet.pids.length, fleet.pids.length, 0]);

      // the sharing candidate: the memfd, in every process, at one address; never a library
      const memfd = r.candidates.find((c) => c.kind === 'memfd');
      assert.ok(memfd, JSON.stringify(r.candidates));
      assert.deepEqual([memfd.path, memfd.process_count, memfd.same_address, memfd.captured_pages],
        ['/memfd:fleet (deleted)', fleet.pids.length, true, parentSet.size + childPages.size]);
      assert.ok(!r.candidates.some((c) => /libc/.test(c.path)));

      // the simulated parent has the memfd MAP_SHARED at its address, named by device:inode
      const sim = await broker.client.procStatus(r.processes[0].simulated_pid);
      const m = sim.vmas.find((v) => v.start === BigInt(L('memfd')[0]));
      assert.deepEqual([m?.flags, m?.file], [MAP_SHARED, devInode(vmaAt(parent, L('memfd')[0]))]);

      if (hugeProc) {
        const h = hugeProc.vmas.find(isHugetlb) as CapturedVma;
        assert.deepEqual([h.kernelPageSize, h.startPage * 4096, pagesOf(h).length], [2 * MiB, L('hugetlb')[0], 512]);
        // the simulated process maps it MAP_HUGETLB and holds no PTE table for it
        const simHuge = await broker.client.procStatus(r.processes[2].simulated_pid);
        const hv = simHuge.vmas.find((v) => v.start === BigInt(L('hugetlb')[0]));
        assert.equal(((hv?.flags ?? 0) & MAP_HUGETLB) !== 0, true, JSON.stringify(hv, (_, x) => (typeof x === 'bigint' ? String(x) : x)));
        assert.equal(r.processes[2].simulated_vmpte_bytes, hugeProc.vmpteBytes);
      }
      for (const pid of fleet.pids) kill(pid, 'SIGKILL');
    } finally {
      if (typeof huge !== 'string') {
        await waitFor(() => hugeFree() >= 1, 5_000).catch(() => {});
        huge.restore();
      }
    }
  });

  it('a busy process (mapping, touching and unmapping all the time) captured with --stop is exact', async () => {
    const busy = await startFleet(['--churn']);
    const { capture } = captureFile(['--stop', ...pidArgs(busy.pids)]);
    assert.equal(capture.processes[0].consistency, 'stopped');
    assert.notEqual(state(busy.pids[0]), 'T', 'resumed');
    const r = await replayCapture(capture, broker.client, { exitWhenDone: true });
    assert.equal(r.processes[0].simulated_vmpte_bytes, r.processes[0].captured_vmpte_bytes);
    // without --stop the pass is retried until VmPTE agrees; if it never does, it is left out, never trusted
    const { capture: live } = captureFile(['--attempts', '3', ...pidArgs(busy.pids)]);
    const p = live.processes[0];
    assert.ok(p.consistency === 'agreed' || (p.consistency === 'changed' && p.attempts === 3), `${p.consistency} ${p.attempts}`);
    const lr = await replayCapture(live, broker.client, { exitWhenDone: true });
    assert.equal(lr.processes[0].exact_check, p.consistency === 'agreed');
    kill(busy.pids[0], 'SIGKILL');
  });

  it('PostgreSQL 15 (postmaster, background workers, 5 backends that read pgbench_accounts, 384 MB shared_buffers): exact VmPTE for every process', async () => {
    const pg = await startPostgres({ sharedBuffers: '384MB', scale: 5 });
    try {
      const backends = await pg.openBackends(5, 240);
      const pids = pg.serverPids();
      for (const pid of [pg.postmasterPid, ...backends]) assert.ok(pids.includes(pid), `pid ${pid} among the server's`);
      const { file, capture } = captureFile(['--stop', '--quiet', ...pidArgs(pids)]);
      const capturedPids = capture.processes.map((p) => p.pid);
      for (const pid of pids) {
        assert.ok(capturedPids.includes(pid) || capture.notes.some((n) => n.startsWith(`pid ${pid} skipped: `)), `pid ${pid} captured or noted`);
      }
      for (const pid of [pg.postmasterPid, ...backends]) assert.ok(capturedPids.includes(pid), `pid ${pid} captured`);
      assert.ok(capture.processes.every((p) => p.comm === 'postgres' && p.consistency === 'stopped'));

      const out = await runReplayCommand({ file, target: broker.client, json: true, options: { exitWhenDone: true } });
      const r = (JSON.parse(out.output) as { replay: ReplayReport }).replay;
      console.log(indent(formatReplayReport(r)));
      for (const p of r.processes) {
        assert.equal(p.exact_check, true, `pid ${p.pid}: ${p.left_out.join('; ')}`);
        assert.equal(p.simulated_vmpte_bytes, p.captured_vmpte_bytes, `pid ${p.pid}: simulated == captured`);
      }
      assert.equal(out.exitCode, 0);
      assert.equal(r.exact.processes, capture.processes.length);

      // shared_buffers: one shared anonymous mapping in every process, read by every backend
      const buffers = r.candidates.find((c) => c.kind === 'shared-anonymous');
      assert.ok(buffers, JSON.stringify(r.candidates.map((c) => c.key)));
      assert.deepEqual([buffers.process_count, buffers.same_address], [capture.processes.length, true]);
      assert.ok(buffers.length_bytes >= 384 * MiB);
      for (const pid of backends) {
        const m = buffers.mappings.find((x) => x.pid === pid);
        assert.ok(m && m.present_pages > 1000, `backend ${pid} has read the table through shared_buffers (${m?.present_pages} pages)`);
      }
      assert.ok(!r.candidates.some((c) => /\.so/.test(c.path)), 'no library is a candidate');
    } finally {
      await pg.stop();
    }
    assert.equal(alive(pg.postmasterPid), false, 'the server stopped');
  });
});

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function state(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return 'gone';
  }
}

const alive = (pid: number) => !['gone', 'Z'].includes(state(pid));

async function waitFor(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (ok()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function smapsOf(pid: number, start: number): string {
  const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const at = text.indexOf(`${start.toString(16)}-`);
  return at < 0 ? '' : text.slice(at, text.indexOf('VmFlags', at));
}

/** glibc's gnu_dev_major/minor of a st_dev. */
const devMajor = (dev: bigint) => Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
const devMinor = (dev: bigint) => Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));

const hugeFree = () => Number(/HugePages_Free:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);

/**
 * One free 2 MiB huge page for the test: raises vm.nr_hugepages by one (root) and restores it after.
 * Returns why not when it cannot.
 */
function reserveHugepage(): { restore(): void } | string {
  const knob = '/proc/sys/vm/nr_hugepages';
  if (!/Hugepagesize:\s+2048 kB/.test(readFileSync('/proc/meminfo', 'utf8'))) return 'the default huge page size is not 2 MiB';
  const before = readFileSync(knob, 'utf8').trim();
  try {
    writeFileSync(knob, String(Number(before) + 1));
  } catch (err) {
    return `cannot write ${knob} (${(err as NodeJS.ErrnoException).code})`;
  }
  const restore = () => writeFileSync(knob, before);
  if (hugeFree() < 1) {
    restore();
    return 'the kernel could not reserve a 2 MiB page';
  }
  return { restore };
}

const indent = (s: string) => s.trimEnd().split('\n').map((l) => `      ${l}`).join('\n');
