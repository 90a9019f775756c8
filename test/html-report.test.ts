// The HTML report (services/loadtest/html-report.ts): the pure function's output (figures,
// escaping, log axes read back from the SVG geometry, schemes, timeline, self-containment), then
// the page opened in a real headless Chromium: a screenshot decoded and checked for the charts'
// series colours, and the DOM after load checked for the chart SVGs.
//
// Fixtures: report-50x8GiB.json is `npm start --silent -- --json --clients 50 --sga 8GiB` and
// report-field-case.json `npm start --silent -- --json`, as printed; report-compare-oom.json is
// hand-made (schemes and a timeline, which no mode prints yet). docs/report.png is this test's
// screenshot of the field case: `HTML_REPORT_SCREENSHOTS=<dir>` keeps the screenshots there.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatBytes, formatCount } from '../shared/units.js';
import type { Verdict } from '../services/loadtest/cli.js';
import {
  bytesAxis, escapeHtml, renderHtmlReport, REPORT_COLOURS, type HtmlReportInput,
} from '../services/loadtest/html-report.js';
import type { Report } from '../services/loadtest/report.js';
import { chromiumAvailable, CHROMIUM, dumpDom, killAll, screenshot } from './support/chromium.js';
import { colourBands, decodePng, hexColour, inkStats, rowCounts } from './support/png.js';
import { repoPath } from './support/paths.js';

// What `npm start -- --json` prints must be accepted as it is: a compile-time check (tsc).
const _acceptsTheJsonReport: (r: Report & { thresholds: Verdict[]; passed: boolean }) => string = (r) => renderHtmlReport(r);

const fixture = (name: string): HtmlReportInput & Record<string, unknown> =>
  JSON.parse(readFileSync(repoPath('test', 'fixtures', name), 'utf8')) as HtmlReportInput & Record<string, unknown>;

/** `npm start --silent -- --json --clients 50 --sga 8GiB`, as it printed. */
const SMALL = 'report-50x8GiB.json';
/** `npm start --silent -- --json`: the field case, 1500 x 300 GiB. */
const FIELD = 'report-field-case.json';
/** Hand-made: three schemes (a --compare) and an OOM timeline, with markup in its strings. */
const COMPARE = 'report-compare-oom.json';

/** The charts of a page by section id. */
function charts(html: string): Map<string, string> {
  return new Map([...html.matchAll(/<section class="chart" id="(chart-[a-z]+)">([\s\S]*?)<\/section>/g)].map((m) => [m[1]!, m[2]!]));
}

interface Label { text: string; x: number; y: number }
/** Text elements of an SVG with their anchor positions (the renderer places text by translate). */
function labels(svg: string): Label[] {
  return [...svg.matchAll(/<text[^>]*transform="translate\(([-\d.]+) ([-\d.]+)\)"[^>]*>([^<]*)<\/text>/g)]
    .map((m) => ({ text: m[3]!, x: Number(m[1]), y: Number(m[2]) }));
}
function label(svg: string, text: string): Label {
  const found = labels(svg).filter((l) => l.text === text);
  assert.equal(found.length, 1, `one label '${text}' (found ${found.length})`);
  return found[0]!;
}

interface Bar { x: number; y: number; width: number; fill: string }
/** The bars of a horizontal bar chart: rectangles drawn from the axis, "M x y l w 0 l 0 h l -w 0 Z". */
function bars(svg: string): Bar[] {
  return [...svg.matchAll(/<path d="M([\d.]+) ([\d.]+)l([\d.]+) 0l0 [\d.]+l-[\d.]+ 0Z" fill="(#[0-9a-f]{6})"[^>]*ecmeta_ssr_type="chart"/g)]
    .map((m) => ({ x: Number(m[1]), y: Number(m[2]), width: Number(m[3]), fill: m[4]! }));
}

/** Where value v sits on a log axis given two labelled ticks (a, va) and (b, vb). */
const logPosition = (v: number, a: number, va: number, b: number, vb: number) =>
  a + ((b - a) * Math.log(v / va)) / Math.log(vb / va);

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const TiB = 2 ** 40;

