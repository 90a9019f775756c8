/**
 * The load-test side of the report, as ghz and k6 give it: per phase the RPCs made and the access
 * rate requested and achieved; per method the client-side latency percentiles; the failed calls
 * by method and status code. A pure function of the samples the workers reported (Worker's
 * onRpc: one per call, an AccessStream batch counting as one call), so it is tested directly.
 *
 * Percentiles are nearest-rank over every sample (no histogram buckets): p-th of n sorted samples
 * is the ceil(p x n)-th. Streams: an AccessStream sample is one batch's round trip (sent to
 * answered), a Session sample the wait for the session id; neither is a unary call, so
 * `--max-p99-ms` leaves them out.
 */
import type { RpcSample } from '../worker/worker.js';

/** The run's phases, in order: spawn + attach; the pattern; reading the figures and stopping. */
export const PHASES = ['setup', 'pattern', 'teardown'] as const;
export type Phase = (typeof PHASES)[number];

/** Methods whose samples are not unary calls. */
export const STREAM_METHODS: ReadonlySet<string> = new Set(['AccessStream', 'Session']);

export interface PhasedSample extends RpcSample {
  phase: Phase;
}

export interface PhaseFigures {
  phase: Phase;
  seconds: number;
  /** RPCs the workers made in the phase (an AccessStream batch counts as one). */
  rpcs: number;
  accesses: number;
  /** What the pattern asked for (hotset: rate x client workers); null: as fast as it goes. */
  requested_access_rate_per_s: number | null;
  achieved_access_rate_per_s: number;
}

export interface LatencyFigures {
  /** 'unary', or 'stream' (AccessStream: per batch; Session: until its id arrived). */
  type: 'unary' | 'stream';
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ErrorFigures {
  method: string;
  /** gRPC status code name. */
  code: string;
  /** The errno the broker gave, if any. */
  errno?: string;
  count: number;
}

export interface LoadFigures {
  phases: PhaseFigures[];
  /** achieved / requested access rate of the pattern phase; null when the pattern is not rate-limited. */
  rate_ratio: number | null;
  /** Per method, ms, client-side. */
  rpc_latency_ms: Record<string, LatencyFigures>;
  rpc_errors: ErrorFigures[];
  warnings: string[];
}

export interface LoadInputs {
  /** Accesses per second the pattern asked for in all; null when it is not rate-limited. */
  requestedRatePerS: number | null;
  samples: readonly PhasedSample[];
}

/** The nearest-rank q-quantile (0 < q <= 1) of ascending `sorted`; 0 when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];
}

const ms = (x: number) => Math.round(x * 1000) / 1000;
const rate = (n: number) => Math.round(n).toLocaleString('en-US');

/** The achieved rate falls short when below this share of the requested. */
export const RATE_WARNING_RATIO = 0.9;

export function loadFigures(i: LoadInputs, seconds: Record<Phase, number>, patternAccesses: number): LoadFigures {
  const phases = PHASES.map((phase): PhaseFigures => {
    const accesses = phase === 'pattern' ? patternAccesses : 0;
    const s = seconds[phase];
    return {
      phase,
      seconds: s,
      rpcs: i.samples.filter((x) => x.phase === phase).length,
      accesses,
      requested_access_rate_per_s: phase === 'pattern' ? i.requestedRatePerS : null,
      achieved_access_rate_per_s: s > 0 ? accesses / s : 0,
    };
  });
  const byMethod = new Map<string, number[]>();
  const errors = new Map<string, ErrorFigures>();
  for (const x of i.samples) {
    let list = byMethod.get(x.method);
    if (!list) byMethod.set(x.method, (list = []));
    list.push(x.ms);
    if (x.code === 'OK') continue;
    const key = `${x.method} ${x.code} ${x.errno ?? ''}`;
    const e = errors.get(key) ?? { method: x.method, code: x.code, ...(x.errno !== undefined ? { errno: x.errno } : {}), count: 0 };
    e.count++;
    errors.set(key, e);
  }
  const rpc_latency_ms: Record<string, LatencyFigures> = {};
  for (const [method, list] of [...byMethod].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = Float64Array.from(list).sort();
    const arr = Array.from(sorted);
    rpc_latency_ms[method] = {
      type: STREAM_METHODS.has(method) ? 'stream' : 'unary',
      count: arr.length,
      p50: ms(percentile(arr, 0.5)),
      p90: ms(percentile(arr, 0.9)),
      p99: ms(percentile(arr, 0.99)),
      max: ms(arr[arr.length - 1]),
    };
  }
  const pattern = phases[1];
  const requested = pattern.requested_access_rate_per_s;
  const ratio = requested !== null && requested > 0 ? pattern.achieved_access_rate_per_s / requested : null;
  const warnings: string[] = [];
  if (ratio !== null && ratio < RATE_WARNING_RATIO) {
    warnings.push(`WARNING: achieved ${rate(pattern.achieved_access_rate_per_s)} accesses/s, ${(ratio * 100).toFixed(1)}% of the requested ${rate(requested as number)}/s (below ${RATE_WARNING_RATIO * 100}%)`);
  }
  return {
    phases,
    rate_ratio: ratio,
    rpc_latency_ms,
    rpc_errors: [...errors.values()].sort((a, b) => b.count - a.count || a.method.localeCompare(b.method)),
    warnings,
  };
}
