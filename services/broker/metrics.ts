/**
 * The broker's Prometheus metrics, on a registry of its own (never the global one), so every test
 * builds a fresh set. Names are the contract in docs/metrics-and-config.md.
 *
 * Values that describe state (page-table bytes, regions, processes, the kernel's access and fault
 * totals) are read at scrape time by collect() callbacks from one kernel snapshot per scrape: the
 * fault path does no metrics work. RPC and syscall series are recorded by the one handler adapter
 * in server.ts; messages received and sent: a unary call's one request and reply by that adapter
 * too (startRpc and its end), a stream's by the gRPC server interceptor `interceptor`.
 *
 * As go-grpc-prometheus's InitializeMetrics does, every series of every Broker method exists from
 * the start at 0 (started, received, sent, the handling histogram, and handled for each method x
 * every status code), so rate() and increase() see the first event, and dashboards show 0, not
 * "no data", for what has not happened.
 */
import { MEMORY_KINDS } from '../../shared/kernel/memory.js';
import * as grpc from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Kernel } from '../../shared/kernel/kernel.js';
import type { RegionInfo, SeedBaseline, SystemAccounting } from '../../shared/kernel/types.js';
import { BROKER_SERVICE_NAME, loadBrokerProto } from '../../shared/grpc/proto.js';
import { LATENCY_BUCKETS, createRegistry, type MetricsSource } from '../../shared/metrics.js';

export type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

export interface BrokerMetrics extends MetricsSource {
  readonly registry: Registry;
  /** Counts the messages of mshare.v1.Broker streams (grpc_server_msg_received/sent_total). */
  readonly interceptor: grpc.ServerInterceptor;
  /**
   * Starts an RPC's series; the returned function ends it with the status code. A unary call is
   * started once its request arrived (received) and sends its reply when it ends OK (sent).
   */
  startRpc(type: GrpcType, method: string): (code: grpc.status) => void;
  /** One simulated syscall; errno 'OK' on success. */
  syscall(name: string, errno: string): void;
  /** A call refused by a limit (its errno answered). */
  limitReached(limit: string): void;
  /** A call whose credentials named no principal (UNAUTHENTICATED). */
  authFailure(): void;
  /** The exposition text, all collect() callbacks reading one kernel snapshot. */
  scrape(): Promise<string>;
}

export interface MetricsSources {
  kernel: Kernel;
  baseline: SeedBaseline;
  sessions?: () => { open: number; closing: number };
  /** The configured limits by name (mshare_limit): each has a series of mshare_limit_reached_total. */
  limits?: Readonly<Record<string, number>>;
  /** Node process metrics (CPU, heap, event loop lag). Default true. */
  defaultMetrics?: boolean;
}

/** go-grpc-prometheus labels codes with Go's codes.Code.String(): stock dashboards expect those. */
const GO_CODE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [grpc.status.OK]: 'OK',
  [grpc.status.CANCELLED]: 'Canceled',
  [grpc.status.UNKNOWN]: 'Unknown',
  [grpc.status.INVALID_ARGUMENT]: 'InvalidArgument',
  [grpc.status.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [grpc.status.NOT_FOUND]: 'NotFound',
  [grpc.status.ALREADY_EXISTS]: 'AlreadyExists',
  [grpc.status.PERMISSION_DENIED]: 'PermissionDenied',
  [grpc.status.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [grpc.status.FAILED_PRECONDITION]: 'FailedPrecondition',
  [grpc.status.ABORTED]: 'Aborted',
  [grpc.status.OUT_OF_RANGE]: 'OutOfRange',
  [grpc.status.UNIMPLEMENTED]: 'Unimplemented',
  [grpc.status.INTERNAL]: 'Internal',
  [grpc.status.UNAVAILABLE]: 'Unavailable',
  [grpc.status.DATA_LOSS]: 'DataLoss',
  [grpc.status.UNAUTHENTICATED]: 'Unauthenticated',
});
export const grpcCodeLabel = (code: grpc.status): string => GO_CODE_NAMES[code] ?? `Code(${code})`;

/** Every status code's label, OK first: the codes go-grpc-prometheus pre-registers. */
export const GRPC_CODE_LABELS: readonly string[] = Object.freeze(
  Object.keys(GO_CODE_NAMES).map(Number).sort((a, b) => a - b).map(grpcCodeLabel),
);