describe('renderHtmlReport (services/loadtest/html-report.ts)', () => {
  describe('a real report (50 clients x 8 GiB)', () => {
    const r = fixture(SMALL);
    const html = renderHtmlReport(r);

    it('heads the page with the key figures as text', () => {
      const head = html.slice(0, html.indexOf('<section'));
      for (const text of [
        `${formatBytes(r.saved_bytes)} = ${(r.saved_ratio * 100).toFixed(2)}%`, // 785.7 MiB = 97.98%
        `${formatCount(r.saved_bytes)} bytes`,
        formatBytes(r.pagetable_bytes), formatBytes(r.unshared_pagetable_bytes), formatBytes(r.baseline_pte_bytes),
        `${formatCount(r.minor_faults)} with sharing`,
        `${formatCount(r.unshared_minor_faults)} without (50.0x)`,
        `${formatCount(r.capacity.with_sharing.clients)} vs ${formatCount(r.capacity.without_sharing.clients)} clients`,
        '50 clients x 8.0 GiB SGA',
      ]) assert.ok(head.includes(escapeHtml(text)), `header shows '${text}'`);
      // The figures are the fixture's, spelled out (so a formatting slip shows here too).
      assert.ok(head.includes('785.7 MiB = 97.98%'));
      assert.ok(head.includes('2,097,152 with sharing'));
      assert.ok(head.includes('132,116,469 vs 32,177 clients'));
    });

    it('lists every key of the JSON in the table, with its exact value', () => {
      const table = html.slice(html.indexOf('<table'));
      const leaves: Array<[string, unknown]> = [];
      const walk = (v: unknown, key: string) => {
        if (Array.isArray(v)) {
          if (v.length === 0) leaves.push([key, '[]']);
          v.forEach((x, i) => walk(x, `${key}[${i}]`));
        } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, key ? `${key}.${k}` : k);
        else leaves.push([key, v]);
      };
      walk(r, '');
      assert.ok(leaves.length >= 30, `${leaves.length} keys`);
      const rows = [...table.matchAll(/<tr><td><code>([^<]*)<\/code><\/td><td class="num">([^<]*)<\/td>/g)].map((m) => [m[1], m[2]]);
      assert.deepEqual(rows, leaves.map(([k, v]) => [escapeHtml(k), escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))]));
      assert.ok(table.includes('<td><code>capacity.with_sharing.per_client_bytes</code></td><td class="num">4096</td><td>4.0 KiB</td>'));
      assert.ok(table.includes('<td><code>saved_ratio</code></td><td class="num">0.9797516816771472</td><td>97.98%</td>'));
    });

    it('draws three charts as inline SVG, and no timeline without a timeline', () => {
      const c = charts(html);
      assert.deepEqual([...c.keys()], ['chart-pagetables', 'chart-faults', 'chart-capacity']);
      for (const [id, svg] of c) assert.match(svg, /^\s*<svg width="1100" height="\d+" xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, id);
      assert.equal(html.match(/<svg /g)?.length, 3);
    });

    it('page-table bytes per scheme: one bar per scheme plus the baseline, placed on a log axis', () => {
      const svg = charts(html).get('chart-pagetables')!;
      const b = bars(svg);
      assert.deepEqual(b.map((x) => x.fill), [REPORT_COLOURS.schemes[0], REPORT_COLOURS.schemes[1], REPORT_COLOURS.baseline]);
      // Ticks are whole powers of 1024, evenly spaced: a log axis.
      const mib = label(svg, '1 MiB');
      const gib = label(svg, '1 GiB');
      assert.equal(mib.x, b[0]!.x, 'bars start at the axis minimum, 1 MiB');
      // Each bar ends where log(value) puts it (a linear axis would draw 16.2 MiB as 1.5% of 802 MiB).
      const values = [r.pagetable_bytes, r.unshared_pagetable_bytes, r.baseline_pte_bytes];
      b.forEach((bar, i) => {
        const want = logPosition(values[i]!, mib.x, MiB, gib.x, GiB);
        assert.ok(Math.abs(bar.x + bar.width - want) < 1, `bar ${i} ends at ${bar.x + bar.width}, log position ${want}`);
      });
      assert.ok(svg.includes('>16.2 MiB<') && svg.includes('>802.0 MiB<') && svg.includes('>800.0 MiB<'), 'bar labels');
      assert.ok(svg.includes('>with sharing<') && svg.includes('>without sharing<') && svg.includes('>seed baseline (RFC, PTEs only)<'));
    });

    it('faults per scheme: with vs without sharing on a log axis', () => {
      const svg = charts(html).get('chart-faults')!;
      const b = bars(svg);
      assert.deepEqual(b.map((x) => x.fill), [REPORT_COLOURS.schemes[0], REPORT_COLOURS.schemes[1]]);
      const m1 = label(svg, '1M');
      const g1 = label(svg, '1G');
      b.forEach((bar, i) => {
        const want = logPosition([r.minor_faults, r.unshared_minor_faults][i]!, m1.x, 1e6, g1.x, 1e9);
        assert.ok(Math.abs(bar.x + bar.width - want) < 1, `bar ${i} ends at ${bar.x + bar.width}, log position ${want}`);
      });
      assert.ok(svg.includes('>2,097,152<') && svg.includes('>104,857,600<'));
    });

    it('capacity curve: each scheme crosses the room beside the SGA at its capacity (log-log)', () => {
      const svg = charts(html).get('chart-capacity')!;
      // The room line: a horizontal path in the room colour.
      const room = /<path d="M([\d.]+) ([\d.]+)L([\d.]+) \2"[^>]*stroke="#d97706"/.exec(svg);
      assert.ok(room, 'room line');
      const roomY = Number(room[2]);
      // The markers at each capacity sit on it: F + n x c at n = capacity is the room (to the client).
      const markers = [...svg.matchAll(/transform="matrix\([\d.]+,0,0,[\d.]+,([\d.]+),([\d.]+)\)" fill="(#[0-9a-f]{6})"[^>]*ecmeta_ssr_type="chart"/g)]
        .map((m) => ({ x: Number(m[1]), y: Number(m[2]), fill: m[3] }));
      assert.deepEqual(markers.map((m) => m.fill).sort(), [REPORT_COLOURS.schemes[0], REPORT_COLOURS.schemes[1]].sort());
      for (const m of markers) assert.ok(Math.abs(m.y - roomY) < 1, `marker at y ${m.y}, room at ${roomY}`);
      // And at their capacities on the log clients axis.
      const x1 = label(svg, '1');
      const x1k = label(svg, '1k');
      const byColour = new Map(markers.map((m) => [m.fill, m.x]));
      for (const [colour, n] of [[REPORT_COLOURS.schemes[0], r.capacity.with_sharing.clients], [REPORT_COLOURS.schemes[1], r.capacity.without_sharing.clients]] as const) {
        const want = logPosition(n, x1.x, 1, x1k.x, 1000);
        assert.ok(Math.abs(byColour.get(colour)! - want) < 1, `${colour} marker at x ${byColour.get(colour)}, log position of ${n} is ${want}`);
      }
      assert.ok(svg.includes('>132,116,469 clients<') && svg.includes('>32,177 clients<'));
      assert.ok(svg.includes('>this run: 50 clients<'));
      // The y axis: powers of 1024 evenly spaced.
      const ys = ['1 MiB', '1 GiB', '1 TiB'].map((t) => label(svg, t).y);
      assert.ok(Math.abs((ys[0]! - ys[1]!) - (ys[1]! - ys[2]!)) < 0.5, `evenly spaced ${ys}`);
      assert.ok(svg.includes('>room for page tables: 512.0 GiB machine - 8.0 GiB SGA<'));
    });

    it('capacity curve: each line follows F + n x c across the whole clients axis', () => {
      const svg = charts(html).get('chart-capacity')!;
      const x1 = label(svg, '1');
      const x1k = label(svg, '1k');
      const yMiB = label(svg, '1 MiB');
      const yGiB = label(svg, '1 GiB');
      for (const [colour, cap] of [[REPORT_COLOURS.schemes[0], r.capacity.with_sharing], [REPORT_COLOURS.schemes[1], r.capacity.without_sharing]] as const) {
        const d = new RegExp(`<path d="(M[\\d.]+ [\\d.]+(?:L[\\d.]+ [\\d.]+){20,})"[^>]*stroke="${colour}"`).exec(svg);
        assert.ok(d, `the ${colour} curve`);
        const points = [...d[1]!.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
        // At every decade of clients, the drawn line is where F + n x c is (to a pixel).
        for (const [text, n] of [['1', 1], ['10', 10], ['100', 100], ['1k', 1e3], ['10k', 1e4], ['100k', 1e5], ['1M', 1e6], ['10M', 1e7], ['100M', 1e8]] as const) {
          const x = label(svg, text).x;
          assert.ok(Math.abs(x - logPosition(n, x1.x, 1, x1k.x, 1000)) < 0.5, `tick ${text} on the log axis`);
          const i = points.findIndex(([px]) => px >= x);
          const [xa, ya] = points[Math.max(0, i - 1)]!;
          const [xb, yb] = points[i]!;
          const y = xb === xa ? yb : ya + ((yb - ya) * (x - xa)) / (xb - xa);
          const want = logPosition(cap.fixed_bytes + n * cap.per_client_bytes, yMiB.y, MiB, yGiB.y, GiB);
          assert.ok(Math.abs(y - want) < 1, `${colour} at ${text} clients: y ${y.toFixed(1)}, F + n x c at ${want.toFixed(1)}`);
        }
      }
    });

    it('is self-contained: no script, no external resource', () => {
      for (const re of [/<script/i, /<link/i, /<iframe/i, /<img/i, /<object/i, /<embed/i, /\ssrc\s*=/i, /@import/i, /url\((?!#)/i]) {
        assert.doesNotMatch(html, re);
      }
      // The only absolute URLs are the SVG and XLink namespace names, which are never fetched.
      const urls = new Set(html.match(/\b(?:https?:)?\/\/[^\s"'<>)]+/g));
      assert.deepEqual([...urls].sort(), ['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
      assert.doesNotMatch(html, /NaN|Infinity|undefined/);
    });

    it('gives the same page for the same report', () => {
      assert.equal(renderHtmlReport(r), html);
    });
  });

  describe('schemes, timeline and escaping (hand-made report)', () => {
    const r = fixture(COMPARE);
    const html = renderHtmlReport(r, { title: 'compare <run> & "oom"', command: "npm start -- --compare --out 'r.html'", generatedAt: '2025-01-02 03:04' });

    it('one bar per scheme, in the scheme colours, in both bar charts', () => {
      const c = charts(html);
      assert.deepEqual([...c.keys()], ['chart-pagetables', 'chart-faults', 'chart-capacity', 'chart-timeline']);
      const colours = REPORT_COLOURS.schemes.slice(0, 3);
      assert.deepEqual(bars(c.get('chart-pagetables')!).map((b) => b.fill), [...colours, REPORT_COLOURS.baseline]);
      assert.deepEqual(bars(c.get('chart-faults')!).map((b) => b.fill), colours);
      const svg = c.get('chart-pagetables')!;
      assert.ok(svg.includes('>2.3 GiB<'), 'the ptshare bar label');
      // Each scheme's capacity on its curve's marker.
      for (const n of [55_420_625, 183_513, 361]) assert.ok(c.get('chart-capacity')!.includes(`>${formatCount(n)} clients<`), `${n}`);
    });

    it('draws memory use and OOM kills over the run', () => {
      const svg = charts(html).get('chart-timeline')!;
      assert.ok(svg.includes('>Memory use and OOM kills over the run<'));
      const kills = Math.max(...r.timeline!.map((p) => p.kills));
      assert.equal(kills, 1139);
      assert.ok(svg.includes(`${formatCount(kills)} OOM kills in all`));
      for (const colour of [REPORT_COLOURS.timelineMemory, REPORT_COLOURS.timelineClients, REPORT_COLOURS.timelineKills]) {
        assert.match(svg, new RegExp(`<path d="M[^"]*L[^"]*" fill="none"[^>]*stroke="${colour}"`), `a line in ${colour}`);
      }
      assert.ok(svg.includes('>room beside the SGA 212.0 GiB<'));
    });

    it('escapes every string it embeds', () => {
      assert.doesNotMatch(html, /<run>|<PMD|<"compare">|<script/);
      assert.ok(html.includes('<title>compare &lt;run&gt; &amp; &quot;oom&quot;</title>'));
      assert.ok(html.includes('region &#39;sga &lt;&quot;compare&quot;&gt; &amp; &#39;oom&#39;&#39;'));
      assert.ok(html.includes('<code>npm start -- --compare --out &#39;r.html&#39;</code>'));
      assert.ok(html.includes('2025-01-02 03:04'));
      // Scheme names inside the SVG text, escaped by the renderer.
      assert.ok(charts(html).get('chart-pagetables')!.includes('ptshare &lt;PMD link&gt; &amp; &quot;2 MiB&quot;'));
      assert.ok(html.includes('<td><code>schemes[1].scheme</code></td><td class="num">ptshare &lt;PMD link&gt; &amp; &quot;2 MiB&quot;</td>'));
    });

    it('escapes markup in keys, values, thresholds and options', () => {
      const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
      const report = { ...fixture(SMALL), region: evil, broker: evil, pattern: evil, [evil]: evil,
        schemes: [{ scheme: evil, pagetable_bytes: 1e6, minor_faults: 10, capacity: { fixed_bytes: 1, per_client_bytes: 1, clients: 5 } }],
        thresholds: [{ name: evil, field: evil, op: '<=', limit: 1, value: 2, pass: false }], passed: false };
      const out = renderHtmlReport(report, { title: evil, command: evil, generatedAt: evil });
      assert.doesNotMatch(out, /<script|<img|onerror=alert\(1\)>/);
      assert.ok(out.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'));
      assert.ok(out.includes('FAIL'), 'the failed threshold');
      assert.ok(out.includes('a threshold failed'));
    });

    it('a time series that is long is summarised in the table by its keys', () => {
      const long = { ...r, timeline: Array.from({ length: 120 }, (_, i) => ({ t_s: i, clients: 10, pagetable_bytes: 1e9 + i, kills: 0 })) };
      const out = renderHtmlReport(long);
      assert.ok(out.includes('<td><code>timeline</code></td><td class="num">120 entries of {t_s, clients, pagetable_bytes, kills}</td>'));
      assert.ok(charts(out).has('chart-timeline'));
    });
  });

  describe('edge cases', () => {
    it('a run with sharing off draws its one scheme, not a "with sharing" bar', () => {
      const r = { ...fixture(SMALL), sharing: false };
      r.pagetable_bytes = r.unshared_pagetable_bytes;
      const svg = charts(renderHtmlReport(r)).get('chart-pagetables')!;
      assert.deepEqual(bars(svg).map((b) => b.fill), [REPORT_COLOURS.schemes[1], REPORT_COLOURS.baseline]);
      assert.ok(!svg.includes('>with sharing<'));
    });

    it('zero faults draw no bar on the log axis and no NaN anywhere', () => {
      const r = { ...fixture(SMALL), minor_faults: 0 };
      const out = renderHtmlReport(r);
      assert.doesNotMatch(out, /NaN|Infinity/);
      assert.deepEqual(bars(charts(out).get('chart-faults')!).map((b) => b.fill), [REPORT_COLOURS.schemes[1]]);
      assert.ok(out.includes('0 with sharing'));
    });

    it('a scheme whose clients add nothing draws a flat curve and no capacity marker', () => {
      const r = fixture(SMALL);
      r.capacity = { ...r.capacity, with_sharing: { fixed_bytes: 16_822_272, per_client_bytes: 0, clients: Number.MAX_SAFE_INTEGER, fits: true } };
      const out = renderHtmlReport(r);
      assert.doesNotMatch(out, /NaN|Infinity/);
      const svg = charts(out).get('chart-capacity')!;
      assert.ok(!svg.includes(`>${formatCount(Number.MAX_SAFE_INTEGER)} clients<`));
      assert.ok(svg.includes('>32,177 clients<'));
      // The clients axis ends at the power of ten at or above 3 x the other capacity (96,531 -> 100k),
      // not past the unbounded one.
      const ticks = labels(svg).map((l) => l.text);
      assert.ok(ticks.includes('100k') && !ticks.includes('1M'), ticks.join(' '));
    });

    it('bytesAxis steps in whole binary units', () => {
      assert.deepEqual(bytesAxis(222.6 * GiB), { min: 0, max: 250 * GiB, interval: 50 * GiB });
      assert.deepEqual(bytesAxis(5e9), { min: 0, max: 5 * GiB, interval: GiB });
      assert.deepEqual(bytesAxis(3 * TiB), { min: 0, max: 3 * TiB, interval: 0.5 * TiB });
    });
  });
});

describe('the HTML report in a real headless Chromium', function () {
  this.timeout(180_000);
  let dir: string;

  before(function () {
    if (!chromiumAvailable()) assert.fail(`${CHROMIUM} is missing: scripts/test-tools.sh installs Debian's chromium`);
    dir = mkdtempSync(path.join(tmpdir(), 'mshare-html-report-'));
  });
  afterEach(() => killAll());
  after(() => {
    killAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const colour = (hex: string) => hexColour(hex);
  /** Horizontal bars 30 px tall (bands of at least 20 rows with 50+ pixels of the colour). */
  const barBands = (img: ReturnType<typeof decodePng>, hex: string) => colourBands(img, colour(hex), 50).filter(([a, b]) => b - a + 1 >= 20);

  async function open(name: string) {
    const html = renderHtmlReport(fixture(name));
    const file = path.join(dir, name.replace(/\.json$/, '.html'));
    writeFileSync(file, html);
    const png = file.replace(/\.html$/, '.png');
    const run = await screenshot(file, png, 1200, 2000);
    assert.equal(run.code, 0, `chromium exited ${run.code ?? run.signal}:\n${run.stderr.slice(-2000)}`);
    if (process.env.HTML_REPORT_SCREENSHOTS) {
      mkdirSync(process.env.HTML_REPORT_SCREENSHOTS, { recursive: true });
      copyFileSync(png, path.join(process.env.HTML_REPORT_SCREENSHOTS, path.basename(png)));
    }
    const img = decodePng(readFileSync(png));
    assert.equal(img.width, 1200);
    assert.equal(img.height, 2000);
    const { ink, colours } = inkStats(img);
    assert.ok(ink > 0.05, `not blank: ${(ink * 100).toFixed(1)}% of the pixels are not white`);
    assert.ok(colours > 100, `${colours} colours`);
    return { file, img };
  }

  for (const name of [SMALL, FIELD]) {
    it(`a real report (${name}): the bars, the curves and the room line are on screen`, async () => {
      const { img, file } = await open(name);
      // Two bar charts: a "with sharing" bar and a "without sharing" bar in each; one baseline bar.
      assert.equal(barBands(img, REPORT_COLOURS.schemes[0]!).length, 2, 'with sharing: two bars');
      assert.equal(barBands(img, REPORT_COLOURS.schemes[1]!).length, 2, 'without sharing: two bars');
      assert.equal(barBands(img, REPORT_COLOURS.baseline).length, 1, 'the baseline bar');
      // The capacity chart: the room line runs across the plot (hundreds of pixels in a row),
      // and the curves draw pixels of their colours outside the bars.
      assert.ok(colourBands(img, colour(REPORT_COLOURS.room), 500).length >= 1, 'the room line');
      const green = rowCounts(img, colour(REPORT_COLOURS.schemes[2]!)).reduce((a, b) => a + b, 0);
      assert.ok(green < 50, `no third scheme drawn (${green} green pixels)`);

      const dom = await dumpDom(file);
      const sections = [...dom.matchAll(/<section class="chart" id="(chart-[a-z]+)">\s*<svg\b[\s\S]*?<\/svg>/g)].map((m) => m[1]);
      assert.deepEqual(sections, ['chart-pagetables', 'chart-faults', 'chart-capacity']);
      assert.equal(dom.match(/<path d="M[\d.]+ [\d.]+l[\d.]+ 0l0 30l/g)?.length, 5, 'five bars in the DOM');
    });
  }

  it('a compare report with an OOM timeline: every scheme and the timeline on screen, markup shown as text', async () => {
    const { img, file } = await open(COMPARE);
    for (const hex of REPORT_COLOURS.schemes.slice(0, 3)) assert.equal(barBands(img, hex).length, 2, `scheme ${hex}: two bars`);
    assert.equal(barBands(img, REPORT_COLOURS.baseline).length, 1);
    // The timeline's memory area (the memory colour at 12% over white) fills a tall region
    // (cut into bands by the grid lines across it).
    const [r, g, b] = colour(REPORT_COLOURS.timelineMemory);
    const area: [number, number, number] = [r, g, b].map((c) => Math.round(255 * 0.88 + c * 0.12)) as [number, number, number];
    const areaRows = rowCounts(img, area, 3).filter((n) => n >= 100).length;
    assert.ok(areaRows >= 150, `the memory area: ${areaRows} rows`);
    // The kills step line (red) and the clients line (green) leave the bars' rows.
    const outside = (hex: string) => {
      const bands = barBands(img, hex);
      return rowCounts(img, colour(hex)).reduce((s, n, y) => s + (bands.some(([y0, y1]) => y >= y0 && y <= y1) ? 0 : n), 0);
    };
    assert.ok(outside(REPORT_COLOURS.timelineKills) > 300, 'red outside the bars: a curve and the kills line');
    assert.ok(outside(REPORT_COLOURS.timelineClients) > 300, 'green outside the bars: a curve and the clients line');

    const dom = await dumpDom(file);
    const sections = [...dom.matchAll(/<section class="chart" id="(chart-[a-z]+)">\s*<svg\b/g)].map((m) => m[1]);
    assert.deepEqual(sections, ['chart-pagetables', 'chart-faults', 'chart-capacity', 'chart-timeline']);
    // The browser made text of the markup in the report's strings, not elements.
    assert.doesNotMatch(dom, /<pmd|<"compare"/i);
    assert.ok(dom.includes('ptshare &lt;PMD link&gt; &amp; "2 MiB"'), 'the scheme name as text');
  });
});
