/**
 * The capture file: real processes' address spaces (VMAs, and which pages are present or
 * swapped), as read from /proc by shared/capture/procfs.ts, for replay into the simulator
 * (shared/replay/). Pure: bytes in, bytes out, no I/O. The layout is specified in docs/capture.md;
 * this file is its reference implementation.
 *
 * Version 1, little-endian:
 *   magic "MSHRCAP\n" (8 bytes), version u16, then LEB128 varints (unsigned) and strings (varint
 *   byte length + UTF-8): the header, a string table (comm, paths and VmFlags are references into
 *   it), the processes with their VMAs and page runs, and the end byte 'E'. Addresses are page
 *   numbers (address / 4096); page runs are [offset, offset + length) pages from the VMA's start,
 *   sorted, non-overlapping, each all present or all swapped. A fully touched 1 GiB mapping is
 *   one run of 4 bytes.
 *
 * decodeCapture() refuses a file it cannot trust (wrong magic or version, truncated, out-of-range
 * references, unknown flag bits, trailing bytes) and validateCapture() one whose content is
 * inconsistent (overlapping or unsorted VMAs, addresses at or above the user limit, unsorted or
 * out-of-VMA runs), each with a CaptureError naming the record: process index and pid, VMA index.
 */
import { GEOMETRY_NAMES, geometry as geometryOf, type GeometryName } from '../kernel/index.js';

export const CAPTURE_MAGIC = 'MSHRCAP\n';
export const CAPTURE_VERSION = 1;
export const CAPTURE_PAGE_SIZE = 4096;
const PAGE_SHIFT = 12n;
const TAG_PROCESS = 0x50; // 'P'
const TAG_VMA = 0x56; // 'V'
const TAG_END = 0x45; // 'E'
/** VMA flag bits in the file; every other bit must be 0. */
const VMA_SHARED = 1;
const VMA_KNOWN_FLAGS = VMA_SHARED;
const CONSISTENCY_CODES = ['agreed', 'stopped', 'changed'] as const;

/** [offset, offset + length) pages from the VMA's start, all present (pagemap bit 63) or all swapped (bit 62). */
export interface PageRun {
  offset: number;
  length: number;
  swapped: boolean;
}

export interface CapturedVma {
  /** Page numbers (address >> 12): the VMA is [startPage, endPage). */
  startPage: number;
  endPage: number;
  /** PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4, from the maps permissions. */
  prot: number;
  /** maps 's' (MAP_SHARED) rather than 'p' (MAP_PRIVATE). */
  shared: boolean;
  /** smaps VmFlags mnemonics ('rd', 'wr', 'ht' for hugetlb, 'pf' for VM_PFNMAP ...). */
  vmFlags: string[];
  /** smaps KernelPageSize in bytes (4096; 2 MiB or 1 GiB for hugetlb). */
  kernelPageSize: number;
  /** smaps ShmemPmdMapped + FilePmdMapped in bytes: shmem/file THP mapped by a PMD (no PTE table). */
  pmdMappedBytes: number;
  /** File offset in bytes (maps column 3). */
  offset: bigint;
  devMajor: number;
  devMinor: number;
  inode: bigint;
  /** maps pathname: a file, '[heap]', '[stack]', '/dev/zero (deleted)', '' for anonymous memory. */
  path: string;
  runs: PageRun[];
}

/**
 * How VmPTE was kept still while the pages were read: 'stopped' (the process was stopped), 'agreed'
 * (VmPTE read before and after the pass agreed), 'changed' (it never agreed within the retries; the
 * last pass is kept, and its VmPTE is the one read after it).
 */
export type Consistency = (typeof CONSISTENCY_CODES)[number];

export interface CapturedProcess {
  pid: number;
  comm: string;
  uid: number;
  gid: number;
  /** /proc/PID/status VmPTE, bytes, as read after the pagemap pass. */
  vmpteBytes: number;
  consistency: Consistency;
  /** Passes made (1 when the first agreed). */
  attempts: number;
  /** What was left out of this process and why ([vsyscall] above the user limit ...). */
  notes: string[];
  vmas: CapturedVma[];
}

export interface Capture {
  version: number;
  /** The captured machine's paging (x86_64-5level when the CPU runs la57). */
  geometry: GeometryName;
  pageSize: number;
  capturedAtMs: number;
  host: string;
  /** uname -r of the captured machine. */
  kernel: string;
  /** Processes selected but not captured, and why. */
  notes: string[];
  processes: CapturedProcess[];
}

