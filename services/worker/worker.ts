/**
 * A worker: one broker connection, one session, N simulated processes in it, and what they do.
 * Usable in-process (the load test runs many) or as a service (main.ts).
 *
 * Roles follow the seed. The donor's first process maps the SGA at the start of a PGDIR-aligned
 * window (MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED) and creates the region over the whole window with
 * O_CREAT|O_EXCL|O_RDWR; it only holds the region and runs no pattern. Every other process (the
 * donor's others, and all of a client worker's) reads the region's start and size from msharefs,
 * retrying ENOENT until the donor has created it, attaches with O_RDWR and runs the pattern:
 *   sequential  one Touch RPC per process over the whole SGA;
 *   sparse      uniform random pages, a fraction of the SGA per process, in AccessStream batches;
 *   hotset      zipf-like (s = 1) over a hot set at a target rate, bounded by a duration and a count.
 * stop(): each process that attached drops its reference (mshare_unlink) and exits; the session
 * closes. A process that never attached (stopped before its Mshare, or whose Mshare failed) only
 * exits: unlinking a reference it never held would fail (ENOENT, EBUSY) or, worse, drop someone
 * else's, so a clean stop makes no syscall error.
 */
import * as grpc from '@grpc/grpc-js';
import { BrokerClient, type BrokerClientOptions, type BrokerSession, type GeometryInfo } from '../../shared/client/index.js';
import { statusFromError } from '../../shared/grpc/status.js';
import { AccessCounts } from '../../shared/kernel/counts.js';
import { KernelError } from '../../shared/kernel/errors.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE,
} from '../../shared/kernel/uapi.js';
import { PAGE_SHIFT, PAGE_SIZE } from '../../shared/kernel/geometry.js';
import { DEFAULT_CONFIG, type Pattern, type Role } from './config.js';
import { createWorkerMetrics, type WorkerMetrics } from './metrics.js';
import { mulberry32 } from '../../shared/random.js';
import { packPages, zipfSampler } from '../../shared/addresses.js';

export interface WorkerOptions {
  brokerAddress: string;
  /** TLS credentials and token for the broker (config.ts brokerClient); default plaintext, anonymous. */
  brokerClient?: BrokerClientOptions;
  role: Role;
  processes: number;
  region: string;
  sgaBytes: number;
  pattern: Pattern;
  // Unset, the next six and `name` take the worker's environment defaults (config.ts DEFAULTS).
  /** sparse: share of the SGA's pages each process touches. */
  sparseFraction?: number;
  /** hotset: accesses per second for the whole worker. */
  hotsetRate?: number;
  /** hotset: share of the SGA's pages in the hot set. */
  hotsetFraction?: number;
  /** hotset: seconds it runs. */
  durationS?: number;
  /** hotset: stop after this many accesses; 0: only the duration bounds it. */
  hotsetAccesses?: number;
  /** How long clients retry ENOENT while the region does not exist yet. */
  attachTimeoutMs?: number;
  /** How long start() waits for the broker's channel (default 10 s). */
  connectTimeoutMs?: number;
  /** Session name and process comm prefix. */
  name?: string;
  uid?: number;
  gid?: number;
  /** RPCs (or batches) in flight at once (default 16). */
  concurrency?: number;
  /** PRNG seed for sparse and hotset addresses (default 1): runs are reproducible. */
  seed?: number;
  /**
   * Called once if the session ends without stop() (the broker shut down, restarted or became
   * unreachable): the broker exits the session's processes, so the worker has nothing to run.
   */
  onSessionLost?: () => void;
  /** Default: a fresh registry without Node's process metrics. */
  metrics?: WorkerMetrics;
  /**
   * Called after each RPC the worker makes (an AccessStream batch counts as one): its method, its
   * client-side latency in ms, and its outcome (the gRPC status code name, the errno when the
   * broker gave one). The load test's latency and error report is built from these.
   */
  onRpc?: (sample: RpcSample) => void;
}

/** One RPC as the worker saw it. */
export interface RpcSample {
  method: string;
  ms: number;
  /** gRPC status code name: 'OK', 'NOT_FOUND', 'UNAVAILABLE' ... */
  code: string;
  /** The errno the broker answered (KernelError), if any. */
  errno?: string;
}

export interface WorkerProgress {
  spawned: number;
  attached: number;
  /** Processes whose pattern has finished. */
  done: number;
  accesses: number;
}

/** Page-table figures of this worker's processes, summed from ProcStatus (VmPTE + PGD). */
export interface UsageFigures {
  processes: number;
  pagetableBytes: number;
  unsharedPagetableBytes: number;
  minorFaults: number;
  unsharedMinorFaults: number;
}