export const grpcTypeOf = (m: { requestStream: boolean; responseStream: boolean }): GrpcType =>
  m.requestStream ? (m.responseStream ? 'bidi_stream' : 'client_stream') : m.responseStream ? 'server_stream' : 'unary';

/** Every method of mshare.v1.Broker with its grpc_type, from the proto. */
export function brokerMethods(): Array<{ method: string; type: GrpcType }> {
  const service = loadBrokerProto().proto.mshare.v1.Broker.service;
  return Object.entries(service).map(([method, def]) => ({ method, type: grpcTypeOf(def) }));
}

/**
 * A counter the hot path bumps as a plain number, one per label set, folded into the prom-client
 * Counter whenever it is read (its collect()): prom-client's inc() hashes the label object on every
 * call, about 1 us, three to six times per RPC or stream message. The exposition is the same.
 */
class Tallies<L extends string> {
  private readonly series = new Map<string, { labels: Partial<Record<L, string>>; n: number }>();
  readonly counter: Counter<L>;

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] }) {
    const series = this.series;
    this.counter = new Counter<L>({
      ...config,
      collect() {
        for (const s of series.values()) {
          if (s.n !== 0) { this.inc(s.labels, s.n); s.n = 0; }
        }
      },
    });
  }

  /** The tally of one label set (created at 0, so the series exists from then on): `.n++` counts. */
  of(labels: Partial<Record<L, string>>): { n: number } {
    const key = Object.values(labels).join('\0');
    let s = this.series.get(key);
    if (!s) {
      s = { labels, n: 0 };
      this.series.set(key, s);
      this.counter.inc(labels, 0);
    }
    return s;
  }
}