/** A capture refused, naming the record at fault. */
export class CaptureError extends Error {
  constructor(
    message: string,
    readonly record: { processIndex?: number; pid?: number; vmaIndex?: number } = {},
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}

export const isHugetlb = (v: CapturedVma): boolean => v.vmFlags.includes('ht');
/** hugetlb page sizes (smaps KernelPageSize), bytes. */
export const HUGE_2M = 2 * 1024 * 1024;
export const HUGE_1G = 1024 * 1024 * 1024;
/** VM_PFNMAP: pagemap reports no page of it (walk_page_test skips it) though it may have PTEs. */
export const isPfnMap = (v: CapturedVma): boolean => v.vmFlags.includes('pf');
export const vmaStart = (v: CapturedVma): bigint => BigInt(v.startPage) << PAGE_SHIFT;
export const vmaEnd = (v: CapturedVma): bigint => BigInt(v.endPage) << PAGE_SHIFT;
export const vmaLength = (v: CapturedVma): bigint => BigInt(v.endPage - v.startPage) << PAGE_SHIFT;
export const devInode = (v: CapturedVma): string => `${v.devMajor.toString(16).padStart(2, '0')}:${v.devMinor.toString(16).padStart(2, '0')}:${v.inode}`;
export const hexAddr = (page: number): string => `0x${(BigInt(page) << PAGE_SHIFT).toString(16)}`;

export function processLabel(p: { pid: number; comm: string }, index: number): string {
  return `process #${index} (pid ${p.pid}${p.comm ? ` ${p.comm}` : ''})`;
}

export function vmaLabel(v: { startPage: number; endPage: number; path: string }, index: number): string {
  return `VMA #${index} [${hexAddr(v.startPage)}-${hexAddr(v.endPage)})${v.path ? ` ${v.path}` : ''}`;
}

/** Pages with a present (or swapped) entry in the VMA. */
export function capturedPages(v: CapturedVma, which: 'present' | 'swapped' | 'all' = 'all'): number {
  let n = 0;
  for (const r of v.runs) if (which === 'all' || r.swapped === (which === 'swapped')) n += r.length;
  return n;
}

// ---- encoding -----------------------------------------------------------------------------

class Writer {
  private buf = new Uint8Array(4096);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** A non-negative safe integer. */
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot encode ${n} as an unsigned varint`);
    this.room(8);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }

  varbig(n: bigint): void {
    if (n < 0n || n >= 1n << 64n) throw new RangeError(`cannot encode ${n} as a u64 varint`);
    this.room(10);
    while (n >= 0x80n) {
      this.buf[this.length++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.length++] = Number(n);
  }

  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.varint(b.length);
    this.bytes(b);
  }

  done(): Buffer {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.length);
  }
}

/**
 * The file's bytes. Refuses (CaptureError) a capture validateCapture() refuses, unless
 * `validate: false` (for tests of the reader: it writes what it is given).
 */
export function encodeCapture(capture: Capture, options: { validate?: boolean } = {}): Buffer {
  if (options.validate !== false) validateCapture(capture);
  const strings = new Map<string, number>();
  const ref = (s: string): number => {
    let i = strings.get(s);
    if (i === undefined) strings.set(s, (i = strings.size));
    return i;
  };
  const body = new Writer();
  body.varint(capture.processes.length);
  for (const p of capture.processes) {
    body.byte(TAG_PROCESS);
    body.varint(p.pid);
    body.varint(p.uid);
    body.varint(p.gid);
    body.varint(ref(p.comm));
    body.varint(p.vmpteBytes);
    body.varint(CONSISTENCY_CODES.indexOf(p.consistency));
    body.varint(p.attempts);
    body.varint(p.notes.length);
    for (const n of p.notes) body.varint(ref(n));
    body.varint(p.vmas.length);
    for (const v of p.vmas) {
      body.byte(TAG_VMA);
      body.varint(v.startPage);
      body.varint(v.endPage - v.startPage);
      body.byte(v.prot);
      body.varint(v.shared ? VMA_SHARED : 0);
      body.varint(ref(v.vmFlags.join(' ')));
      body.varint(v.kernelPageSize);
      body.varint(v.pmdMappedBytes);
      body.varbig(v.offset);
      body.varint(v.devMajor);
      body.varint(v.devMinor);
      body.varbig(v.inode);
      body.varint(ref(v.path));
      body.varint(v.runs.length);
      for (const r of v.runs) {
        body.varint(r.offset);
        body.varint(r.length * 2 + (r.swapped ? 1 : 0));
      }
    }
  }
  body.byte(TAG_END);

  const out = new Writer();
  out.bytes(Buffer.from(CAPTURE_MAGIC, 'latin1'));
  out.byte(CAPTURE_VERSION & 0xff);
  out.byte(CAPTURE_VERSION >> 8);
  out.str(capture.geometry);
  out.varint(capture.pageSize);
  out.varint(capture.capturedAtMs);
  out.str(capture.host);
  out.str(capture.kernel);
  out.varint(capture.notes.length);
  for (const n of capture.notes) out.str(n);
  out.varint(strings.size);
  for (const s of strings.keys()) out.str(s);
  out.bytes(body.done());
  return out.done();
}

// ---- decoding -----------------------------------------------------------------------------

class Reader {
  pos = 0;
  /** The record being read, for errors. */
  where = 'the header';
  record: CaptureError['record'] = {};
  constructor(private readonly buf: Uint8Array) {}

  fail(message: string): never {
    throw new CaptureError(`bad capture: ${this.where}: ${message}`, this.record);
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) {
      this.fail(`truncated: the file ends (${this.buf.length} bytes) while reading ${field}`);
    }
  }

  byte(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++];
  }

  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  varint(field: string): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte(field);
      n += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(n)) this.fail(`${field} ${n} is too large`);
        return n;
      }
      scale *= 0x80;
    }
    return this.fail(`${field} is not a varint below 2^53`);
  }

  varbig(field: string): bigint {
    let n = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte(field);
      n |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (n >= 1n << 64n) this.fail(`${field} does not fit 64 bits`);
        return n;
      }
    }
    return this.fail(`${field} is not a varint`);
  }

  str(field: string): string {
    const n = this.varint(`${field} length`);
    return Buffer.from(this.bytes(n, field)).toString('utf8');
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }
}

/**
 * Parses and validates a capture file (validateCapture against the capture's own geometry).
 * Throws CaptureError naming the record at fault.
 */
export function decodeCapture(bytes: Uint8Array): Capture {
  const r = new Reader(bytes);
  const magic = Buffer.from(r.bytes(Math.min(8, bytes.length), 'the magic'));
  if (magic.length < 8 || magic.toString('latin1') !== CAPTURE_MAGIC) {
    r.fail(`not a capture file: the magic is ${JSON.stringify(magic.toString('latin1'))}, expected ${JSON.stringify(CAPTURE_MAGIC)}`);
  }
  const version = r.byte('the version') | (r.byte('the version') << 8);
  if (version !== CAPTURE_VERSION) {
    r.fail(`version ${version} is not supported: this reader knows version ${CAPTURE_VERSION}`);
  }
  const geometry = r.str('the geometry');
  if (!(GEOMETRY_NAMES as readonly string[]).includes(geometry)) {
    r.fail(`unknown geometry '${geometry}' (expected one of ${GEOMETRY_NAMES.join(', ')})`);
  }
  const pageSize = r.varint('the page size');
  if (pageSize !== CAPTURE_PAGE_SIZE) r.fail(`page size ${pageSize} is not ${CAPTURE_PAGE_SIZE}`);
  const capturedAtMs = r.varint('the capture time');
  const host = r.str('the host name');
  const kernel = r.str('the kernel release');
  const notes: string[] = [];
  const noteCount = r.varint('the note count');
  for (let i = 0; i < noteCount; i++) notes.push(r.str(`note #${i}`));
  r.where = 'the string table';
  const stringCount = r.varint('the string count');
  const strings: string[] = [];
  for (let i = 0; i < stringCount; i++) strings.push(r.str(`string #${i}`));
  const str = (field: string): string => {
    const i = r.varint(field);
    if (i >= strings.length) r.fail(`${field} refers to string #${i}, the table has ${strings.length}`);
    return strings[i];
  };

