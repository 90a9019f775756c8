/**
 * Where a replay goes: the few calls it makes, as one interface. The gRPC client (BrokerClient,
 * shared/client) implements it as it is, with no adapter: its spawn/mmap/touch/accessStream/
 * procStatus, plus geometry() and exit() when present. KernelTarget implements it over the
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
  /**
   * mmap(addr, length, prot, flags, file). The file offset is not passed yet: MmapRequest has no
   * `offset` field (issue 11 adds `uint64 offset` unless the schemes issue has); when it does, the
   * replay passes ReplayMapping.offset as a 7th argument.
   */
  mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number, file?: string): Promise<bigint>;
  touch(pid: number, addr: bigint, length: bigint, kind: AccessKind): Promise<ReplayCounts>;
  accessStream(): ReplayStream;
  procStatus(pid: number): Promise<{ vmpteBytes: number }>;
  /** Read-only; used before anything changes, to refuse a capture the target's geometry cannot hold. */
  geometry?(): Promise<{ name: string; userAddressLimit: bigint }>;
  /** Used to undo a replay that failed halfway, and by `exitWhenDone`. */
  exit?(pid: number): Promise<void>;
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

  async mmap(pid: number, addr: bigint, length: bigint, prot: number, flags: number, file = ''): Promise<bigint> {
    return this.kernel.mmap(pid, addr, length, prot, flags, file);
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