export function createMetrics(sources: MetricsSources): BrokerMetrics {
  const { kernel, baseline } = sources;
  const registry = createRegistry({ defaultMetrics: sources.defaultMetrics });
  const registers = [registry];

  // One snapshot per scrape; between scrapes (a direct registry.metrics()) read live values.
  let snapshot: { accounting: SystemAccounting; regions: RegionInfo[] } | undefined;
  let scrapes = 0;
  const accounting = () => snapshot?.accounting ?? kernel.accounting();
  const regions = () => snapshot?.regions ?? kernel.listRegions();

  const gauge = (name: string, help: string, read: (a: SystemAccounting) => number) =>
    new Gauge({ name, help, registers, collect() { this.set(read(accounting())); } });

  // The accounting series carry the broker's sharing scheme, so runs of several schemes compare.
  const schemed = (name: string, help: string, read: (a: SystemAccounting) => number) =>
    new Gauge({
      name, help, registers, labelNames: ['scheme'] as const,
      collect() {
        const a = accounting();
        this.set({ scheme: a.scheme ?? '' }, read(a));
      },
    });
  schemed('mshare_pagetable_bytes', 'Actual page-table bytes: private tables + host tables + PGDs (/proc/meminfo PageTables).', (a) => a.pagetableBytes);
  schemed('mshare_pagetable_unshared_bytes', 'Page-table bytes of the same touches with private 4 KiB tables everywhere.', (a) => a.unsharedPagetableBytes);
  schemed('mshare_pagetable_saved_bytes', 'Unshared minus actual page-table bytes.', (a) => a.savedBytes);
  schemed('mshare_pagetable_saved_ratio', 'Saved bytes / unshared bytes (0..1).', (a) => a.savedRatio);
  gauge('mshare_regions', 'Named regions in msharefs.', (a) => a.regions);
  gauge('mshare_processes', 'Live simulated processes.', (a) => a.processes);

  const baselineGauge = new Gauge({
    name: 'mshare_seed_baseline_bytes',
    help: "The RFC's closed-form baseline: clients x SGA / 4 KiB x 8 B (variant pte), with PMD and PUD tables (variant pte_pmd_pud).",
    labelNames: ['clients', 'sga_bytes', 'variant'] as const,
    registers,
  });
  const baseLabels = { clients: String(baseline.clients), sga_bytes: String(baseline.sgaBytes) };
  baselineGauge.set({ ...baseLabels, variant: 'pte' }, baseline.pteBytes);
  baselineGauge.set({ ...baseLabels, variant: 'pte_pmd_pud' }, baseline.pteWithUpperBytes);

  const regionGauge = (name: string, help: string, read: (r: RegionInfo) => number) =>
    new Gauge({
      name, help, labelNames: ['region'] as const, registers,
      collect() {
        this.reset(); // unlinked regions disappear
        for (const r of regions()) this.set({ region: r.name }, read(r));
      },
    });
  regionGauge('mshare_region_refcount', 'mshare() references held on the region.', (r) => r.refcount);
  regionGauge('mshare_region_mapped_processes', 'Live processes mapping the region.', (r) => r.mappedProcesses);
  regionGauge('mshare_region_pagetable_bytes', "Table bytes of the region's host mm.", (r) => r.pagetableBytes);

  // The kernel keeps the running totals; a counter's collect() copies them.
  new Counter({
    name: 'mshare_accesses_total', help: 'Simulated accesses by outcome.', labelNames: ['outcome'] as const, registers,
    collect() {
      const a = accounting().accesses;
      this.reset();
      this.inc({ outcome: 'present' }, a.present);
      this.inc({ outcome: 'minor_fault' }, a.minorFault);
      this.inc({ outcome: 'sigsegv' }, a.sigsegv);
      this.inc({ outcome: 'sigbus' }, a.sigbus);
    },
  });
  new Counter({
    name: 'mshare_minor_faults_total', help: 'Minor faults taken.', registers,
    collect() { this.reset(); this.inc(accounting().minorFaults); },
  });
  new Counter({
    name: 'mshare_unshared_minor_faults_total', help: 'Minor faults the unshared counterfactual takes.', registers,
    collect() { this.reset(); this.inc(accounting().unsharedMinorFaults); },
  });

  // Machine memory (shared/kernel/memory.ts) and the OOM killer.
  new Gauge({
    name: 'mshare_memory_bytes', help: 'Machine memory in use by kind: pagetables (PGDs included), shared (once), private, base, hugetlb.',
    labelNames: ['kind'] as const, registers,
    collect() {
      const byKind = kernel.memoryByKind();
      for (const kind of MEMORY_KINDS) this.set({ kind }, byKind[kind]);
    },
  });
  if (kernel.memory.limited) {
    new Gauge({
      name: 'mshare_machine_memory_bytes', help: "The simulated machine's memory (MSHARE_MACHINE_MEMORY); absent when unlimited.",
      registers, collect() { this.set(kernel.memory.limitBytes); },
    });
  }
  new Counter({
    name: 'mshare_oom_kills_total', help: 'Processes killed by the OOM killer.', registers,
    collect() { this.reset(); this.inc(kernel.oomEvents.length); },
  });
  new Gauge({
    name: 'mshare_oom_panicked', help: '1 once the machine panicked out of memory (no killable process): every allocation is then ENOMEM.',
    registers, collect() { this.set(kernel.panicked ? 1 : 0); },
  });

  if (sources.sessions) {
    const read = sources.sessions;
    new Gauge({
      name: 'mshare_sessions', help: 'Client sessions: open, or closing (stream ended, grace running).',
      labelNames: ['state'] as const, registers,
      collect() { const c = read(); this.set({ state: 'open' }, c.open); this.set({ state: 'closing' }, c.closing); },
    });
  }

  const limitGauge = new Gauge({
    name: 'mshare_limit', help: 'The configured limits (README, "Limits").', labelNames: ['limit'] as const, registers,
  });
  const limitReached = new Counter({
    name: 'mshare_limit_reached_total', help: 'Calls refused by a limit, by limit.', labelNames: ['limit'] as const, registers,
  });
  for (const [limit, value] of Object.entries(sources.limits ?? {})) {
    limitGauge.set({ limit }, value);
    limitReached.inc({ limit }, 0);
  }
  const authFailures = new Counter({
    name: 'mshare_auth_failures_total', help: 'Calls whose credentials named no principal (UNAUTHENTICATED).', registers,
  });

  const syscalls = new Tallies({
    name: 'mshare_syscalls_total', help: 'Simulated syscalls by call and errno (OK on success).',
    labelNames: ['syscall', 'errno'] as const, registers,
  });
  const started = new Tallies({
    name: 'grpc_server_started_total', help: 'RPCs started on the server.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const, registers,
  });
  const handled = new Tallies({
    name: 'grpc_server_handled_total', help: 'RPCs completed on the server, by status code.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'] as const, registers,
  });
  const seconds = new Histogram({
    name: 'grpc_server_handling_seconds', help: 'Time from an RPC start to its status, seconds.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const, buckets: [...LATENCY_BUCKETS], registers,
  });
  const received = new Tallies({
    name: 'grpc_server_msg_received_total', help: 'gRPC messages received on the server (requests, and each message of a stream).',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const, registers,
  });
  const sent = new Tallies({
    name: 'grpc_server_msg_sent_total', help: 'gRPC messages sent by the server (responses, and each message of a stream).',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const, registers,
  });

  /** Each method's series, found once per call (startRpc) or per stream (the interceptor). */
  interface MethodSeries {
    received: { n: number };
    sent: { n: number };
    started: { n: number };
    seconds: ReturnType<typeof seconds.labels>;
    handled: Map<grpc.status, { n: number }>;
    labels: { grpc_type: GrpcType; grpc_service: string; grpc_method: string };
  }
  /** The streaming methods' series by path: the interceptor's. */
  const byPath = new Map<string, MethodSeries>();
  const byTypeAndMethod = new Map<string, MethodSeries>();
  const seriesOf = (type: GrpcType, method: string): MethodSeries => {
    const key = `${type}/${method}`;
    let m = byTypeAndMethod.get(key);
    if (!m) {
      const labels = { grpc_type: type, grpc_service: BROKER_SERVICE_NAME, grpc_method: method };
      m = {
        labels, received: received.of(labels), sent: sent.of(labels), started: started.of(labels),
        seconds: seconds.labels(labels), handled: new Map(),
      };
      seconds.zero(labels);
      byTypeAndMethod.set(key, m);
    }
    return m;
  };
  const handledOf = (m: MethodSeries, code: grpc.status) => {
    let h = m.handled.get(code);
    if (!h) {
      h = handled.of({ ...m.labels, grpc_code: grpcCodeLabel(code) });
      m.handled.set(code, h);
    }
    return h;
  };
  for (const { method, type } of brokerMethods()) {
    const m = seriesOf(type, method);
    if (type !== 'unary') byPath.set(`/${BROKER_SERVICE_NAME}/${method}`, m);
    for (const grpc_code of GRPC_CODE_LABELS) handled.of({ ...m.labels, grpc_code });
  }

  const interceptor: grpc.ServerInterceptor = (descriptor, call) => {
    // Unary calls (startRpc counts their messages), health and reflection: no wrapper, which
    // would cost every unary call a layer of objects and calls (docs/grpc-transport.md).
    // (grpc-js chains what each interceptor returns through the interface alone, so the call it
    // was given stands for itself; the type names the class.)
    const m = byPath.get(descriptor.path);
    if (!m) return call as grpc.ServerInterceptingCall;
    const { received: r, sent: t } = m;
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({ onReceiveMessage(message, pass) { r.n++; pass(message); } });
      },
      sendMessage(message, pass) { t.n++; pass(message); },
    });
  };

  const syscallTallies = new Map<string, { n: number }>();
  return {
    registry,
    interceptor,
    startRpc(type, method) {
      const m = seriesOf(type, method);
      m.started.n++;
      const unary = type === 'unary';
      if (unary) m.received.n++;
      const t0 = performance.now();
      return (code) => {
        if (unary && code === grpc.status.OK) m.sent.n++;
        m.seconds.observe((performance.now() - t0) / 1e3);
        handledOf(m, code).n++;
      };
    },
    syscall(name, errno) {
      const key = `${name}\0${errno}`;
      let s = syscallTallies.get(key);
      if (!s) {
        s = syscalls.of({ syscall: name, errno });
        syscallTallies.set(key, s);
      }
      s.n++;
    },
    limitReached(limit) {
      limitReached.inc({ limit });
    },
    authFailure() {
      authFailures.inc();
    },
    async scrape() {
      if (scrapes++ === 0) snapshot = { accounting: kernel.accounting(), regions: kernel.listRegions() };
      try {
        return await registry.metrics();
      } finally {
        if (--scrapes === 0) snapshot = undefined;
      }
    },
  };
}
