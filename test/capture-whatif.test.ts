// What if a captured fleet shared: the committed fixture (test/fixtures/capture/whatif-fleet.ts,
// a postmaster and three backends around 1 GiB of shared_buffers) replayed under every scheme
// the kernel has, each figure checked against its closed form; the same answers through a broker
// over gRPC; placement of candidates that cannot stay; and `npm start -- --replay --compare`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SCHEME_NAMES } from '../shared/kernel/schemes/index.js';
import { encodeCapture } from '../shared/capture/format.js';
import {
  KernelTarget, formatWhatIf, place, readCaptureFile, replayCapture, runReplayCommand, runWhatIf, schemePlan,
  type WhatIfReport,
} from '../shared/replay/index.js';
import { startBroker } from './fixtures/broker.js';
import { MiB, capture, proc, vma } from './fixtures/capture/synthetic.js';
import { WHATIF_FIXTURE, whatIfFleet } from './fixtures/capture/whatif-fleet.js';
import { repoRoot } from './support/paths.js';

const KiB = 1024;
/** Table pages -> bytes. */
const t = (n: number) => n * 4 * KiB;

describe('what if: a capture replayed under each scheme', () => {
  it('the committed fixture is its description, encoded, and replays exactly as captured', async () => {
    assert.deepEqual(readFileSync(WHATIF_FIXTURE), encodeCapture(whatIfFleet()), 'regenerate with npx tsx test/fixtures/capture/whatif-fleet.ts');
    const c = readCaptureFile(WHATIF_FIXTURE);
    assert.deepEqual(c.processes.map((p) => p.vmpteBytes), [t(12), t(522), t(522), t(522)]);
    const r = await replayCapture(c, new KernelTarget());
    assert.equal(r.exact.all_match, true);
    assert.deepEqual(r.candidates.map((x) => [x.path, x.process_count, x.same_address]), [['/dev/zero (deleted)', 4, true]], 'pg_stat is in one process only');
  });

  it('gives every scheme\'s VmPTE and page tables by their closed forms', async () => {
    const r = await runWhatIf(readCaptureFile(WHATIF_FIXTURE));
    assert.deepEqual(r.schemes.map((s) => s.scheme), SCHEME_NAMES, 'every scheme the kernel has, by default');
    assert.equal(r.captured_vmpte_bytes, t(12 + 3 * 522));
    const pgds = t(4);
    const row = (name: string) => r.schemes.find((s) => s.scheme === name) as WhatIfReport['schemes'][number];
    const vmpte = (name: string) => row(name).processes.map((p) => p.vmpte_bytes);
    // none: as captured; the machine adds a PGD per process
    assert.deepEqual(vmpte('none'), [t(12), t(522), t(522), t(522)]);
    assert.equal(row('none').pagetable_bytes, t(12 + 3 * 522) + pgds);
    // mshare: the buffers leave each process for a PGD-linked window; each keeps exe (PTE, PMD, PUD),
    // libc (PTE, PMD, PUD: its 512 GiB region now holds only libc) and stack (PTE, PMD, PUD) = 9.
    // The host holds the buffers' tables once: 512 PTE + 1 PMD + 1 PUD, and its PGD.
    assert.deepEqual(vmpte('mshare'), [t(9), t(9), t(9), t(9)]);
    assert.equal(row('mshare').pagetable_bytes, t(4 * 9) + pgds + t(512 + 1 + 1) + t(1));
    // ptshare: each process keeps its PMD and PUD tables for the buffers (10), the host the PTE tables
    assert.deepEqual(vmpte('ptshare'), [t(10), t(10), t(10), t(10)]);
    assert.equal(row('ptshare').pagetable_bytes, t(4 * 10) + pgds + t(512 + 1 + 1) + t(1));
    // hugetlb 2 MiB: no PTE table for the buffers; their PMD table (the whole aligned GiB, one file,
    // one offset) is shared: in every VmPTE, on the machine once
    assert.deepEqual(vmpte('hugetlb'), [t(10), t(10), t(10), t(10)]);
    assert.equal(row('hugetlb').pagetable_bytes, t(4 * 9 + 1) + pgds);
    // hugetlb 1 GiB: a PUD entry maps the buffers, no PMD table either
    assert.deepEqual(vmpte('hugetlb-1g'), [t(9), t(9), t(9), t(9)]);
    assert.equal(row('hugetlb-1g').pagetable_bytes, t(4 * 9) + pgds);
    // thp: shared memory PMD-mapped, each process its own PMD table
    assert.deepEqual(vmpte('thp'), [t(10), t(10), t(10), t(10)]);
    assert.equal(row('thp').pagetable_bytes, t(4 * 10) + pgds);
    for (const s of r.schemes) assert.equal(s.vmpte_bytes, s.processes.reduce((n, p) => n + p.vmpte_bytes, 0));

    // where the buffers went: mshare's 512 GiB window below the one libc is in, keeping the buffers'
    // offset in it; every other scheme left them where they were
    const moved = r.schemes.flatMap((s) => s.placements.filter((p) => p.moved).map((p) => [s.scheme, p.how, p.from, p.to]));
    assert.deepEqual(moved, [['mshare', 'window', '0x7f4000000000', '0x7ec000000000']]);
    const text = formatWhatIf(r);
    assert.match(text, /^captured +6,312 kB$/m);
    assert.match(text, /^mshare +144 kB +-6,168 kB \(-97\.7%\) +2,220 kB +-4,108 kB \(-64\.9%\)$/m);
    assert.match(text, /^hugetlb +160 kB +-6,152 kB \(-97\.5%\) +164 kB +-6,164 kB \(-97\.4%\)$/m);
    assert.match(text, /^ {2}mshare: \/dev\/zero \(deleted\) moved from 0x7f4000000000 to 0x7ec000000000 \(in its mshare window\)$/m);
    assert.equal(text.split('\n').filter((l) => l.includes(' moved ')).length, 1);
  });

  it('mshare makes one region per candidate: created by its first process, attached by the others, every other VMA where it was', async () => {
    const { plan } = schemePlan(readCaptureFile(WHATIF_FIXTURE), 'mshare');
    assert.equal(plan.windows.length, 1);
    const w = plan.windows[0];
    assert.deepEqual([w.addr, w.length, w.object.addr, w.object.length, w.sharers, w.moved], [0x7e8000000000n, 512n << 30n, 0x7ec000000000n, 1n << 30n, [0, 1, 2, 3], true]);
    for (const p of plan.processes) {
      const windowed = p.mappings.filter((m) => m.window !== undefined);
      assert.deepEqual(windowed.map((m) => m.addr), [0x7ec000000000n]);
      assert.deepEqual(p.mappings.filter((m) => m.window === undefined).map((m) => m.addr), whatIfFleet().processes[p.index].vmas.filter((v) => v.path !== '/dev/zero (deleted)').map((v) => BigInt(v.startPage) << 12n));
    }
  });

  it('a candidate that cannot stay: the nearest aligned range free in the process (hugetlb) or in every sharer (a window)', async () => {
    // 3 MiB of a shared memfd at a 1 MiB-aligned address, file offset 1 MiB, touched at its first
    // and last page, in two processes; a private mapping sits right below it in one of them.
    const memfd = (at: number) => vma({ at, pages: 768, shared: true, path: '/memfd:x (deleted)', inode: 88n, dev: [0, 1], offset: BigInt(MiB), runs: [[0, 1], [767, 1]] });
    const c = capture([
      proc(1, [vma({ at: 0x7f0000000000, pages: 256, runs: [[0, 1]] }), memfd(0x7f0000100000)]),
      proc(2, [memfd(0x7f0000100000)]),
    ]);
    const { plan, placements } = schemePlan(c, 'hugetlb');
    // the file's huge pages [0, 4 MiB) hold it; at its own alignment it would start at 0x7f0000000000,
    // taken in process 1 by the private mapping: there the next aligned range, 0x7f0000200000
    assert.deepEqual(placements.map((p) => [p.pid, p.from, p.to, p.length_bytes, p.moved]), [
      [1, '0x7f0000100000', '0x7f0000300000', 4 * MiB, true],
      [2, '0x7f0000100000', '0x7f0000100000', 4 * MiB, false],
    ]);
    assert.deepEqual(plan.processes.map((p) => p.mappings[p.mappings.length - 1]).map((m) => [m.addr, m.offset, m.runs.map((r) => r.offset)]),
      [[0x7f0000200000n, 0n, [0, 512]], [0x7f0000000000n, 0n, [0, 512]]]);
    const r = await runWhatIf(c, { schemes: ['hugetlb', 'ptshare'] });
    assert.match(formatWhatIf(r), /^ {2}hugetlb: \/memfd:x \(deleted\) in 1 process moved from 0x7f0000100000 to 0x7f0000300000$/m);
    // hugetlb: no PTE table for the memfd; process 1 keeps one for its private page; 1 PMD + 1 PUD each
    assert.deepEqual(r.schemes[0].processes.map((p) => p.vmpte_bytes), [t(3), t(2)]);
    // ptshare: the 2 MiB-aligned window [0x7f0000000000, +4 MiB) holds the private mapping of
    // process 1, so the window is the next one free in both, 0x7f0000200000, the memfd 1 MiB into it
    assert.deepEqual(r.schemes[1].placements.map((p) => [p.from, p.to, p.moved]), [['0x7f0000100000', '0x7f0000300000', true]]);
    // each process: its PMD + PUD for the window (the host has the 2 PTE tables) + process 1's PTE
    assert.deepEqual(r.schemes[1].processes.map((p) => p.vmpte_bytes), [t(3), t(2)]);
    assert.equal(place([[0, 10], [16, 40]], 8, 8, 8, 100), 40, 'upward past what is in the way');
    assert.equal(place([[0, 8], [40, 100]], 40, 8, 8, 100), 32, 'then downward');
    assert.equal(place([[0, 100]], 40, 8, 8, 100), -1);
  });

  it('through a broker over gRPC running the scheme, the same figures as in process', async () => {
    const c = readCaptureFile(WHATIF_FIXTURE);
    const local = await runWhatIf(c, { schemes: ['mshare', 'hugetlb'] });
    for (const scheme of ['mshare', 'hugetlb']) {
      const broker = await startBroker({ MSHARE_LOG_LEVEL: 'silent', MSHARE_SCHEME: scheme });
      try {
        const remote = await runWhatIf(c, { schemes: [scheme], target: () => broker.client });
        const mine = local.schemes.find((s) => s.scheme === scheme);
        assert.deepEqual(remote.schemes[0].processes, mine?.processes, scheme);
        assert.equal(remote.schemes[0].pagetable_bytes, mine?.pagetable_bytes, scheme);
      } finally {
        await broker.stop();
      }
    }
  });

  it('runReplayCommand with whatIf: the table after the report, `what_if` in the JSON; an unknown scheme changes nothing', async () => {
    const target = new KernelTarget();
    const out = await runReplayCommand({ file: WHATIF_FIXTURE, target, json: true, whatIf: ['none', 'mshare'] });
    assert.equal(out.exitCode, 0);
    const { replay } = JSON.parse(out.output) as { replay: { what_if: WhatIfReport } };
    assert.deepEqual(replay.what_if.schemes.map((s) => [s.scheme, s.vmpte_bytes]), [['none', t(12 + 3 * 522)], ['mshare', t(36)]]);
    const text = await runReplayCommand({ file: WHATIF_FIXTURE, target: new KernelTarget(), whatIf: ['hugetlb-1g'] });
    assert.match(text.output, /exact check: 4 of 4 processes exact[\s\S]*\nwhat if: the 1 sharing candidate\(s\) under each scheme[\s\S]*^hugetlb-1g +144 kB/m);
    await assert.rejects(runWhatIf(readCaptureFile(WHATIF_FIXTURE), { schemes: ['none', 'nope'] }), /unknown scheme 'nope'/);
  });

  it('npm start -- --replay FILE --compare LIST prints the what-if table; --scheme NAME one row', function () {
    this.timeout(120_000);
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'services/loadtest/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 90_000 });
    const r = run(['--replay', WHATIF_FIXTURE, '--compare', 'none,mshare,hugetlb']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^exact check: 4 of 4 processes exact/m);
    assert.match(r.stdout, /^none +6,312 kB +0 +6,328 kB +0$/m);
    assert.match(r.stdout, /^mshare +144 kB/m);
    assert.match(r.stdout, /^hugetlb +160 kB/m);
    const one = run(['--replay', WHATIF_FIXTURE, '--scheme', 'thp', '--json']);
    assert.equal(one.status, 0, one.stderr);
    const { replay } = JSON.parse(one.stdout) as { replay: { what_if: WhatIfReport; exact: { all_match: boolean } } };
    assert.deepEqual([replay.exact.all_match, replay.what_if.schemes.map((s) => [s.scheme, s.vmpte_bytes])], [true, [['thp', t(40)]]]);
  });
});
