/**
 * Where a replay goes: the few calls it makes, as one interface. The gRPC client (BrokerClient,
 * shared/client) implements it as it is, with no adapter: its spawn/mmap/touch/accessStream/
 * procStatus, plus geometry(), exit(), mshare() and accounting() when present. KernelTarget implements it over the
 * in-process simulated kernel (shared/kernel), for fast tests. One replay code path for both.
 */
import { Kernel, type AccessKind, type KernelOptions } from '../kernel/index.js';

export interface ReplayCounts {
  present: number;
  minorFault: number;
  sigsegv: number;
  sigbus: number;
}

export interface ReplayStream {
  /** Accesses every address of `addrs` (page-aligned) by `pid`. */
  batch(pid: number, kind: AccessKind, addrs: BigUint64Array): Promise<ReplayCounts>;
  close(): Promise<void>;
}

export interface ReplayTarget {
  spawn(opts: { uid: number; gid: number; comm?: string }): Promise<number>;
  /** mmap(addr, length, prot, flags, file, offset): the file offset in bytes (MmapRequest.offset). */
  mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number, file?: string, offset?: bigint): Promise<bigint>;
  touch(pid: number, addr: bigint, length: bigint, kind: AccessKind): Promise<ReplayCounts>;
  accessStream(): ReplayStream;
  procStatus(pid: number): Promise<{ vmpteBytes: number }>;
  /** Read-only; used before anything changes, to refuse a capture the target's geometry cannot hold. */
  geometry?(): Promise<{ name: string; userAddressLimit: bigint }>;
  /** Used to undo a replay that failed halfway, and by `exitWhenDone`. */
  exit?(pid: number): Promise<void>;
  /** mshare(name, addr, length, oflags, mode): needed by a scheme replay's regions (whatif.ts). */
  mshare?(pid: number, name: string, addr: bigint, length: bigint, oflags: number, mode: number): Promise<void>;
  /** The machine's page-table memory (ReplayOptions.accounting). */
  accounting?(): Promise<{ pagetableBytes: number }>;
}

/** The simulated kernel in this process, as a replay target. */
export class KernelTarget implements ReplayTarget {
  readonly kernel: Kernel;

  constructor(kernel: Kernel | KernelOptions = {}) {
    this.kernel = kernel instanceof Kernel ? kernel : new Kernel(kernel);
  }

  async spawn(opts: { uid: number; gid: number; comm?: string }): Promise<number> {
    return this.kernel.spawn(opts);
  }

  async mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number, file = '', offset = 0n): Promise<bigint> {
    return this.kernel.mmap(pid, addr, length, prot, flags, file, offset);
  }

  async mshare(pid: number, name: string, addr: bigint, length: bigint, oflags: number, mode: number): Promise<void> {
    this.kernel.mshare(pid, name, addr, length, oflags, mode);
  }

  async accounting(): Promise<{ pagetableBytes: number }> {
    return this.kernel.accounting();
  }

  async touch(pid: number, addr: bigint, length: bigint, kind: AccessKind): Promise<ReplayCounts> {
    return this.kernel.touch(pid, addr, length, kind);
  }

  accessStream(): ReplayStream {
    const kernel = this.kernel;
    return {
      async batch(pid, kind, addrs) {
        return kernel.accessBatch(pid, kind, new Uint8Array(addrs.buffer, addrs.byteOffset, addrs.byteLength));
      },
      async close() {},
    };
  }

  async procStatus(pid: number): Promise<{ vmpteBytes: number }> {
    return this.kernel.procStatus(pid);
  }

  async geometry(): Promise<{ name: string; userAddressLimit: bigint }> {
    return { name: this.kernel.geometry.name, userAddressLimit: this.kernel.geometry.userLimitBytes };
  }

  async exit(pid: number): Promise<void> {
    this.kernel.exit(pid);
  }
}
