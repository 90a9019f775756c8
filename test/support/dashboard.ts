import { readFileSync } from 'node:fs';
import { repoPath } from './paths.js';

export const DASHBOARD_PATH = repoPath('deploy', 'grafana', 'dashboards', 'mshare.json');

export interface DashboardExpr {
  panel: string;
  refId: string;
  expr: string;
}

interface Panel {
  title?: string;
  type?: string;
  targets?: Array<{ refId?: string; expr?: string; hide?: boolean }>;
  panels?: Panel[];
}

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

/** Every PromQL expression of a dashboard (panels and nested rows), with its panel and refId. */
export function dashboardExprs(dashboard: { panels?: Panel[] } = loadDashboard()): DashboardExpr[] {
  const exprs: DashboardExpr[] = [];
  for (const p of allPanels(dashboard)) {
    for (const t of p.targets ?? []) {
      if (typeof t.expr === 'string' && t.expr.trim() !== '' && !t.hide) {
        exprs.push({ panel: p.title ?? '(untitled)', refId: t.refId ?? '?', expr: t.expr });
      }
    }
  }
  return exprs;
}

export function loadDashboard(file = DASHBOARD_PATH): { panels?: Panel[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as { panels?: Panel[] } & Record<string, unknown>;
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
