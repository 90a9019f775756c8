/**
 * Argument checks of the system calls, run before anything changes, so an error (KernelError,
 * named by errno) leaves the state as it was. Each check keeps the order in which the call
 * reports its errors: with several bad arguments, the first check decides the errno. Checks
 * against the state (permissions, overlaps) are the calls' own, also before any change.
 */
import { KernelError, einval } from './errors.js';
import { kindCode, type KindCode } from './fault.js';
import { PAGE_SHIFT, PAGE_SIZE, type Geometry } from './geometry.js';
import { HUGETLB_1G, HUGETLB_2M } from './huge.js';
import { validateName } from './msharefs.js';
import type { SpawnOptions } from './types.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_HUGETLB, MAP_HUGE_MASK, MAP_HUGE_SHIFT, MAP_KNOWN, MAP_PRIVATE, MAP_SHARED, MAP_TYPE, O_ACCMODE, O_CREAT, O_EXCL, O_RDONLY,
  O_RDWR, PROT_MASK, type AccessKind,
} from './uapi.js';

const MAX_UINT64 = (1n << 64n) - 1n;

const hex = (n: number) => (Number.isFinite(n) ? (n >>> 0).toString(16) : String(n));
export const oct = (n: number) => (Number.isFinite(n) ? n.toString(8) : String(n));
/** A page number or a count of pages as bytes, for messages. */
export const bytes = (pages: number) => (BigInt(pages) << BigInt(PAGE_SHIFT)).toString();
export const bytesHex = (page: number) => (BigInt(page) << BigInt(PAGE_SHIFT)).toString(16);

export const pageOf = (addr: bigint): number => Number(addr >> BigInt(PAGE_SHIFT));
const lengthPages = (length: bigint): number => Number((length + BigInt(PAGE_SIZE - 1)) >> BigInt(PAGE_SHIFT));

export function checkU64(value: unknown, what: string): void {
  if (typeof value !== 'bigint') throw einval(`${what} must be a bigint`);
  if (value < 0n || value > MAX_UINT64) throw einval(`${what} ${value} is outside 0..2^64-1`);
}

function checkId(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xfffffffe) {
    throw einval(`${what} ${String(value)} must be an integer from 0 to 4294967294`);
  }
  return value;
}

export function checkProt(prot: number): void {
  if (!Number.isInteger(prot) || (prot & ~PROT_MASK) !== 0 || prot < 0) {
    throw einval(`prot 0x${hex(prot)} has bits outside PROT_READ|PROT_WRITE|PROT_EXEC`);
  }
}

export function checkKind(kind: AccessKind): KindCode {
  if (kind !== 'read' && kind !== 'write' && kind !== 'exec') throw einval(`access kind '${String(kind)}' must be read, write or exec`);
  return kindCode(kind);
}

/** The kernel's link level: from 2 (PMD) to the top level (PGD). */
export function checkLinkLevel(linkLevel: number, geometry: Geometry): number {
  if (!Number.isInteger(linkLevel) || linkLevel < 2 || linkLevel > geometry.levels) {
    throw einval(`linkLevel ${linkLevel} must be an integer from 2 (PMD) to ${geometry.levels} (PGD)`);
  }
  return linkLevel;
}

export function spawnArgs(opts: SpawnOptions | undefined): { uid: number; gid: number; comm: string } {
  const uid = checkId(opts?.uid, 'uid');
  const gid = checkId(opts?.gid, 'gid');
  const comm = opts?.comm ?? '';
  if (typeof comm !== 'string') throw einval('comm must be a string');
  return { uid, gid, comm: truncateComm(comm) };
}

/** TASK_COMM_LEN is 16 bytes including the NUL: the kernel keeps at most 15 bytes of a name. */
export const COMM_BYTES = 15;

/**
 * The name cut to 15 UTF-8 bytes at a character boundary, as a fresh string: no slice of the
 * caller's (possibly huge) string is kept.
 */
export function truncateComm(comm: string): string {
  // 15 UTF-16 units hold at least 15 bytes of UTF-8 (a lone surrogate becomes U+FFFD).
  const bytes = Buffer.from(comm.slice(0, COMM_BYTES), 'utf8');
  let cut = Math.min(bytes.length, COMM_BYTES);
  while (cut > 0 && cut < bytes.length && (bytes[cut] & 0xc0) === 0x80) cut--;
  return bytes.subarray(0, cut).toString('utf8');
}

/** An mmap request, checked. */
export interface MmapRequest {
  addr: bigint;
  length: bigint;
  /** The length in pages, rounded up. */
  pages: number;
  prot: number;
  /** The mapping's flags (MAP_FIXED asks for a placement; it is not kept on the VMA). */
  vmaFlags: number;
  fixed: boolean;
  file: string;
  /** The file offset in pages (0 for anonymous mappings). */
  offset: number;
  /** MAP_HUGETLB: HUGETLB_2M or HUGETLB_1G (huge.ts); 0 for base pages. */
  huge: number;
}

