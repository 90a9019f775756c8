/**
 * The load test's report as one self-contained HTML page: renderHtmlReport(report, options) ->
 * string. A pure function of the JSON report (what `--json` prints): no I/O, no clock, no
 * randomness; the same input gives the same bytes.
 *
 * Self-contained: inline CSS, charts as inline SVG rendered here by Apache ECharts' server-side
 * SVG renderer (no DOM, no browser), no script, no external URL of any kind. Every string taken
 * from the report is escaped (the page's own text through escapeHtml, the charts' text by the
 * SVG renderer, which escapes its text content and attributes).
 *
 * Charts:
 *   1. page-table bytes per scheme on a log axis, against the seed baseline (the RFC's
 *      clients x SGA / 4 KiB x 8 B);
 *   2. minor faults per scheme (log axis);
 *   3. the capacity curve: page-table bytes of n clients, F + n x c per scheme (from the
 *      capacity figures), against the room beside the SGA and the machine's memory, log-log;
 *   4. memory use, live clients and OOM kills over the run, only when the report carries a
 *      `timeline`.
 * Then a table of every key of the JSON, flattened to dotted paths.
 *
 * Schemes: a report may carry `schemes: [{scheme, pagetable_bytes, minor_faults?, capacity?}]`
 * (a planned `--compare` mode); each renders one bar (and one capacity curve when it has
 * capacity figures). Without it, today's single-run report gives two: "with sharing" (the run)
 * and "without sharing" (its counterfactual), or one when the run had sharing off.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, MarkPointComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { formatBytes, formatCount } from '../../shared/units.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, MarkLineComponent, MarkPointComponent, TitleComponent, SVGRenderer]);

/** Page-table figures of one sharing scheme (a `--compare` run has one per scheme). */
export interface SchemeFigures {
  /** The scheme's name as shown: "mshare (PGD link)", "ptshare (PMD link)", "no sharing" ... */
  scheme: string;
  /** Page-table bytes of the run's processes and regions under this scheme. */
  pagetable_bytes: number;
  /** Minor faults under this scheme. */
  minor_faults?: number;
  /** This scheme's capacity figures (as the report's `capacity.with_sharing`): draws its curve. */
  capacity?: { fixed_bytes: number; per_client_bytes: number; clients?: number };
}

/** One sample of a run over time (a planned OOM mode). */
export interface TimelinePoint {
  /** Seconds since the run started. */
  t_s: number;
  /** Client processes alive at t_s. */
  clients: number;
  /** Page-table bytes in use at t_s. */
  pagetable_bytes: number;
  /** OOM kills so far (cumulative) at t_s. */
  kills: number;
}

export interface CapacityFigures {
  fixed_bytes: number;
  per_client_bytes: number;
  clients: number;
  fits: boolean;
}

export interface Verdict {
  name: string;
  field: string;
  op: string;
  limit: number;
  value: number;
  pass: boolean;
}

/**
 * The JSON report (`npm start -- --json`) as this page reads it. Only the keys the header and
 * the charts need are required; every key present, known here or not, is listed in the table.
 */
export interface HtmlReportInput {
  clients: number;
  sga_bytes: number;
  pagetable_bytes: number;
  unshared_pagetable_bytes: number;
  saved_bytes: number;
  saved_ratio: number;
  baseline_pte_bytes: number;
  baseline_pte_pmd_pud_bytes?: number;
  minor_faults: number;
  unshared_minor_faults: number;
  capacity: {
    machine_memory_bytes: number;
    available_bytes: number;
    with_sharing: CapacityFigures;
    without_sharing: CapacityFigures;
  };
  workers?: number;
  processes?: number;
  pattern?: string;
  geometry?: string;
  sharing?: boolean;
  broker?: string;
  region?: string;
  host_pagetable_bytes?: number;
  wall_seconds?: number;
  thresholds?: Verdict[];
  passed?: boolean;
  /** One entry per scheme (planned `--compare`); absent: with vs without sharing of this run. */
  schemes?: SchemeFigures[];
  /** Samples over the run (planned OOM mode); absent: no timeline chart. */
  timeline?: TimelinePoint[];
}

export interface HtmlReportOptions {
  /** The page's title and heading; default "mshare load test report". */
  title?: string;
  /** Shown under the heading as given (the caller's clock: this function reads none). */
  generatedAt?: string;
  /** The command line that produced the report, shown under the heading. */
  command?: string;
  /** Chart width in CSS pixels (default 1100); the charts scale down with the page. */
  chartWidth?: number;
}

