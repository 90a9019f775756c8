// The capture file (shared/capture/format.ts, docs/capture.md) and the /proc parsers
// (shared/capture/procfs.ts) on hand-made input: round trip, compactness, and every way a bad file
// is refused with the record named.
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CAPTURE_MAGIC, CAPTURE_VERSION, CaptureError, decodeCapture, encodeCapture,
} from '../shared/capture/format.js';
import { captureProcess, parseStatus, readRuns, readVmas, selectPids } from '../shared/capture/procfs.js';
import { GiB, MiB, capture, proc, smallFleet, vma } from './fixtures/capture/synthetic.js';

function refused(bytes: Uint8Array, pattern: RegExp, record?: CaptureError['record']): CaptureError {
  let err: unknown;
  try {
    decodeCapture(bytes);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CaptureError, `expected a CaptureError, got ${String(err)}`);
  assert.match(err.message, pattern);
  if (record) assert.deepEqual(err.record, record);
  return err;
}

describe('capture file format', () => {
  it('round-trips every field, bigints included', () => {
    const c = smallFleet();
    c.notes = ['pid 7 skipped: kernel thread (no address space)'];
    c.processes[0].notes = ['[vsyscall] at 0xffffffffff600000 is at or above the user address limit: skipped'];
    c.processes[1].consistency = 'agreed';
    c.processes[1].attempts = 3;
    c.processes[0].vmas[3].offset = (1n << 63n) + 4096n;
    c.processes[0].vmas[3].inode = (1n << 64n) - 1n;
    const back = decodeCapture(encodeCapture(c));
    assert.deepEqual(back, c);
  });

  it('starts with the magic and a little-endian u16 version', () => {
    const bytes = encodeCapture(smallFleet());
    assert.equal(Buffer.from(bytes.subarray(0, 8)).toString('latin1'), 'MSHRCAP\n');
    assert.equal(CAPTURE_MAGIC, 'MSHRCAP\n');
    assert.deepEqual([...bytes.subarray(8, 10)], [CAPTURE_VERSION, 0]);
  });

  it('is compact: a fully touched 1 GiB mapping is one run, the file a few dozen bytes', () => {
    const pages = GiB / 4096;
    const c = capture([proc(1, [vma({ at: 0x7f0000000000, pages, shared: true, path: '/dev/zero (deleted)', inode: 9n, dev: [0, 1], runs: [[0, pages]] })])]);
    const bytes = encodeCapture(c);
    assert.equal(decodeCapture(bytes).processes[0].vmas[0].runs.length, 1);
    assert.ok(bytes.length < 150, `${bytes.length} bytes`);
    // and strings repeat by reference: 20 processes mapping the same library cost no path each
    const many = capture(Array.from({ length: 20 }, (_, i) => proc(10 + i, [
      vma({ at: 0x7f0000000000, pages: 40, prot: 5, path: '/usr/lib/x86_64-linux-gnu/libc.so.6', inode: 12n, runs: [[0, 40]] }),
    ])));
    const bytes20 = encodeCapture(many);
    assert.equal(bytes20.toString('latin1').split('libc.so.6').length - 1, 1, 'the path is stored once');
    const perProcess = (bytes20.length - encodeCapture(capture([many.processes[0]])).length) / 19;
    assert.ok(perProcess < 48, `${perProcess} bytes per further process (its header, its comm, one VMA, one run)`);
  });

  it('refuses a file that is not a capture, or another version', () => {
    refused(Buffer.from('hello world, not a capture'), /not a capture file: the magic is "hello wo"/);
    refused(Buffer.alloc(0), /not a capture file/);
    const bytes = encodeCapture(smallFleet());
    const v2 = Buffer.from(bytes);
    v2[8] = 2;
    refused(v2, /version 2 is not supported: this reader knows version 1/);
  });

  it('refuses every truncation, naming where it ended', () => {
    const bytes = encodeCapture(smallFleet());
    for (let n = 0; n < bytes.length; n++) {
      refused(bytes.subarray(0, n), n < 8 ? /not a capture file/ : /truncated: the file ends|no end tag/);
    }
    // three bytes short: inside the runs of the last VMA of process #1
    const err = refused(bytes.subarray(0, bytes.length - 3), /process #1 \(pid 101 child\), VMA #3 \[0x7ffc00000000-0x7ffc00021000\) \[stack\]: truncated/);
    assert.deepEqual(err.record, { processIndex: 1, pid: 101, vmaIndex: 3 });
  });

  it('refuses trailing bytes', () => {
    const bytes = encodeCapture(smallFleet());
    refused(Buffer.concat([bytes, Buffer.from([0])]), /1 unexpected bytes after the end tag/);
  });

  it('refuses overlapping and unsorted VMAs, naming the process and the VMA', () => {
    const c = smallFleet();
    c.processes[1].vmas[2] = vma({ at: 0x7f0000020000, pages: 16 }); // inside the library (VMA #1)
    const bytes = encodeCapture(c, { validate: false });
    refused(bytes, /process #1 \(pid 101 child\), VMA #2 \[0x7f0000020000-0x7f0000030000\): overlaps VMA #1, which ends at 0x7f0000028000/,
      { processIndex: 1, pid: 101, vmaIndex: 2 });
    assert.throws(() => encodeCapture(c), CaptureError, 'the writer validates too');
    const u = smallFleet();
    [u.processes[0].vmas[1], u.processes[0].vmas[2]] = [u.processes[0].vmas[2], u.processes[0].vmas[1]];
    refused(encodeCapture(u, { validate: false }), /process #0 \(pid 100 parent\), VMA #2 .*: VMAs are not sorted: it starts below VMA #1/,
      { processIndex: 0, pid: 100, vmaIndex: 2 });
  });

  it('refuses addresses at or above the geometry\'s user limit, and accepts them under 5-level paging', () => {
    const c = capture([proc(5, [vma({ at: 1n << 47n, pages: 1, runs: [[0, 1]] })])]);
    refused(encodeCapture(c, { validate: false }), /process #0 \(pid 5 proc5\), VMA #0 \[0x800000000000-0x800000001000\): ends above the user address limit 0x7ffffffff000 of x86_64-4level/,
      { processIndex: 0, pid: 5, vmaIndex: 0 });
    // the last user page of 4-level paging is the guard page: [0x7ffffffff000, ...) is refused too
    refused(encodeCapture(capture([proc(5, [vma({ at: 0x7ffffffff000n, pages: 1 })])]), { validate: false }), /ends above the user address limit/);
    const five = { ...c, geometry: 'x86_64-5level' as const };
    assert.equal(decodeCapture(encodeCapture(five)).processes[0].vmas[0].startPage, 2 ** 35);
  });

  it('refuses unsorted, overlapping, empty and out-of-VMA runs', () => {
    const bad = (runs: [number, number][], pattern: RegExp) => {
      const c = capture([proc(9, [vma({ at: 0x10000000, pages: 1 }), vma({ at: 0x20000000, pages: 100, runs })])]);
      refused(encodeCapture(c, { validate: false }), pattern, { processIndex: 0, pid: 9, vmaIndex: 1 });
    };
    bad([[10, 5], [3, 1]], /VMA #1 \[0x20000000-0x20064000\): runs are not sorted: run #1 at page offset 3 starts before run #0 ends \(15\)/);
    bad([[10, 5], [14, 1]], /runs are not sorted: run #1 at page offset 14 starts before run #0 ends \(15\)/);
    bad([[10, 0]], /run #0 \(offset 10, length 0\) is empty/);
    bad([[90, 11]], /run #0 \[90, 101\) ends beyond the VMA's 100 pages/);
  });

  it('refuses duplicate pids and impossible fields', () => {
    const c = smallFleet();
    c.processes[1].pid = 100;
    refused(encodeCapture(c, { validate: false }), /process #1 \(pid 100 child\): pid 100 is also process #0/);
    const k = smallFleet();
    k.processes[0].vmpteBytes = 1000;
    refused(encodeCapture(k, { validate: false }), /process #0 \(pid 100 parent\): VmPTE 1000 bytes is not a whole number of KiB/);
    const o = smallFleet();
    o.processes[0].vmas[3].offset = 100n;
    refused(encodeCapture(o, { validate: false }), /process #0 \(pid 100 parent\), VMA #3 \[0x7f0040000000-0x7f0040200000\) \/data\/file: file offset 100 is not page-aligned/,
      { processIndex: 0, pid: 100, vmaIndex: 3 });
  });

  it('refuses hugetlb VMAs Linux cannot have: not on their page size, or of another size', () => {
    const huge = (at: number, pages: number, size: number, offset = 0n) => capture([proc(7, [
      vma({ at, pages, shared: true, path: '/dev/hugepages/x', inode: 3n, vmFlags: ['rd', 'wr', 'sh', 'ht'], kernelPageSize: size, offset, runs: [[0, 1]] }),
    ])]);
    const bad = (c: ReturnType<typeof huge>, pattern: RegExp) => refused(encodeCapture(c, { validate: false }), pattern, { processIndex: 0, pid: 7, vmaIndex: 0 });
    bad(huge(0x7f0000100000, 512, 2 * MiB), /VMA #0 \[0x7f0000100000-0x7f0000300000\) \/dev\/hugepages\/x: hugetlb VMA \(offset 0\) is not aligned to its 2 MiB pages/);
    bad(huge(0x7f0000000000, 256, 2 * MiB), /hugetlb VMA \(offset 0\) is not aligned to its 2 MiB pages/);
    bad(huge(0x7f0000000000, 512, 2 * MiB, 4096n), /hugetlb VMA \(offset 4096\) is not aligned to its 2 MiB pages/);
    bad(huge(0x7f0000000000, 512, 64 * 1024), /hugetlb with kernel page size 65536: only 2 MiB and 1 GiB pages exist/);
    assert.equal(decodeCapture(encodeCapture(huge(0x7f0000000000, 512, 2 * MiB, 2n * BigInt(MiB)))).processes[0].vmas[0].offset, 2n * BigInt(MiB));
  });
});

describe('capture: /proc parsers', () => {
  it('parseStatus reads Name, State, effective Uid/Gid and VmPTE; a kernel thread has no VmPTE', () => {
    const s = parseStatus('Name:\tpostgres\nUmask:\t0077\nState:\tS (sleeping)\nUid:\t104\t105\t104\t104\nGid:\t110\t111\t110\t110\nVmPTE:\t     872 kB\nKthread:\t0\n');
    assert.deepEqual(s, { name: 'postgres', state: 'S', uid: 105, gid: 111, vmpteKiB: 872, kthread: false });
    const k = parseStatus('Name:\tkthreadd\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nKthread:\t1\n');
    assert.equal(k.vmpteKiB, undefined);
    assert.equal(k.kthread, true);
  });

  it('readVmas takes maps fields from the smaps headers, flags hugetlb and PMD-mapped THP, leaves [vsyscall] out', () => {
    const smaps = [
      '7f0000000000-7f0000200000 rw-s 00100000 00:01 4242                       /dev/zero (deleted)',
      'Size:               2048 kB', 'KernelPageSize:        4 kB', 'ShmemPmdMapped:     2048 kB', 'FilePmdMapped:         0 kB',
      'VmFlags: rd wr sh mr mw me ms sd',
      '7f0000400000-7f0000800000 rw-p 00000000 00:11 55416                      /anon_hugepage (deleted)',
      'KernelPageSize:     2048 kB', 'ShmemPmdMapped:        0 kB', 'VmFlags: rd wr mr mw me de ht sd',
      '7f0000800000-7f0000801000 r--p 00000000 00:00 0 ',
      'VmFlags: rd mr pf io de dd',
      'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]',
      'VmFlags: ex',
      '',
    ].join('\n');
    const { vmas, skipped } = readVmas(smaps, 2 ** 35 - 1);
    assert.equal(vmas.length, 3);
    assert.deepEqual({ ...vmas[0], runs: undefined }, {
      startPage: 0x7f0000000, endPage: 0x7f0000200, prot: 3, shared: true, vmFlags: ['rd', 'wr', 'sh', 'mr', 'mw', 'me', 'ms', 'sd'],
      kernelPageSize: 4096, pmdMappedBytes: 2 * 1024 * 1024, offset: 0x100000n, devMajor: 0, devMinor: 1, inode: 4242n,
      path: '/dev/zero (deleted)', runs: undefined,
    });
    assert.equal(vmas[1].kernelPageSize, 2 * 1024 * 1024);
    assert.ok(vmas[1].vmFlags.includes('ht'));
    assert.equal(vmas[1].devMajor, 0);
    assert.equal(vmas[1].devMinor, 0x11);
    assert.equal(vmas[2].path, '');
    assert.equal(vmas[2].prot, 1);
    assert.deepEqual(skipped, ['[vsyscall] at 0xffffffffff600000 is at or above the user address limit: skipped']);
  });

  it('readRuns folds pagemap entries (bit 63 present, bit 62 swapped) into runs across chunk boundaries', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'capture-pagemap-'));
    try {
      const file = path.join(dir, 'pagemap');
      const startPage = 16;
      // per page: P present (PFN bits set too), S swapped, . none
      const pattern = 'PP.SSSP..PPPPPPP.S';
      const entries = new BigUint64Array(pattern.length);
      [...pattern].forEach((c, i) => {
        entries[i] = c === 'P' ? (1n << 63n) | BigInt(0x1234 + i) : c === 'S' ? (1n << 62n) | 0x55n : 0n;
      });
      const fd = openSync(file, 'w+');
      writeSync(fd, Buffer.from(entries.buffer), 0, entries.byteLength, startPage * 8);
      const v = vma({ at: startPage * 4096, pages: pattern.length });
      for (const chunk of [1, 3, 4, 64]) {
        const buf = Buffer.allocUnsafeSlow(chunk * 8);
        assert.deepEqual(readRuns(fd, v, buf, chunk), [
          { offset: 0, length: 2, swapped: false },
          { offset: 3, length: 3, swapped: true },
          { offset: 6, length: 1, swapped: false },
          { offset: 9, length: 7, swapped: false },
          { offset: 17, length: 1, swapped: true },
        ], `chunk ${chunk}`);
      }
      closeSync(fd);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('capture: a process that cannot be captured is a note, never an exception', () => {
  let root: string;
  const fake = (pid: number, files: Record<string, string | Buffer>) => {
    mkdirSync(path.join(root, String(pid)));
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(root, String(pid), name), content);
  };
  const status = (extra: string) => `Name:\tfake\nState:\tS (sleeping)\nUid:\t1\t1\t1\t1\nGid:\t2\t2\t2\t2\n${extra}`;
  const smaps = '10000000-10002000 rw-p 00000000 00:00 0 \nKernelPageSize:        4 kB\nVmFlags: rd wr mr mw me ac\n';

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'capture-proc-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('captures a well-formed process from its three files', () => {
    const pagemap = Buffer.alloc((0x10000 + 2) * 8);
    pagemap.writeBigUInt64LE(1n << 63n, 0x10001 * 8);
    fake(1001, { status: status('VmPTE:\t       8 kB\n'), smaps, pagemap, stat: '1001 (fake) S' });
    const p = captureProcess(1001, { procRoot: root });
    assert.ok(typeof p !== 'string', String(p));
    assert.deepEqual(
      { pid: p.pid, comm: p.comm, uid: p.uid, gid: p.gid, vmpte: p.vmpteBytes, consistency: p.consistency, runs: p.vmas[0].runs },
      { pid: 1001, comm: 'fake', uid: 1, gid: 2, vmpte: 8192, consistency: 'agreed', runs: [{ offset: 1, length: 1, swapped: false }] },
    );
  });

  it('says why it skipped: gone, kernel thread, zombie, exited mid-capture, short pagemap', () => {
    fake(1002, { status: status('Kthread:\t1\n') });
    fake(1003, { status: status('').replace('S (sleeping)', 'Z (zombie)') });
    fake(1004, { status: status('VmPTE:\t       8 kB\n'), smaps }); // no pagemap, no stat: gone
    fake(1005, { status: status('VmPTE:\t       8 kB\n'), smaps, pagemap: Buffer.alloc(16), stat: '1005 (fake) S' });
    assert.equal(captureProcess(1000, { procRoot: root }), 'no such process (not running, or exited before its turn)');
    assert.equal(captureProcess(1002, { procRoot: root }), 'kernel thread (no address space)');
    assert.equal(captureProcess(1003, { procRoot: root }), 'zombie (no address space)');
    assert.equal(captureProcess(1004, { procRoot: root }), 'exited during capture');
    assert.match(String(captureProcess(1005, { procRoot: root })), /^pagemap read of 0x10000000 returned 0 of 16 bytes/);
    assert.equal(captureProcess(process.pid), 'it is the capturing process itself');
  });

  it('selects the union of --pid, --comm and --uid', () => {
    writeFileSync(path.join(root, '1001', 'comm'), 'fake\n');
    fake(1006, { status: status('VmPTE:\t       8 kB\n').replace('Uid:\t1\t1', 'Uid:\t7\t7'), comm: 'other\n' });
    fake(1007, { status: status('VmPTE:\t       8 kB\n'), comm: 'other\n' });
    assert.deepEqual(selectPids({ comms: ['fake'] }, root), [1001]);
    assert.deepEqual(selectPids({ uids: [7] }, root), [1006]);
    assert.deepEqual(selectPids({ pids: [42], comms: ['fake'], uids: [7] }, root), [42, 1001, 1006]);
  });
});

