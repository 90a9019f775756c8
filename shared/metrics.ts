/**
 * What the broker's and the worker's Prometheus metrics share: a registry of their own (never
 * prom-client's global one), Node's process metrics without the ones `promtool check metrics`
 * rejects, and the latency buckets of every RPC histogram.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * prom-client's gauges named like counters ("non-counter metrics should not have _total suffix"):
 * each is the sum over `type` of the gauge of the same name without _total
 * (nodejs_active_handles{type} and so on), so dropping them loses nothing.
 */
export const DROPPED_DEFAULT_METRICS = Object.freeze([
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]);

/** Simulated calls take microseconds, a Touch over 300 GiB tens of ms: finer low buckets than prom-client's. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** A fresh registry; with defaultMetrics, Node's process metrics less DROPPED_DEFAULT_METRICS. */
export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  return registry;
}

/** What serves /metrics: the exposition text and its content type. */
export interface MetricsSource {
  readonly registry: Registry;
  scrape(): Promise<string>;
}