/** The colours the charts draw with (fixed, so a screenshot can be checked for them). */
export const REPORT_COLOURS = Object.freeze({
  /** Scheme i takes schemes[i % length]: "with sharing" the first, "without sharing" the second. */
  schemes: Object.freeze(['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777']),
  baseline: '#6b7280',
  /** The room for page tables beside the SGA (machine - SGA). */
  room: '#d97706',
  machine: '#374151',
  timelineMemory: '#2563eb',
  timelineClients: '#16a34a',
  timelineKills: '#dc2626',
});

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

interface Scheme {
  name: string;
  colour: string;
  pagetableBytes: number;
  minorFaults?: number;
  capacity?: { fixed: number; perClient: number; clients?: number };
}

/** The schemes the charts draw: the report's `schemes`, or this run with and without sharing. */
export function reportSchemes(r: HtmlReportInput): Scheme[] {
  const colour = (i: number) => REPORT_COLOURS.schemes[i % REPORT_COLOURS.schemes.length]!;
  if (Array.isArray(r.schemes) && r.schemes.length > 0) {
    return r.schemes.map((s, i) => ({
      name: String(s.scheme),
      colour: colour(i),
      pagetableBytes: s.pagetable_bytes,
      minorFaults: s.minor_faults,
      capacity: s.capacity ? { fixed: s.capacity.fixed_bytes, perClient: s.capacity.per_client_bytes, clients: s.capacity.clients } : undefined,
    }));
  }
  const c = r.capacity;
  const without: Scheme = {
    name: 'without sharing',
    colour: colour(1),
    pagetableBytes: r.unshared_pagetable_bytes,
    minorFaults: r.unshared_minor_faults,
    capacity: { fixed: c.without_sharing.fixed_bytes, perClient: c.without_sharing.per_client_bytes, clients: c.without_sharing.clients },
  };
  // A run with sharing off has no "with sharing" side: its tables are the counterfactual's.
  if (r.sharing === false) return [without];
  return [
    {
      name: 'with sharing',
      colour: colour(0),
      pagetableBytes: r.pagetable_bytes,
      minorFaults: r.minor_faults,
      capacity: { fixed: c.with_sharing.fixed_bytes, perClient: c.with_sharing.per_client_bytes, clients: c.with_sharing.clients },
    },
    without,
  ];
}

// ---------------------------------------------------------------------------------------------
// Charts

// Liberation Sans has Arial's (Helvetica's) metrics, which the SVG renderer assumes when it lays
// out text without a canvas to measure it: labels then fit where it placed them.
const FONT = 'Liberation Sans, Arial, Helvetica, sans-serif';
const TEXT = '#1f2937';
const MUTED = '#6b7280';

/** A log axis cannot show 0 or less: such a value is drawn as no bar (its figure stays in the text). */
const onLog = (v: number | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);

/** Bytes as axis labels: exact powers of 1024 without a decimal ("1 GiB"). */
function bytesTick(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  const e = Math.round(Math.log(v) / Math.log(1024));
  if (e >= 0 && e < units.length && Math.abs(v - 1024 ** e) < 1e-6 * v) return `1 ${units[e]}`;
  return formatBytes(v);
}

/** Counts as axis labels: 1, 10, 1k, 1M, 1G ... */
function countTick(v: number): string {
  if (v >= 1e18) return v.toExponential(0).replace('+', '');
  for (const [d, s] of [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (v >= d) return `${+(v / d).toPrecision(3)}${s}`;
  }
  return `${+v.toPrecision(3)}`;
}

/** A linear bytes axis from 0 in steps of 1, 2, 2.5 or 5 x 10^k binary units (5 to 8 steps). */
export function bytesAxis(top: number): { min: number; max: number; interval: number } {
  if (!(top > 0)) return { min: 0, max: 1024, interval: 256 };
  const unit = 1024 ** Math.max(0, Math.floor(Math.log(top) / Math.log(1024) + 1e-9));
  const inUnits = top / unit;
  const steps = [1, 2, 2.5, 5].flatMap((m) => [0.001, 0.01, 0.1, 1, 10, 100, 1000].map((p) => m * p)).sort((x, y) => x - y);
  const step = (steps.find((s) => inUnits / s <= 8) ?? 1000) * unit;
  return { min: 0, max: Math.ceil(top / step - 1e-9) * step, interval: step };
}

/** A log axis's range: whole powers of `base` around the positive values (at least one power apart). */
function logRange(values: Array<number | null | undefined>, base: number): { min: number; max: number } | undefined {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0);
  if (v.length === 0) return undefined;
  const lo = Math.floor(Math.log(Math.min(...v)) / Math.log(base) + 1e-9);
  let hi = Math.ceil(Math.log(Math.max(...v)) / Math.log(base) - 1e-9);
  if (hi <= lo) hi = lo + 1;
  return { min: base ** lo, max: base ** hi };
}

