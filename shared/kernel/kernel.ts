/**
 * The simulated kernel's system-call surface: processes, mmap/munmap/mprotect, mshare and
 * mshare_unlink, accesses. No I/O. Errors are KernelError with an errno name.
 */
import type { AccessKind } from './uapi.js';
import type {
  AccessResult, KernelOptions, ProcStatus, RegionInfo, SpawnOptions, SystemAccounting, TouchCounts,
} from './types.js';
import { geometry as geometryOf, type Geometry } from './geometry.js';

export interface BatchCounts extends TouchCounts {}

export class Kernel {
  readonly geometry: Geometry;
  readonly sharing: boolean;

  constructor(options: KernelOptions = {}) {
    this.geometry = geometryOf(options.geometry ?? 'x86_64-4level');
    this.sharing = options.sharing ?? true;
  }

  /** Creates a process with an empty address space (one PGD page). Returns its pid. */
  spawn(_opts: SpawnOptions): number { throw new Error('TODO'); }
  /** Tears down the address space; regions it created or attached stay (their references too). */
  exit(_pid: number): void { throw new Error('TODO'); }
  hasProcess(_pid: number): boolean { throw new Error('TODO'); }
  pids(): number[] { throw new Error('TODO'); }

  mmap(_pid: number, _addr: bigint, _length: bigint, _prot: number, _flags: number, _file = ''): bigint { throw new Error('TODO'); }
  munmap(_pid: number, _addr: bigint, _length: bigint): void { throw new Error('TODO'); }
  mprotect(_pid: number, _addr: bigint, _length: bigint, _prot: number): void { throw new Error('TODO'); }

  mshare(_pid: number, _name: string, _addr: bigint, _length: bigint, _oflags: number, _mode: number): void { throw new Error('TODO'); }
  mshareUnlink(_pid: number, _name: string): void { throw new Error('TODO'); }
  readRegion(_name: string): RegionInfo { throw new Error('TODO'); }
  listRegions(): RegionInfo[] { throw new Error('TODO'); }

  access(_pid: number, _addr: bigint, _kind: AccessKind): AccessResult { throw new Error('TODO'); }
  /**
   * The batch path: `addrs` holds little-endian u64 addresses (length a multiple of 8). The outcome
   * code of address i (uapi Outcome) is written to out[i] when `out` is given.
   */
  accessBatch(_pid: number, _kind: AccessKind, _addrs: Uint8Array, _out?: Uint8Array): BatchCounts { throw new Error('TODO'); }
  /** Accesses every stride-th page of [addr, addr+length). Cost grows with tables, not pages. */
  touch(_pid: number, _addr: bigint, _length: bigint, _kind: AccessKind, _stridePages = 1): TouchCounts { throw new Error('TODO'); }

  procStatus(_pid: number): ProcStatus { throw new Error('TODO'); }
  accounting(): SystemAccounting { throw new Error('TODO'); }
}