export const UsageFigures = Object.freeze({
  zero(): UsageFigures {
    return { processes: 0, pagetableBytes: 0, unsharedPagetableBytes: 0, minorFaults: 0, unsharedMinorFaults: 0 };
  },
  /** Adds `b` into `a` and returns `a`. */
  add(a: UsageFigures, b: Readonly<UsageFigures>): UsageFigures {
    a.processes += b.processes;
    a.pagetableBytes += b.pagetableBytes;
    a.unsharedPagetableBytes += b.unsharedPagetableBytes;
    a.minorFaults += b.minorFaults;
    a.unsharedMinorFaults += b.unsharedMinorFaults;
    return a;
  },
});

export interface WorkerUsage {
  /** The processes that ran the pattern. */
  pattern: UsageFigures;
  /** The donor's creator process (zeros in a client worker). */
  creator: UsageFigures;
}

/** The window's start: the first multiple of the mshare alignment at or above 2 TiB. */
export const WINDOW_BASE = 2n << 40n;
export const BATCH_ADDRESSES = 1024;
/** How many batches one worker keeps in flight on its AccessStream. */
const BATCHES_IN_FLIGHT = 8;
const ATTACH_RETRY_MS = 50;

/** Where the donor puts the region: PGDIR-aligned start, window = SGA rounded up to the alignment. */
export function windowFor(geometry: Pick<GeometryInfo, 'mshareAlignment' | 'userAddressLimit'>, sgaBytes: number): { start: bigint; size: bigint } {
  const align = geometry.mshareAlignment;
  const start = ((WINDOW_BASE + align - 1n) / align) * align;
  const sga = BigInt(sgaBytes);
  const size = ((sga + align - 1n) / align) * align;
  if (start + size > geometry.userAddressLimit) {
    throw new Error(`an SGA of ${sgaBytes} bytes needs a window of ${size} bytes at 0x${start.toString(16)}, above the user address limit 0x${geometry.userAddressLimit.toString(16)}`);
  }
  return { start, size };
}

export class Worker {
  readonly metrics: WorkerMetrics;
  readonly progress: WorkerProgress = { spawned: 0, attached: 0, done: 0, accesses: 0 };
  /** Pattern processes whose pattern finished (less those killed since). */
  readonly completed = new Set<number>();
  /** Processes the OOM killer ended (learnt from ESRCH or the session). */
  readonly killed = new Set<number>();
  /** What the broker answered this worker's accesses. */
  readonly totals: AccessCounts = AccessCounts.zero();
  geometry: GeometryInfo | undefined;
  /** The region's window as msharefs reports it. */
  window: { start: bigint; size: bigint } | undefined;
  /** The donor's creator process (undefined in a client worker). */
  creatorPid: number | undefined;
  /** The processes that run the pattern. */
  readonly patternPids: number[] = [];

  private readonly opts: Required<Omit<WorkerOptions, 'metrics' | 'onRpc'>>;
  private readonly onRpc: ((sample: RpcSample) => void) | undefined;
  /** Live processes that hold a reference to the region (the creator's included). */
  private readonly attached = new Set<number>();
  private readonly client: BrokerClient;
  private session: BrokerSession | undefined;
  private readonly live = new Set<number>();
  private stopping = false;
  private stopped: Promise<void> | undefined;
  /** Pending sleeps, woken by stop(). */
  private readonly sleepers = new Set<() => void>();

  constructor(options: WorkerOptions) {
    const d = DEFAULT_CONFIG;
    this.opts = {
      sparseFraction: d.sparseFraction, hotsetRate: d.hotsetRate, hotsetFraction: d.hotsetFraction,
      durationS: d.durationS, hotsetAccesses: d.hotsetAccesses, attachTimeoutMs: d.attachTimeoutMs, name: d.name,
      brokerClient: {}, connectTimeoutMs: 10_000, uid: 1000, gid: 1000, concurrency: 16, seed: 1, onSessionLost: () => {},
      ...stripUndefined(options),
    } as Required<Omit<WorkerOptions, 'metrics' | 'onRpc'>>;
    this.onRpc = options.onRpc;
    if (!Number.isInteger(this.opts.processes) || this.opts.processes < 1) {
      throw new Error(`processes ${this.opts.processes} must be a whole number >= 1`);
    }
    this.metrics = options.metrics ?? createWorkerMetrics({ defaultMetrics: false });
    this.client = new BrokerClient(this.opts.brokerAddress, this.opts.brokerClient);
  }

  get role(): Role {
    return this.opts.role;
  }