type Option = echarts.EChartsCoreOption;

/** Renders one chart to an SVG string (server-side, no DOM). */
function renderChart(option: Option, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT, color: TEXT }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function title(text: string, subtext?: string): Option['title'] {
  return {
    text, subtext, left: 8, top: 4,
    textStyle: { fontSize: 15, fontWeight: 'bold', color: TEXT, fontFamily: FONT },
    subtextStyle: { fontSize: 12, color: MUTED, fontFamily: FONT },
  };
}

const axisName = (name: string) => ({ name, nameLocation: 'middle' as const, nameTextStyle: { color: MUTED, fontSize: 12 } });

/** Chart 1: page-table bytes per scheme, log axis, with the seed baseline as a bar and a line. */
function pagetableChart(r: HtmlReportInput, schemes: Scheme[], width: number): string {
  const rows = [
    ...schemes.map((s) => ({ name: s.name, value: onLog(s.pagetableBytes), colour: s.colour, raw: s.pagetableBytes })),
    { name: 'seed baseline (RFC, PTEs only)', value: onLog(r.baseline_pte_bytes), colour: REPORT_COLOURS.baseline, raw: r.baseline_pte_bytes },
  ];
  const height = 110 + rows.length * 56;
  const range = logRange(rows.map((x) => x.value), 1024);
  return renderChart({
    title: title('Page-table memory per scheme (log scale)',
      `${formatCount(r.clients)} clients x ${formatBytes(r.sga_bytes)} SGA; seed baseline = clients x SGA / 4 KiB x 8 B`),
    grid: { left: 230, right: 130, top: 70, bottom: 44 },
    xAxis: {
      type: 'log', logBase: 1024, ...range, ...axisName('page-table bytes (PTE + PMD + PUD + PGD pages)'), nameGap: 26,
      axisLabel: { formatter: bytesTick, color: MUTED },
      splitLine: { lineStyle: { color: '#e5e7eb' } },
    },
    yAxis: {
      type: 'category', inverse: true, data: rows.map((x) => x.name),
      axisLabel: { color: TEXT, fontSize: 13, width: 215, overflow: 'truncate' }, axisTick: { show: false },
    },
    series: [{
      type: 'bar', name: 'page-table bytes', barWidth: 30,
      data: rows.map((x) => ({ value: x.value, itemStyle: { color: x.colour } })),
      label: {
        show: true, position: 'right', color: TEXT, fontSize: 12,
        formatter: (p: { dataIndex: number }) => formatBytes(rows[p.dataIndex]!.raw),
      },
      markLine: onLog(r.baseline_pte_bytes) === null ? undefined : {
        symbol: 'none', silent: true,
        lineStyle: { color: REPORT_COLOURS.baseline, type: 'dashed', width: 1.5 },
        // The category axis is inverted: the line's start is at the top.
        label: { formatter: `seed baseline ${formatBytes(r.baseline_pte_bytes)}`, color: MUTED, position: 'start' },
        data: [{ xAxis: r.baseline_pte_bytes }],
      },
    }],
  }, width, height);
}

