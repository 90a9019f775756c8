import { readFileSync } from 'node:fs';
import { repoPath } from './paths.js';

export const DASHBOARD_PATH = repoPath('deploy', 'grafana', 'dashboards', 'mshare.json');

export interface DashboardExpr {
  panel: string;
  refId: string;
  /** The expression with the dashboard's variables replaced by their values: plain PromQL. */
  expr: string;
  /** The expression as the dashboard holds it ($job, $__rate_interval ...). */
  raw: string;
}

interface Panel {
  title?: string;
  type?: string;
  targets?: Array<{ refId?: string; expr?: string; hide?: boolean }>;
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
  datasource?: unknown;
  current?: { value?: string | string[] };
}

type Dashboard = { panels?: Panel[]; templating?: { list?: Variable[] } };

/** Every panel of a dashboard, rows' nested panels included (collapsed rows keep them there). */
export function allPanels(dashboard: { panels?: Panel[] }): Panel[] {
  const out: Panel[] = [];
  const walk = (panels: Panel[] | undefined): void => {
    for (const p of panels ?? []) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** The datasource's scrape interval Grafana is told (provisioning jsonData.timeInterval). */
export function provisionedScrapeInterval(): string {
  const text = readFileSync(repoPath('deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8');
  const m = /^\s*timeInterval:\s*(\S+)\s*$/m.exec(text);
  if (!m) throw new Error('no timeInterval in the Grafana datasource provisioning');
  return m[1]!;
}

/**
 * What Grafana substitutes for $__rate_interval on a range no wider than a few scrapes:
 * max($__interval + scrape interval, 4 x scrape interval) = 4 x the scrape interval.
 */
export function rateInterval(scrapeInterval = provisionedScrapeInterval()): string {
  const m = /^(\d+)(s|m)$/.exec(scrapeInterval);
  if (!m) throw new Error(`unsupported scrape interval ${scrapeInterval}`);
  return `${4 * Number(m[1])}${m[2]}`;
}

/**
 * The values Grafana would give the dashboard's variables when it opens: each variable's saved
 * current value, and $__rate_interval. `overrides` replace any of them.
 */
export function variableValues(dashboard: Dashboard = loadDashboard(), overrides: Record<string, string> = {}): Record<string, string> {
  const values: Record<string, string> = { __rate_interval: rateInterval() };
  for (const v of dashboard.templating?.list ?? []) {
    const current = v.current?.value;
    if (typeof current === 'string') values[v.name] = current;
  }
  return { ...values, ...overrides };
}

/** Replaces $name and ${name} by their values; an unknown variable throws, naming it. */
export function expandVariables(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = values[name];
    if (value === undefined) throw new Error(`unknown dashboard variable $${name} in ${expr}`);
    return value;
  });
}

/**
 * Every PromQL expression of a dashboard (panels and nested rows), with its panel and refId, its
 * variables expanded as Grafana would on opening it (variableValues).
 */
export function dashboardExprs(dashboard: Dashboard = loadDashboard(), values = variableValues(dashboard)): DashboardExpr[] {
  const exprs: DashboardExpr[] = [];
  for (const p of allPanels(dashboard)) {
    for (const t of p.targets ?? []) {
      if (typeof t.expr === 'string' && t.expr.trim() !== '' && !t.hide) {
        exprs.push({ panel: p.title ?? '(untitled)', refId: t.refId ?? '?', expr: expandVariables(t.expr, values), raw: t.expr });
      }
    }
  }
  return exprs;
}

/** One series selector of an expression: a metric name and its label matchers. */
export interface Selector {
  metric: string;
  matchers: Array<{ label: string; op: '=' | '!=' | '=~' | '!~'; value: string }>;
}

/** Every selector of the metrics metricNames() finds in `expr`, with its matchers. */
export function selectors(expr: string): Selector[] {
  const out: Selector[] = [];
  for (const metric of metricNames(expr)) {
    const re = new RegExp(`(?<![A-Za-z0-9_:])${metric}(?![A-Za-z0-9_:])\\s*(\\{[^}]*\\})?`, 'g');
    for (const m of expr.matchAll(re)) {
      const matchers: Selector['matchers'] = [];
      for (const mm of (m[1] ?? '').matchAll(/([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
        matchers.push({ label: mm[1]!, op: mm[2] as Selector['matchers'][number]['op'], value: mm[3]! });
      }
      out.push({ metric, matchers });
    }
  }
  return out;
}

export function loadDashboard(file = DASHBOARD_PATH): Dashboard & Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard & Record<string, unknown>;
}

const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset',
  'and', 'or', 'unless', 'inf', 'nan', 'atan2',
]);

/**
 * The metric names a PromQL expression selects: identifiers that are neither functions,
 * aggregation operators, keywords, label names (in {...}, by/without/on/ignoring (...)) nor
 * durations. Good enough for the expressions a dashboard holds; not a PromQL parser.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  const ident = /[A-Za-z_:][A-Za-z0-9_:]*/g;
  for (let m = ident.exec(stripped); m; m = ident.exec(stripped)) {
    const before = stripped[m.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // 1e3, 0.5
    const rest = stripped.slice(m.index + m[0].length);
    if (/^\s*\(/.test(rest)) continue; // function or aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Metric names in the tables of docs/metrics-and-config.md: each row's first column. */
export function documentedMetrics(markdown: string): Map<string, string> {
  const metrics = new Map<string, string>();
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*`?([a-z_:][a-z0-9_:]*)`?\s*\|\s*([a-z]+)\s*\|/.exec(line);
    if (m && m[1] !== 'name') metrics.set(m[1], m[2]);
  }
  return metrics;
}

/**
 * Names in `used` that are not documented. A histogram's _bucket, _sum and _count series count
 * as its documented name.
 */
export function undocumentedMetrics(used: Iterable<string>, documented: Map<string, string>): string[] {
  const missing: string[] = [];
  for (const name of used) {
    if (documented.has(name)) continue;
    const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
    if (base !== undefined && documented.get(base) === 'histogram') continue;
    missing.push(name);
  }
  return missing;
}
