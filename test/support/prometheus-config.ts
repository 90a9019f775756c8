import { parse, stringify } from 'yaml';

/** The scrape jobs of deploy/prometheus/prometheus.yml, by the service each one scrapes. */
export const JOBS = { broker: 'mshare-broker', worker: 'mshare-worker' } as const;

export type Targets = { broker: string | string[]; worker: string | string[] };

type ScrapeConfig = Record<string, unknown> & { job_name: string };
type PromConfig = Record<string, unknown> & {
  global?: Record<string, unknown>;
  scrape_configs?: ScrapeConfig[];
};

/** Prometheus durations as this project writes them (5s, 1m, 500ms), in milliseconds. */
export function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`unsupported Prometheus duration: ${d}`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/**
 * A copy of a Prometheus configuration with each job's service discovery replaced by static
 * targets, everything else kept: job names, metrics paths, relabelling, global settings.
 * With `scrapeInterval`, every scrape interval (global and per job) becomes that value and any
 * scrape timeout longer than it is shortened to it, as Prometheus requires timeout <= interval.
 */
export function substituteTargets(
  configText: string,
  targets: Targets,
  options: { scrapeInterval?: string } = {},
): string {
  const config = parse(configText) as PromConfig;
  const jobs = config.scrape_configs ?? [];
  const wanted = new Map<string, string[]>([
    [JOBS.broker, ([] as string[]).concat(targets.broker)],
    [JOBS.worker, ([] as string[]).concat(targets.worker)],
  ]);
  for (const name of wanted.keys()) {
    if (!jobs.some((j) => j.job_name === name)) throw new Error(`no scrape job named ${name} in the configuration`);
  }
  for (const job of jobs) {
    const list = wanted.get(job.job_name);
    if (!list) continue;
    for (const key of Object.keys(job)) {
      if (key === 'static_configs' || key.endsWith('_sd_configs')) delete job[key];
    }
    job.static_configs = [{ targets: list }];
  }
  const interval = options.scrapeInterval;
  if (interval !== undefined) {
    const limit = durationMs(interval);
    const retime = (section: Record<string, unknown>, always: boolean): void => {
      if (always || section.scrape_interval !== undefined) section.scrape_interval = interval;
      const timeout = section.scrape_timeout;
      if (typeof timeout === 'string' && durationMs(timeout) > limit) section.scrape_timeout = interval;
    };
    config.global ??= {};
    retime(config.global, true);
    for (const job of jobs) retime(job, false);
  }
  return stringify(config);
}