/** Chart 2: minor faults per scheme, log axis. */
function faultsChart(schemes: Scheme[], width: number): string | undefined {
  const rows = schemes.filter((s) => typeof s.minorFaults === 'number');
  if (rows.length === 0) return undefined;
  const height = 100 + rows.length * 56;
  const range = logRange(rows.map((s) => onLog(s.minorFaults)), 10);
  return renderChart({
    title: title('Minor faults per scheme (log scale)', 'with sharing the first client to touch a page populates the shared table; without, every client faults on every page'),
    grid: { left: 230, right: 130, top: 70, bottom: 44 },
    xAxis: {
      type: 'log', ...range, ...axisName('minor faults'), nameGap: 26,
      axisLabel: { formatter: countTick, color: MUTED }, splitLine: { lineStyle: { color: '#e5e7eb' } },
    },
    yAxis: {
      type: 'category', inverse: true, data: rows.map((s) => s.name),
      axisLabel: { color: TEXT, fontSize: 13, width: 215, overflow: 'truncate' }, axisTick: { show: false },
    },
    series: [{
      type: 'bar', name: 'minor faults', barWidth: 30,
      data: rows.map((s) => ({ value: onLog(s.minorFaults), itemStyle: { color: s.colour } })),
      label: { show: true, position: 'right', color: TEXT, fontSize: 12, formatter: (p: { dataIndex: number }) => formatCount(rows[p.dataIndex]!.minorFaults!) },
    }],
  }, width, height);
}

/** The clients axis of the capacity chart: 1 to a power of ten past every capacity and the run. */
function capacityRange(r: HtmlReportInput, schemes: Scheme[]): number {
  const marks = [r.clients, ...schemes.map((s) => s.capacity?.clients ?? 0)].filter((n) => Number.isFinite(n) && n > 0 && n < 1e15);
  const top = Math.max(10, ...marks) * 3;
  return 10 ** Math.ceil(Math.log10(top));
}

/** Chart 3: page-table bytes against clients (F + n x c per scheme), the room and the machine. */
function capacityChart(r: HtmlReportInput, schemes: Scheme[], width: number): string | undefined {
  const curves = schemes.filter((s) => s.capacity && Number.isFinite(s.capacity.fixed) && Number.isFinite(s.capacity.perClient));
  if (curves.length === 0) return undefined;
  const c = r.capacity;
  const xMax = capacityRange(r, schemes);
  const steps = 160;
  const xs = Array.from({ length: steps + 1 }, (_, i) => 10 ** ((Math.log10(xMax) * i) / steps));
  const bytesAt = (s: Scheme, n: number) => s.capacity!.fixed + n * s.capacity!.perClient;
  const series: Option[] = curves.map((s) => {
    const cap = s.capacity!.clients;
    const capPoint = typeof cap === 'number' && cap > 0 && cap <= xMax;
    return {
      type: 'line', name: s.name, showSymbol: false, lineStyle: { width: 3, color: s.colour }, itemStyle: { color: s.colour },
      data: xs.map((n) => [n, onLog(bytesAt(s, n))]),
      markPoint: capPoint ? {
        symbol: 'circle', symbolSize: 9, itemStyle: { color: s.colour },
        label: { position: 'top', distance: 8, color: s.colour, fontWeight: 'bold', formatter: `${formatCount(cap)} clients` },
        data: [{ coord: [cap, bytesAt(s, cap)] }],
      } : undefined,
    };
  });
  const roomName = `room for page tables: ${formatBytes(c.machine_memory_bytes)} machine - ${formatBytes(r.sga_bytes)} SGA`;
  const machineName = `machine memory ${formatBytes(c.machine_memory_bytes)}`;
  // The machine line first, so that the room line, which it nearly meets when the SGA is small,
  // is drawn over it.
  series.push({
    type: 'line', name: machineName,
    showSymbol: false, lineStyle: { width: 1.5, type: 'dashed', color: REPORT_COLOURS.machine }, itemStyle: { color: REPORT_COLOURS.machine },
    data: [[1, onLog(c.machine_memory_bytes)], [xMax, onLog(c.machine_memory_bytes)]],
  });
  series.push({
    type: 'line', name: roomName,
    showSymbol: false, lineStyle: { width: 2.5, color: REPORT_COLOURS.room }, itemStyle: { color: REPORT_COLOURS.room },
    data: [[1, onLog(c.available_bytes)], [xMax, onLog(c.available_bytes)]],
    markLine: {
      symbol: 'none', silent: true, lineStyle: { color: MUTED, type: 'dotted', width: 1.5 },
      label: { formatter: `this run: ${formatCount(r.clients)} clients`, color: MUTED, position: 'end' },
      data: [{ xAxis: r.clients }],
    },
  });
  return renderChart({
    title: title('Capacity: page-table bytes against clients (log-log)',
      'F + n x c per scheme, from the capacity figures; a scheme fits while its curve stays under the room beside the SGA'),
    legend: { data: [...curves.map((x) => x.name), roomName, machineName], top: 50, left: 90, orient: 'vertical', itemGap: 6, itemWidth: 28, textStyle: { color: TEXT, fontSize: 12 } },
    grid: { left: 90, right: 40, top: 60 + 20 * (curves.length + 2) + 24, bottom: 56 },
    xAxis: {
      type: 'log', min: 1, max: xMax, ...axisName('clients'), nameGap: 30,
      axisLabel: { formatter: countTick, color: MUTED }, splitLine: { lineStyle: { color: '#e5e7eb' } },
    },
    yAxis: {
      type: 'log', logBase: 1024, ...axisName('page-table bytes'), nameGap: 62,
      axisLabel: { formatter: bytesTick, color: MUTED }, splitLine: { lineStyle: { color: '#e5e7eb' } },
    },
    series,
  }, width, 400 + 20 * (curves.length + 2));
}