  /** Pids of the live processes. */
  get pids(): number[] {
    return [...this.live];
  }

  /** Connects, opens the session, spawns the processes, creates (donor) and attaches the region. */
  async start(): Promise<void> {
    const o = this.opts;
    await this.client.waitForReady(o.connectTimeoutMs);
    this.geometry = await this.rpc('GetGeometry', () => this.client.geometry());
    const session = await this.rpc('Session', () => this.client.openSession(o.name));
    if (this.stopping) {
      // stop() ran while the open was in flight and found no session to close: close it here,
      // or its stream (and the broker's session) stays open for as long as this process lives.
      await session.close();
      this.checkRunning();
    }
    this.session = session;
    session.onKilled((pid) => this.markKilled(pid));
    // The broker ends a session's processes when its stream ends: a worker that did not close it
    // itself has nothing left to run (the broker restarted or went away).
    void session.ended.then(() => {
      if (!this.stopping) this.opts.onSessionLost();
    });
    const pids = await pool(o.processes, o.concurrency, async (i) => {
      this.checkRunning();
      const pid = await this.rpc('Spawn', () => session.spawn({ uid: o.uid, gid: o.gid, comm: `${o.name}-${i}` }));
      this.live.add(pid);
      this.progress.spawned++;
      this.metrics.processes.set(this.live.size);
      return pid;
    });
    let attachers = pids;
    if (o.role === 'donor') {
      this.creatorPid = pids[0];
      attachers = pids.slice(1);
      await this.createRegion(pids[0]);
      this.attached.add(pids[0]);
      this.progress.attached++;
    }
    this.patternPids.push(...attachers);
    if (attachers.length === 0) return;
    const region = await this.waitForRegion();
    this.window = region;
    await pool(attachers.length, o.concurrency, async (i) => {
      this.checkRunning();
      await this.rpc('Mshare', () => this.client.mshare(attachers[i], o.region, region.start, region.size, O_RDWR, 0));
      this.attached.add(attachers[i]);
      this.progress.attached++;
    });
  }

  /** Runs the pattern on every pattern process; resolves with the access counts. */
  async run(): Promise<AccessCounts> {
    if (this.patternPids.length === 0) return this.totals;
    const window = this.window;
    if (!window) throw new Error('run() before start()');
    const spanBytes = Math.min(this.opts.sgaBytes, Number(window.size));
    const firstPage = Number(window.start >> BigInt(PAGE_SHIFT));
    const pages = Math.ceil(spanBytes / PAGE_SIZE);
    switch (this.opts.pattern) {
      case 'sequential':
        await pool(this.patternPids.length, this.opts.concurrency, async (i) => {
          this.checkRunning();
          const pid = this.patternPids[i];
          let c;
          try {
            c = await this.rpc('Touch', () => this.client.touch(pid, window.start, BigInt(spanBytes), 'write'));
          } catch (err) {
            // The OOM killer chose this process during its own touch: not completed; the others go on.
            if (!isKilled(err)) throw err;
            this.markKilled(pid);
            return;
          }
          this.count(c, AccessCounts.total(c));
          // Its session may have heard of its kill (after the touch) before this answer came.
          if (this.killed.has(pid)) return;
          this.completed.add(pid);
          this.progress.done++;
        });
        break;
      case 'sparse':
        await this.sparse(firstPage, pages);
        break;
      case 'hotset':
        await this.hotset(firstPage, pages);
        break;
    }
    return this.totals;
  }

  /** A process the OOM killer ended: not completed, no longer live. */
  markKilled(pid: number): void {
    if (!this.live.delete(pid)) return;
    this.killed.add(pid);
    this.completed.delete(pid);
    this.metrics.processes.set(this.live.size);
  }

  /** Pattern processes that finished and are alive (as far as this worker has learnt). */
  get completedAlive(): number {
    return this.completed.size;
  }

  /** ProcStatus of every live process, summed: the creator apart from the pattern processes. */
  async usage(): Promise<WorkerUsage> {
    const out: WorkerUsage = { pattern: UsageFigures.zero(), creator: UsageFigures.zero() };
    const pids = this.pids;
    await pool(pids.length, this.opts.concurrency, async (i) => {
      let s;
      try {
        s = await this.rpc('ProcStatus', () => this.client.procStatus(pids[i]));
      } catch (err) {
        if (!isKilled(err)) throw err;
        this.markKilled(pids[i]); // killed by the OOM killer after it finished
        return;
      }
      UsageFigures.add(pids[i] === this.creatorPid ? out.creator : out.pattern, {
        processes: 1,
        pagetableBytes: s.vmpteBytes + s.pgdBytes,
        unsharedPagetableBytes: s.unsharedVmpteBytes + s.unsharedPgdBytes,
        minorFaults: s.minorFaults,
        unsharedMinorFaults: s.unsharedMinorFaults,
      });
    });
    return out;
  }