export function mmapArgs(g: Geometry, addr: bigint, length: bigint, prot: number, flags: number, file: string,
  offset = 0n): MmapRequest {
  checkU64(addr, 'addr');
  checkU64(length, 'length');
  checkU64(offset, 'offset');
  if (!Number.isInteger(flags) || (flags & ~MAP_KNOWN) !== 0) {
    throw einval(`flags 0x${hex(flags)} has bits outside MAP_SHARED|MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_*`);
  }
  const hugeBits = (flags >>> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
  if (hugeBits !== 0 && (flags & MAP_HUGETLB) === 0) throw einval('MAP_HUGE_* without MAP_HUGETLB');
  if (hugeBits !== 0 && hugeBits !== 21 && hugeBits !== 30) throw einval(`MAP_HUGE_* size 2^${hugeBits}: only 2 MiB and 1 GiB pages exist`);
  const huge = (flags & MAP_HUGETLB) === 0 ? 0 : hugeBits === 30 ? HUGETLB_1G : HUGETLB_2M;
  if (offset % BigInt(PAGE_SIZE) !== 0n) throw einval(`offset ${offset} is not page-aligned`);
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE) {
    throw einval('flags must hold exactly one of MAP_SHARED (0x01) and MAP_PRIVATE (0x02)');
  }
  checkProt(prot);
  if (typeof file !== 'string') throw einval('file must be a string');
  if (flags & MAP_ANONYMOUS) {
    if (file !== '') throw einval(`MAP_ANONYMOUS takes no file, got '${file}'`);
  } else if (file === '') {
    throw new KernelError('EBADF', 'a mapping without MAP_ANONYMOUS needs a file');
  }
  if (length === 0n) throw einval('length is 0');
  const pages = lengthPages(length);
  if (pages > g.userLimitPages) throw new KernelError('ENOMEM', `length ${length} exceeds the user address space`);
  const fixed = (flags & MAP_FIXED) !== 0;
  if (fixed) {
    if (addr % BigInt(PAGE_SIZE) !== 0n) throw einval(`MAP_FIXED addr 0x${addr.toString(16)} is not page-aligned`);
    if (pageOf(addr) + pages > g.userLimitPages) {
      throw new KernelError('ENOMEM', `[0x${addr.toString(16)}, +${length}) ends above TASK_SIZE 0x${g.userLimitBytes.toString(16)}`);
    }
  }
  return { addr, length, pages, prot, vmaFlags: flags & ~MAP_FIXED, fixed, file, offset: pageOf(offset), huge };
}

/** A page-aligned user range for munmap/mprotect, in pages [start, end). */
export function userRange(g: Geometry, addr: bigint, length: bigint, call: string): [number, number] {
  checkU64(addr, 'addr');
  checkU64(length, 'length');
  if (addr % BigInt(PAGE_SIZE) !== 0n) throw einval(`${call}: addr 0x${addr.toString(16)} is not page-aligned`);
  const pages = lengthPages(length);
  if (addr + (BigInt(pages) << BigInt(PAGE_SHIFT)) > g.userLimitBytes) {
    throw einval(`${call}: [0x${addr.toString(16)}, +${length}) ends above TASK_SIZE`);
  }
  const start = pageOf(addr);
  return [start, start + pages];
}

/** An mshare request, checked: pages [start, end), the access mode, oflags and mode. */
export interface MshareRequest {
  start: number;
  end: number;
  accmode: number;
  oflags: number;
  mode: number;
}

/** mshare's arguments; `align` is the mshare alignment in bytes (PGDIR_SIZE for the RFC). */
export function mshareArgs(g: Geometry, align: bigint, name: string, addr: bigint, length: bigint, oflags: number,
  mode: number): MshareRequest {
  validateName(name);
  if (!Number.isInteger(oflags) || (oflags & ~(O_ACCMODE | O_CREAT | O_EXCL)) !== 0) {
    throw einval(`oflags 0o${oct(oflags)} has bits outside O_RDONLY|O_RDWR|O_CREAT|O_EXCL`);
  }
  const accmode = oflags & O_ACCMODE;
  if (accmode !== O_RDONLY && accmode !== O_RDWR) {
    throw einval('oflags access mode must be O_RDONLY (0) or O_RDWR (2): a region cannot be write-only');
  }
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw einval(`mode ${mode} (0o${oct(mode)}) has bits outside 0777${mode === 600 ? ' (decimal 600 is not 0600)' : ''}`);
  }
  checkU64(addr, 'addr');
  checkU64(length, 'length');
  if (length === 0n) throw einval('length is 0');
  if (addr % align !== 0n) throw einval(`addr 0x${addr.toString(16)} is not aligned to ${align} bytes (PGDIR_SIZE)`);
  if (length % align !== 0n) throw einval(`length ${length} is not a multiple of ${align} bytes (PGDIR_SIZE)`);
  if (addr + length > g.userLimitBytes) {
    throw einval(`[0x${addr.toString(16)}, +${length}) ends above TASK_SIZE 0x${g.userLimitBytes.toString(16)}`);
  }
  const start = pageOf(addr);
  return { start, end: start + pageOf(length), accmode, oflags, mode };
}

/** A batch of u64 addresses: its length in addresses, with room for the outcomes in `out`. */
export function batchLength(addrs: Uint8Array, out: Uint8Array | undefined): number {
  if (!(addrs instanceof Uint8Array)) throw einval('addrs must be bytes');
  if (addrs.byteLength % 8 !== 0) throw einval(`addrs is ${addrs.byteLength} bytes, not a multiple of 8`);
  const n = addrs.byteLength / 8;
  if (out !== undefined && out.length < n) throw einval(`out has room for ${out.length} outcomes, need ${n}`);
  return n;
}

/**
 * A touch's range as pages [first, last], or null when it is empty. Called after addr, length and
 * kind are checked.
 */
export function touchPages(addr: bigint, length: bigint, stridePages: number): [number, number] | null {
  if (!Number.isSafeInteger(stridePages) || stridePages < 1) throw einval(`stride ${stridePages} must be a whole number of pages >= 1`);
  if (length === 0n) return null;
  if (addr + length - 1n > MAX_UINT64) throw einval('addr + length overflows 64 bits');
  return [pageOf(addr), pageOf(addr + length - 1n)];
}