/** Chart 4: memory use, live clients and OOM kills over the run (only with a timeline). */
function timelineChart(r: HtmlReportInput, width: number): string | undefined {
  const t = Array.isArray(r.timeline) ? r.timeline.filter((p) => p && Number.isFinite(p.t_s)) : [];
  if (t.length === 0) return undefined;
  const kills = t.reduce((m, p) => Math.max(m, p.kills ?? 0), 0);
  const memory = bytesAxis(Math.max(r.capacity.available_bytes, ...t.map((p) => p.pagetable_bytes)) * 1.05);
  return renderChart({
    title: title('Memory use and OOM kills over the run',
      `page-table bytes in use (left), live clients and OOM kills so far (right); ${formatCount(kills)} OOM kill${kills === 1 ? '' : 's'} in all`),
    legend: { top: 52, left: 90, itemGap: 24, itemWidth: 28, textStyle: { color: TEXT, fontSize: 12 } },
    grid: { left: 90, right: 80, top: 100, bottom: 56 },
    xAxis: { type: 'value', ...axisName('seconds since the start'), nameGap: 30, axisLabel: { color: MUTED }, splitLine: { show: false } },
    yAxis: [
      { type: 'value', ...axisName('page-table bytes'), nameGap: 68, ...memory, axisLabel: { formatter: (v: number) => formatBytes(v), color: MUTED }, splitLine: { lineStyle: { color: '#e5e7eb' } } },
      { type: 'value', ...axisName('clients, kills'), nameGap: 52, min: 0, axisLabel: { formatter: countTick, color: MUTED }, splitLine: { show: false } },
    ],
    series: [
      {
        type: 'line', name: 'page-table bytes', showSymbol: false, yAxisIndex: 0,
        lineStyle: { width: 3, color: REPORT_COLOURS.timelineMemory }, itemStyle: { color: REPORT_COLOURS.timelineMemory },
        areaStyle: { color: REPORT_COLOURS.timelineMemory, opacity: 0.12 },
        data: t.map((p) => [p.t_s, p.pagetable_bytes]),
        markLine: {
          symbol: 'none', silent: true, lineStyle: { color: REPORT_COLOURS.room, type: 'dashed', width: 2 },
          label: { formatter: `room beside the SGA ${formatBytes(r.capacity.available_bytes)}`, color: REPORT_COLOURS.room, position: 'insideEndTop' },
          data: [{ yAxis: r.capacity.available_bytes }],
        },
      },
      {
        type: 'line', name: 'live clients', showSymbol: false, yAxisIndex: 1,
        lineStyle: { width: 2.5, color: REPORT_COLOURS.timelineClients }, itemStyle: { color: REPORT_COLOURS.timelineClients },
        data: t.map((p) => [p.t_s, p.clients]),
      },
      {
        type: 'line', name: 'OOM kills so far', step: 'end', showSymbol: false, yAxisIndex: 1,
        lineStyle: { width: 2.5, color: REPORT_COLOURS.timelineKills }, itemStyle: { color: REPORT_COLOURS.timelineKills },
        data: t.map((p) => [p.t_s, p.kills]),
      },
    ],
  }, width, 420);
}

// ---------------------------------------------------------------------------------------------
// Text

const pct = (ratio: number) => `${(ratio * 100).toFixed(2)}%`;

