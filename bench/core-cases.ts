/**
 * The core bench's cases, one round each, on any kernel given as a class: bench/core.ts runs them
 * on this tree's kernel, bench/against.ts on this tree's and another revision's alternately. The
 * kernel is reached only through the calls below, which every revision since the first has kept,
 * so a case measures the same work on both.
 *
 * Every case is the field case's shape: a donor mshare's a 300 GiB SGA at 1 TiB, one client
 * attaches, and the client's accesses go through Kernel.accessBatch (one pid, one kind, 1024
 * addresses per call, as one AccessStream batch carries) or Kernel.touch.
 */
import { MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { packPages, zipfPages } from '../shared/addresses.js';
import { mulberry32, SGA_ADDR, SGA_BYTES, SGA_FIRST_PAGE, SGA_PAGES } from './lib.js';

export const BATCH = 1024;
const REGION_BYTES = 512n << 30n; // one PGDIR entry: the mshare alignment on 4-level paging

interface Counts { present: number; minorFault: number }

/** What the cases call: the Kernel's API as every revision has it. */
export interface BenchKernel {
  spawn(opts: { uid: number; gid: number; comm?: string }): number;
  mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number): bigint;
  mshare(pid: number, name: string, addr: bigint, length: bigint, oflags: number, mode: number): void;
  touch(pid: number, addr: bigint, length: bigint, kind: 'write'): Counts;
  accessBatch(pid: number, kind: 'read' | 'write', addrs: Uint8Array, out?: Uint8Array): Counts;
  accounting(): unknown;
}
export type KernelClass = new (options: { sharing: boolean }) => BenchKernel;

export interface Sga { kernel: BenchKernel; client: number }

/**
 * The SGA, shared by a donor, one client attached. `populate`: the client touches all of it (it
 * is then the region's mirror: shared/kernel/counterfactual.ts); `donorFirst`: the donor does,
 * and the client's counterfactual fills as it goes.
 */
export function sga(K: KernelClass, sharing: boolean, populate: boolean, donorFirst = false): Sga {
  const kernel = new K({ sharing });
  const donor = kernel.spawn({ uid: 1000, gid: 1000, comm: 'donor' });
  kernel.mmap(donor, SGA_ADDR, BigInt(SGA_BYTES), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  kernel.mshare(donor, 'sga', SGA_ADDR, REGION_BYTES, O_CREAT | O_EXCL | O_RDWR, 0o600);
  if (donorFirst) kernel.touch(donor, SGA_ADDR, BigInt(SGA_BYTES), 'write');
  const client = kernel.spawn({ uid: 1000, gid: 1000, comm: 'client' });
  kernel.mshare(client, 'sga', SGA_ADDR, REGION_BYTES, O_RDWR, 0);
  if (populate && !donorFirst) kernel.touch(client, SGA_ADDR, BigInt(SGA_BYTES), 'write');
  return { kernel, client };
}

/** Page numbers in the SGA: sequential, uniform random, or distinct uniform random. */
export function sequentialPages(n: number, from = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = SGA_FIRST_PAGE + ((from + i) % SGA_PAGES);
  return out;
}

export function randomPages(n: number, seed: number, distinct: boolean): Float64Array {
  const rand = mulberry32(seed);
  const seen = distinct ? new Uint8Array(Math.ceil(SGA_PAGES / 8)) : null;
  const out = new Float64Array(n);
  for (let i = 0; i < n;) {
    const p = Math.floor(rand() * SGA_PAGES);
    if (seen) {
      if (seen[p >>> 3] & (1 << (p & 7))) continue;
      seen[p >>> 3] |= 1 << (p & 7);
    }
    out[i++] = SGA_FIRST_PAGE + p;
  }
  return out;
}

/** The addresses cut into 1024-address batches (views on one aligned buffer). */
export function batches(pages: Float64Array): Uint8Array[] {
  const bytes = packPages(pages.length, (i) => pages[i]);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.byteLength; i += BATCH * 8) out.push(bytes.subarray(i, Math.min(bytes.byteLength, i + BATCH * 8)));
  return out;
}

/** The access patterns, 1 Mi accesses each: the present ones cycled, the fresh ones once. */
export function patterns() {
  const ACCESSES = 1 << 20; // 8 MiB of addresses
  return {
    present: [
      ['uniform random', batches(randomPages(ACCESSES, 1, false)), true],
      ['sequential', batches(sequentialPages(ACCESSES)), false],
      ['zipf 0.99 over 64 Ki hot pages',
        batches(Float64Array.from(zipfPages(ACCESSES, SGA_PAGES, 65_536, 0.99, mulberry32(2)), (p) => p + SGA_FIRST_PAGE)), false],
    ] as const,
    fresh: [
      ['random fresh pages', batches(randomPages(ACCESSES, 3, true)), true],
      ['sequential fresh pages', batches(sequentialPages(ACCESSES)), false],
    ] as const,
  };
}

const out = new Uint8Array(BATCH);

/** Accesses/s of a present-page pattern on a populated SGA: the batches cycled for about `ms`. */
export function presentRound(s: Sga, bs: Uint8Array[], ms: number): number {
  let n = 0;
  let present = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < bs.length; i++) {
      present += s.kernel.accessBatch(s.client, 'read', bs[i], out).present;
      n += bs[i].byteLength / 8;
    }
    t = performance.now();
  }
  if (present !== n) throw new Error(`expected present pages only, got ${present} of ${n}`);
  return n / ((t - t0) / 1000);
}

/** Minor faults/s on a fresh SGA, every address (`bs`, none twice) a page never touched. */
export function faultRound(K: KernelClass, sharing: boolean, bs: Uint8Array[]): number {
  const pages = bs.reduce((n, b) => n + b.byteLength / 8, 0);
  const s = sga(K, sharing, false);
  let faults = 0;
  const t0 = performance.now();
  for (let i = 0; i < bs.length; i++) faults += s.kernel.accessBatch(s.client, 'write', bs[i], out).minorFault;
  const dt = (performance.now() - t0) / 1000;
  if (faults !== pages) throw new Error(`expected ${pages} minor faults, got ${faults}`);
  return faults / dt;
}

/** One touch of the whole 300 GiB, ms: on a fresh SGA (every page faults), then again (all present). */
export function touchRound(K: KernelClass, sharing: boolean): { fresh: number; present: number } {
  const s = sga(K, sharing, false);
  let t0 = performance.now();
  const a = s.kernel.touch(s.client, SGA_ADDR, BigInt(SGA_BYTES), 'write');
  const fresh = performance.now() - t0;
  t0 = performance.now();
  const b = s.kernel.touch(s.client, SGA_ADDR, BigInt(SGA_BYTES), 'write');
  const present = performance.now() - t0;
  if (a.minorFault !== SGA_PAGES || b.present !== SGA_PAGES) throw new Error('touch did not cover the SGA');
  return { fresh, present };
}
