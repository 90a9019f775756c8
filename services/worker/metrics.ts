/**
 * The worker's Prometheus metrics, on a registry of its own (never the global one), so a test or
 * the load test's in-process workers each build a fresh set. Names: docs/metrics-and-config.md.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { OUTCOME_NAMES, type OutcomeName } from '../../shared/kernel/uapi.js';
import { LATENCY_BUCKETS, createRegistry, type MetricsSource } from '../../shared/metrics.js';

export interface WorkerMetrics extends MetricsSource {
  readonly registry: Registry;
  /** Client-side latency of one RPC (for AccessStream: one batch's round trip). */
  readonly rpcDuration: Histogram<'method'>;
  readonly accesses: Counter<'outcome'>;
  readonly processes: Gauge;
  /** Starts timing `method`; the returned function records the elapsed seconds. */
  time(method: string): () => void;
  /** Adds a reply's counts to mshare_worker_accesses_total. */
  countAccesses(counts: { present: number; minorFault: number; sigsegv: number; sigbus: number }): void;
  scrape(): Promise<string>;
}

export function createWorkerMetrics(options: { defaultMetrics?: boolean } = {}): WorkerMetrics {
  const registry = createRegistry(options);
  const registers = [registry];
  const rpcDuration = new Histogram({
    name: 'mshare_worker_rpc_duration_seconds',
    help: 'Client-side duration of broker RPCs (AccessStream: per batch round trip).',
    labelNames: ['method'] as const,
    buckets: [...LATENCY_BUCKETS], // the broker's: both sides of an RPC compare bucket for bucket
    registers,
  });
  const accesses = new Counter({
    name: 'mshare_worker_accesses_total',
    help: 'Accesses this worker made, by the outcome the broker answered.',
    labelNames: ['outcome'] as const,
    registers,
  });
  // Every outcome series exists from the start at 0, so rate() has data before the first fault.
  for (const outcome of OUTCOME_NAMES) accesses.inc({ outcome }, 0);
  const processes = new Gauge({
    name: 'mshare_worker_processes',
    help: 'Live simulated processes this worker hosts.',
    registers,
  });
  const add = (outcome: OutcomeName, n: number) => {
    if (n > 0) accesses.inc({ outcome }, n);
  };
  return {
    registry,
    rpcDuration,
    accesses,
    processes,
    time(method) {
      return rpcDuration.startTimer({ method }) as () => void;
    },
    countAccesses(c) {
      add('present', c.present);
      add('minor_fault', c.minorFault);
      add('sigsegv', c.sigsegv);
      add('sigbus', c.sigbus);
    },
    scrape: () => registry.metrics(),
  };
}