/** The report's keys flattened to dotted paths (arrays by index), in the report's order. */
export function flattenReport(value: unknown, prefix = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.push([prefix, '[]']);
    else if (value.length > 50) {
      const keys = [...new Set(value.flatMap((v) => (v && typeof v === 'object' ? Object.keys(v) : [])))];
      out.push([prefix, `${value.length} entries${keys.length ? ` of {${keys.join(', ')}}` : ''}`]);
    } else value.forEach((v, i) => flattenReport(v, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) out.push([prefix, '{}']);
    for (const [k, v] of entries) flattenReport(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push([prefix, value]);
  }
  return out;
}

/** How a value reads, by its key: bytes, ratios, seconds, counts. */
function readsAs(key: string, value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '';
  const leaf = key.replace(/^.*[.\]]/, '');
  if (/bytes$/.test(leaf)) return formatBytes(value);
  if (/ratio$/.test(leaf)) return pct(value);
  if (/(seconds|_s)$/.test(leaf)) return `${value.toFixed(3)} s`;
  if (Number.isInteger(value) && Math.abs(value) >= 1000) return formatCount(value);
  return '';
}

function keyTable(r: HtmlReportInput): string {
  const rows = flattenReport(r).map(([k, v]) => {
    const shown = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
    return `<tr><td><code>${escapeHtml(k)}</code></td><td class="num">${escapeHtml(shown)}</td><td>${escapeHtml(readsAs(k, v))}</td></tr>`;
  });
  return `<table class="keys"><thead><tr><th>key</th><th>value</th><th>reads as</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function figure(label: string, value: string, detail: string, colour?: string): string {
  const style = colour ? ` style="border-top-color:${escapeHtml(colour)}"` : '';
  return `<div class="fig"${style}><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div><div class="detail">${escapeHtml(detail)}</div></div>`;
}

function header(r: HtmlReportInput, o: HtmlReportOptions): string {
  const c = r.capacity;
  const scenario = [
    `${formatCount(r.clients)} clients x ${formatBytes(r.sga_bytes)} SGA`,
    r.pattern !== undefined ? `pattern ${r.pattern}` : undefined,
    r.geometry !== undefined ? String(r.geometry) : undefined,
    r.sharing !== undefined ? `sharing ${r.sharing ? 'on' : 'off'}` : undefined,
    r.broker !== undefined ? `broker ${r.broker}` : undefined,
    r.region !== undefined ? `region '${r.region}'` : undefined,
    r.processes !== undefined ? `${formatCount(r.processes)} processes` : undefined,
    typeof r.wall_seconds === 'number' ? `${r.wall_seconds.toFixed(2)} s` : undefined,
  ].filter((x): x is string => x !== undefined).join(' · ');
  const faultRatio = r.minor_faults > 0 ? ` (${(r.unshared_minor_faults / r.minor_faults).toFixed(1)}x)` : '';
  const figures = [
    figure('saved', `${formatBytes(r.saved_bytes)} = ${pct(r.saved_ratio)}`, `${formatCount(r.saved_bytes)} bytes of page tables`),
    figure('with sharing', formatBytes(r.pagetable_bytes), `${formatCount(r.pagetable_bytes)} bytes`, REPORT_COLOURS.schemes[0]),
    figure('without sharing', formatBytes(r.unshared_pagetable_bytes), `${formatCount(r.unshared_pagetable_bytes)} bytes`, REPORT_COLOURS.schemes[1]),
    figure('seed baseline (RFC, PTEs only)', formatBytes(r.baseline_pte_bytes), `${formatCount(r.baseline_pte_bytes)} bytes`, REPORT_COLOURS.baseline),
    figure('minor faults', `${formatCount(r.minor_faults)} with sharing`, `${formatCount(r.unshared_minor_faults)} without${faultRatio}`),
    figure(`capacity on ${formatBytes(c.machine_memory_bytes)}`,
      `${formatCount(c.with_sharing.clients)} vs ${formatCount(c.without_sharing.clients)} clients`,
      `with vs without sharing, in the ${formatBytes(c.available_bytes)} beside the SGA${c.without_sharing.fits ? '' : `; ${formatCount(r.clients)} do not fit without`}`),
  ];
  const verdicts = Array.isArray(r.thresholds) && r.thresholds.length > 0
    ? `<ul class="verdicts">${r.thresholds.map((v) =>
      `<li class="${v.pass ? 'pass' : 'fail'}">${v.pass ? 'PASS' : 'FAIL'} <code>${escapeHtml(v.field)} ${escapeHtml(v.value)} ${escapeHtml(v.op)} ${escapeHtml(v.limit)}</code> (--${escapeHtml(v.name)})</li>`).join('')}</ul>`
    : '';
  const passed = typeof r.passed === 'boolean' && Array.isArray(r.thresholds) && r.thresholds.length > 0
    ? `<span class="badge ${r.passed ? 'pass' : 'fail'}">${r.passed ? 'thresholds passed' : 'a threshold failed'}</span>` : '';
  const meta = [o.command ? `<code>${escapeHtml(o.command)}</code>` : '', o.generatedAt ? escapeHtml(o.generatedAt) : '']
    .filter(Boolean).join(' · ');
  return `<header>
<h1>${escapeHtml(o.title ?? 'mshare load test report')} ${passed}</h1>
<p class="scenario">${escapeHtml(scenario)}</p>
${meta ? `<p class="meta">${meta}</p>` : ''}
<div class="figs">${figures.join('')}</div>
${verdicts}
</header>`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;padding:20px 24px;font-family:${FONT};color:${TEXT};background:#fff;font-size:14px}
main{max-width:1152px;margin:0 auto}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:17px;margin:26px 0 8px}
.scenario,.meta{margin:2px 0;color:${MUTED}}
.figs{display:grid;grid-template-columns:repeat(3,1fr);gap:10px;margin:14px 0 6px}
.fig{border:1px solid #e5e7eb;border-top:4px solid #9ca3af;border-radius:6px;padding:8px 12px}
.fig .label{font-size:12px;color:${MUTED};text-transform:uppercase;letter-spacing:.03em}
.fig .value{font-size:19px;font-weight:bold;margin:2px 0}
.fig .detail{font-size:12px;color:${MUTED}}
.badge{font-size:13px;padding:2px 8px;border-radius:10px;vertical-align:middle;margin-left:8px}
.pass{color:#166534}.fail{color:#991b1b}
.badge.pass{background:#dcfce7}.badge.fail{background:#fee2e2}
.verdicts{margin:6px 0;padding-left:20px}
.chart{margin:14px 0;border:1px solid #e5e7eb;border-radius:6px;padding:4px}
.chart svg{display:block;max-width:100%;height:auto}
table.keys{border-collapse:collapse;width:100%;font-size:13px}
table.keys th,table.keys td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:left;vertical-align:top}
table.keys td.num{font-family:DejaVu Sans Mono,Liberation Mono,monospace;word-break:break-all}
`;

/**
 * zrender names an SVG's classes and ids after its instance and process-wide counters
 * ("zr7-cls-21", "zr7-c0"): renumber them by the chart's position and order of appearance, so
 * that ids stay unique within the page and the same report always gives the same page.
 */
function renumberIds(svg: string, chart: number): string {
  const names = new Map<string, string>();
  const counts = new Map<string, number>();
  return svg.replace(/\bzr\d+-([a-z]+-?)(\d+)\b/g, (name, kind: string) => {
    let renamed = names.get(name);
    if (renamed === undefined) {
      const n = counts.get(kind) ?? 0;
      counts.set(kind, n + 1);
      renamed = `zr${chart}-${kind}${n}`;
      names.set(name, renamed);
    }
    return renamed;
  });
}

/**
 * The report as a self-contained HTML page (charts as inline SVG, no script, no external URL).
 * `report` is the object `npm start -- --json` prints (extra keys are listed in the key table).
 */
export function renderHtmlReport(report: HtmlReportInput, options: HtmlReportOptions = {}): string {
  const width = options.chartWidth ?? 1100;
  const schemes = reportSchemes(report);
  const charts = [
    { id: 'chart-pagetables', svg: pagetableChart(report, schemes, width) },
    { id: 'chart-faults', svg: faultsChart(schemes, width) },
    { id: 'chart-capacity', svg: capacityChart(report, schemes, width) },
    { id: 'chart-timeline', svg: timelineChart(report, width) },
  ].filter((c): c is { id: string; svg: string } => c.svg !== undefined);
  const body = charts.map((c, i) => `<section class="chart" id="${c.id}">\n${renumberIds(c.svg, i)}\n</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title ?? 'mshare load test report')}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(report, options)}
${body}
<h2>Every key of the JSON report</h2>
${keyTable(report)}
</main>
</body>
</html>
`;
}