  r.where = 'the process list';
  const processCount = r.varint('the process count');
  const processes: CapturedProcess[] = [];
  for (let pi = 0; pi < processCount; pi++) {
    r.where = `process #${pi}`;
    r.record = { processIndex: pi };
    if (r.byte('the process tag') !== TAG_PROCESS) r.fail('no process record here (tag is not \'P\')');
    const pid = r.varint('pid');
    r.where = `process #${pi} (pid ${pid})`;
    r.record = { processIndex: pi, pid };
    const uid = r.varint('uid');
    const gid = r.varint('gid');
    const comm = str('comm');
    r.where = processLabel({ pid, comm }, pi);
    const vmpteBytes = r.varint('VmPTE');
    const code = r.varint('consistency');
    if (code >= CONSISTENCY_CODES.length) r.fail(`consistency code ${code} is unknown`);
    const attempts = r.varint('attempts');
    const pnotes: string[] = [];
    const pnoteCount = r.varint('the note count');
    for (let i = 0; i < pnoteCount; i++) pnotes.push(str(`note #${i}`));
    const vmaCount = r.varint('the VMA count');
    const vmas: CapturedVma[] = [];
    const proc = processLabel({ pid, comm }, pi);
    for (let vi = 0; vi < vmaCount; vi++) {
      r.where = `${proc}, VMA #${vi}`;
      r.record = { processIndex: pi, pid, vmaIndex: vi };
      if (r.byte('the VMA tag') !== TAG_VMA) r.fail('no VMA record here (tag is not \'V\')');
      const startPage = r.varint('start');
      const pages = r.varint('length');
      const prot = r.byte('prot');
      if (prot > 7) r.fail(`prot 0x${prot.toString(16)} has bits outside PROT_READ|PROT_WRITE|PROT_EXEC`);
      const flags = r.varint('flags');
      if ((flags & ~VMA_KNOWN_FLAGS) !== 0 || flags > 0xffff) r.fail(`flags 0x${flags.toString(16)} has unknown bits (a newer writer?)`);
      const vmFlags = str('VmFlags').split(' ').filter((f) => f !== '');
      const kernelPageSize = r.varint('the kernel page size');
      const pmdMappedBytes = r.varint('the PMD-mapped bytes');
      const offset = r.varbig('the file offset');
      const devMajor = r.varint('the device major');
      const devMinor = r.varint('the device minor');
      const inode = r.varbig('the inode');
      const path = str('the path');
      r.where = `${proc}, ${vmaLabel({ startPage, endPage: startPage + pages, path }, vi)}`;
      const runCount = r.varint('the run count');
      const runs: PageRun[] = [];
      for (let ri = 0; ri < runCount; ri++) {
        const off = r.varint(`run #${ri} offset`);
        const lenFlag = r.varint(`run #${ri} length`);
        runs.push({ offset: off, length: Math.floor(lenFlag / 2), swapped: lenFlag % 2 === 1 });
      }
      vmas.push({
        startPage, endPage: startPage + pages, prot, shared: (flags & VMA_SHARED) !== 0, vmFlags, kernelPageSize,
        pmdMappedBytes, offset, devMajor, devMinor, inode, path, runs,
      });
    }
    processes.push({
      pid, comm, uid, gid, vmpteBytes, consistency: CONSISTENCY_CODES[code], attempts, notes: pnotes, vmas,
    });
  }
  r.where = 'the end of the file';
  r.record = {};
  if (r.byte('the end tag') !== TAG_END) r.fail('no end tag (\'E\') after the last process');
  if (r.remaining > 0) r.fail(`${r.remaining} unexpected bytes after the end tag`);
  const capture: Capture = {
    version, geometry: geometry as GeometryName, pageSize, capturedAtMs, host, kernel, notes, processes,
  };
  validateCapture(capture);
  return capture;
}

/**
 * Checks what the bytes cannot: every record's content. `geometry` (default: the capture's own)
 * sets the user address limit the VMAs must stay below. Throws CaptureError naming the record.
 */
export function validateCapture(capture: Capture, geometry: GeometryName | string = capture.geometry): void {
  const g = geometryOf(geometry);
  const limit = g.userLimitPages;
  if (capture.pageSize !== CAPTURE_PAGE_SIZE) throw new CaptureError(`bad capture: page size ${capture.pageSize} is not ${CAPTURE_PAGE_SIZE}`);
  const pids = new Map<number, number>();
  capture.processes.forEach((p, pi) => {
    const proc = processLabel(p, pi);
    const fail = (msg: string, vmaIndex?: number): never => {
      throw new CaptureError(`bad capture: ${proc}${msg}`, { processIndex: pi, pid: p.pid, vmaIndex });
    };
    if (!Number.isSafeInteger(p.pid) || p.pid <= 0) fail(`: pid ${p.pid} is not a positive integer`);
    const seen = pids.get(p.pid);
    if (seen !== undefined) fail(`: pid ${p.pid} is also process #${seen}`);
    pids.set(p.pid, pi);
    for (const [what, id] of [['uid', p.uid], ['gid', p.gid]] as const) {
      if (!Number.isInteger(id) || id < 0 || id > 0xfffffffe) fail(`: ${what} ${id} is outside 0..4294967294`);
    }
    if (!Number.isSafeInteger(p.vmpteBytes) || p.vmpteBytes < 0 || p.vmpteBytes % 1024 !== 0) {
      fail(`: VmPTE ${p.vmpteBytes} bytes is not a whole number of KiB`);
    }
    if (!CONSISTENCY_CODES.includes(p.consistency)) fail(`: consistency '${String(p.consistency)}' is unknown`);
    let prevEnd = 0;
    p.vmas.forEach((v, vi) => {
      const vfail = (msg: string): never => fail(`, ${vmaLabel(v, vi)}: ${msg}`, vi);
      if (!Number.isSafeInteger(v.startPage) || !Number.isSafeInteger(v.endPage) || v.startPage < 0 || v.endPage <= v.startPage) {
        vfail('start must be below end');
      }
      if (v.startPage < prevEnd) {
        vfail(vi > 0 && v.startPage < p.vmas[vi - 1].startPage
          ? `VMAs are not sorted: it starts below VMA #${vi - 1}`
          : `overlaps VMA #${vi - 1}, which ends at ${hexAddr(prevEnd)}`);
      }
      if (v.endPage > limit) {
        vfail(`ends above the user address limit 0x${g.userLimitBytes.toString(16)} of ${g.name}`);
      }
      prevEnd = v.endPage;
      if (!Number.isInteger(v.prot) || v.prot < 0 || v.prot > 7) vfail(`prot ${v.prot} has bits outside PROT_READ|PROT_WRITE|PROT_EXEC`);
      const ps = v.kernelPageSize;
      if (!Number.isSafeInteger(ps) || ps < CAPTURE_PAGE_SIZE || !Number.isInteger(Math.log2(ps))) {
        vfail(`kernel page size ${ps} is not a power of two >= 4096`);
      }
      if (!Number.isSafeInteger(v.pmdMappedBytes) || v.pmdMappedBytes < 0) vfail(`PMD-mapped bytes ${v.pmdMappedBytes} is not a count`);
      if (v.offset % BigInt(CAPTURE_PAGE_SIZE) !== 0n) vfail(`file offset ${v.offset} is not page-aligned`);
      if (isHugetlb(v)) {
        // Linux places a hugetlb VMA on its page size, whole pages, at an aligned file offset.
        const unit = v.kernelPageSize / CAPTURE_PAGE_SIZE;
        if (ps !== HUGE_2M && ps !== HUGE_1G) vfail(`hugetlb with kernel page size ${ps}: only 2 MiB and 1 GiB pages exist`);
        if (v.startPage % unit !== 0 || v.endPage % unit !== 0 || v.offset % BigInt(ps) !== 0n) {
          vfail(`hugetlb VMA (offset ${v.offset}) is not aligned to its ${ps === HUGE_1G ? '1 GiB' : '2 MiB'} pages`);
        }
      }
      const pages = v.endPage - v.startPage;
      let runEnd = 0;
      v.runs.forEach((r, ri) => {
        if (!Number.isSafeInteger(r.offset) || !Number.isSafeInteger(r.length) || r.offset < 0 || r.length < 1) {
          vfail(`run #${ri} (offset ${r.offset}, length ${r.length}) is empty or negative`);
        }
        if (r.offset < runEnd) {
          vfail(`runs are not sorted: run #${ri} at page offset ${r.offset} starts before run #${ri - 1} ends (${runEnd})`);
        }
        if (r.offset + r.length > pages) {
          vfail(`run #${ri} [${r.offset}, ${r.offset + r.length}) ends beyond the VMA's ${pages} pages`);
        }
        runEnd = r.offset + r.length;
      });
    });
  });
}

/** One line: what a capture holds. */
export function describeCapture(c: Capture): string {
  const vmas = c.processes.reduce((n, p) => n + p.vmas.length, 0);
  const runs = c.processes.reduce((n, p) => n + p.vmas.reduce((m, v) => m + v.runs.length, 0), 0);
  return `${c.processes.length} processes, ${vmas} VMAs, ${runs} page runs (${c.geometry}, ${c.host}, Linux ${c.kernel})`;
}