  /**
   * Every process drops its reference and exits (pattern processes first, the creator last),
   * then the session and the channel close. Idempotent; a running pattern stops at its next step.
   */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.sleepers]) wake();
    const order = [...this.live].filter((p) => p !== this.creatorPid);
    if (this.creatorPid !== undefined && this.live.has(this.creatorPid)) order.push(this.creatorPid);
    const leave = async (pid: number) => {
      // Only a process that attached holds a reference to drop; the others just exit.
      if (this.attached.has(pid)) {
        await this.rpc('MshareUnlink', () => this.client.mshareUnlink(pid, this.opts.region)).catch(ignoreKernelError);
        this.attached.delete(pid);
      }
      await this.rpc('Exit', () => this.client.exit(pid)).catch(ignoreKernelError);
      this.live.delete(pid);
      this.metrics.processes.set(this.live.size);
    };
    try {
      const others = order.filter((p) => p !== this.creatorPid);
      await pool(others.length, this.opts.concurrency, (i) => leave(others[i]));
      if (this.creatorPid !== undefined && this.live.has(this.creatorPid)) await leave(this.creatorPid);
    } finally {
      await this.session?.close();
      this.client.close();
    }
  }

  // ---- roles ---------------------------------------------------------------------------------

  private async createRegion(pid: number): Promise<void> {
    const o = this.opts;
    const window = windowFor(this.geometry as GeometryInfo, o.sgaBytes);
    await this.rpc('Mmap', () => this.client.mmap(pid, window.start, BigInt(o.sgaBytes), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED));
    const create = () => this.rpc('Mshare', () => this.client.mshare(pid, o.region, window.start, window.size, O_CREAT | O_EXCL | O_RDWR, 0o600));
    try {
      await create();
    } catch (err) {
      if (!(err instanceof KernelError && err.errno === 'EEXIST')) throw err;
      // A previous donor's region outlived it, held only by references of processes that are
      // gone (a client worker crashed: its processes exited without unlinking). Failing here
      // would make every restarted donor fail the same way, forever. As the owner, drop the
      // orphaned references; once the name is gone, create it afresh. A region live processes
      // still hold (another donor, live clients) stays theirs: EEXIST, as before.
      if (!(await this.reclaimOrphans(pid))) throw err;
      await create();
    }
    this.window = window;
  }

  /**
   * mshare_unlink by the owner, holding no reference, drops one orphaned reference at a time:
   * true once the name is gone (ENOENT), false when only live processes hold it (EBUSY). At most
   * as many unlinks as the region had references.
   */
  private async reclaimOrphans(pid: number): Promise<boolean> {
    const { refcount } = await this.rpc('ReadRegion', () => this.client.readRegion(this.opts.region));
    for (let i = 0; i <= refcount; i++) {
      try {
        await this.rpc('MshareUnlink', () => this.client.mshareUnlink(pid, this.opts.region));
      } catch (err) {
        if (err instanceof KernelError && err.errno === 'ENOENT') return true;
        if (err instanceof KernelError && err.errno === 'EBUSY') return false;
        throw err;
      }
    }
    return false;
  }

  /** msharefs read of the region, retrying ENOENT (not created yet) for attachTimeoutMs. */
  private async waitForRegion(): Promise<{ start: bigint; size: bigint }> {
    const deadline = Date.now() + this.opts.attachTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      this.checkRunning();
      try {
        const r = await this.rpc('ReadRegion', () => this.client.readRegion(this.opts.region));
        return { start: r.start, size: r.size };
      } catch (err) {
        if (!(err instanceof KernelError && err.errno === 'ENOENT') || Date.now() >= deadline) throw err;
      }
      await this.sleep(Math.min(ATTACH_RETRY_MS * 2 ** Math.min(attempt, 4), Math.max(1, deadline - Date.now())));
    }
  }

  // ---- patterns ------------------------------------------------------------------------------

  private async sparse(firstPage: number, pages: number): Promise<void> {
    const perProcess = Math.max(1, Math.round(this.opts.sparseFraction * pages));
    const rand = mulberry32(this.opts.seed);
    const stream = this.client.accessStream();
    const inflight = new Inflight(BATCHES_IN_FLIGHT);
    try {
      for (const pid of this.patternPids) {
        for (let sent = 0; sent < perProcess && !this.stopping; sent += BATCH_ADDRESSES) {
          const n = Math.min(BATCH_ADDRESSES, perProcess - sent);
          const addrs = packPages(n, () => firstPage + Math.floor(rand() * pages));
          await inflight.add(this.batch(stream, pid, addrs));
        }
        await inflight.drain();
        this.progress.done++;
      }
    } finally {
      await inflight.drain().catch(() => {});
      await stream.close();
    }
  }

  private async hotset(firstPage: number, pages: number): Promise<void> {
    const o = this.opts;
    const hot = Math.max(1, Math.min(pages, Math.round(o.hotsetFraction * pages)));
    const rank = zipfSampler(hot, 1, mulberry32(o.seed));
    // Rank r is page r * pages / hot: hot pages spread over the SGA, so they span many tables.
    const pageOf = (): number => firstPage + Math.floor((rank() * pages) / hot);
    const maxAccesses = o.hotsetAccesses > 0 ? o.hotsetAccesses : Number.POSITIVE_INFINITY;
    const t0 = Date.now();
    const endAt = t0 + o.durationS * 1000;
    const stream = this.client.accessStream();
    const inflight = new Inflight(BATCHES_IN_FLIGHT);
    let sent = 0;
    let next = 0;
    try {
      while (!this.stopping && sent < maxAccesses && Date.now() < endAt) {
        // Pace: `sent` may not run ahead of rate x elapsed by more than one batch.
        const ahead = sent - (o.hotsetRate * (Date.now() - t0)) / 1000;
        if (ahead > 0) {
          await this.sleep(Math.min((ahead * 1000) / o.hotsetRate, endAt - Date.now()));
          continue;
        }
        const n = Math.min(BATCH_ADDRESSES, maxAccesses - sent);
        const pid = this.patternPids[next++ % this.patternPids.length];
        await inflight.add(this.batch(stream, pid, packPages(n, pageOf)));
        sent += n;
      }
      await inflight.drain();
    } finally {
      await inflight.drain().catch(() => {});
      await stream.close();
    }
    this.progress.done = this.patternPids.length;
  }

  private async batch(stream: ReturnType<BrokerClient['accessStream']>, pid: number, addrs: Uint8Array): Promise<void> {
    const r = await this.rpc('AccessStream', () => stream.batch(pid, 'write', addrs));
    this.count(r, addrs.byteLength / 8);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private count(c: AccessCounts, n: number): void {
    AccessCounts.add(this.totals, c);
    this.progress.accesses += n;
    this.metrics.countAccesses(c);
  }

  private async rpc<T>(method: string, call: () => Promise<T>): Promise<T> {
    const done = this.metrics.time(method);
    const t0 = performance.now();
    try {
      const out = await call();
      this.onRpc?.({ method, ms: performance.now() - t0, code: 'OK' });
      return out;
    } catch (err) {
      this.onRpc?.({ method, ms: performance.now() - t0, ...outcomeOf(err) });
      throw err;
    } finally {
      done();
    }
  }

  private checkRunning(): void {
    if (this.stopping) throw new Error('worker stopped');
  }

  /** A sleep that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}

/** Runs fn(0..count-1) with at most `limit` in flight; results in index order. Fails fast. */
export async function pool<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < count) {
      const i = next++;
      try {
        out[i] = await fn(i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const lanes = Array.from({ length: Math.min(Math.max(1, limit), count) }, lane);
  await Promise.all(lanes);
  return out;
}

/** A window of pending promises: add() waits for the oldest when the window is full. */
class Inflight {
  private readonly pending: Promise<void>[] = [];
  constructor(private readonly limit: number) {}
  async add(p: Promise<void>): Promise<void> {
    p.catch(() => {}); // observed by drain() or the next add(); no unhandled rejection meanwhile
    this.pending.push(p);
    if (this.pending.length >= this.limit) await this.pending.shift();
  }
  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
  }
}

/** A failed call's gRPC status code name and errno. */
function outcomeOf(err: unknown): { code: string; errno?: string } {
  if (err instanceof KernelError) return { code: grpc.status[statusFromError(err).code], errno: err.errno };
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === 'number' && grpc.status[code] !== undefined ? grpc.status[code] : 'UNKNOWN' };
}

/** ESRCH from a call on a process this worker still thought live: the OOM killer ended it. */
function isKilled(err: unknown): boolean {
  return err instanceof KernelError && err.errno === 'ESRCH';
}

function ignoreKernelError(err: unknown): void {
  if (!(err instanceof KernelError)) throw err;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'metrics')) as Partial<T>;
}
