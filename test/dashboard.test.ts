// The Grafana dashboard tells the truth:
// - its properties, read from the JSON: a datasource variable every panel and query uses, a `job`
//   (and `worker_job`) variable on every selector, grpc_service="mshare.v1.Broker" on every gRPC
//   selector, $__rate_interval instead of fixed windows, latency on unary calls only, streams in
//   their own messages-per-second panel, a log axis for page-table bytes;
// - the broker's gRPC series exist from its start for every method and code (go-grpc-prometheus's
//   InitializeMetrics), and the stream message counters count messages;
// - every expression, its variables expanded as Grafana would, evaluated by a real Prometheus
//   (Debian's binary, the project's deploy/prometheus config with targets swapped) scraping a real
//   broker and a real worker on 127.0.0.1 with load running: each parses and returns data.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { Worker } from '../services/worker/worker.js';
import { createWorkerMetrics } from '../services/worker/metrics.js';
import { buildWorkerHttp } from '../services/worker/http.js';
import {
  allPanels, dashboardExprs, loadDashboard, metricNames, provisionedScrapeInterval, selectors, variableValues, type Variable,
} from './support/dashboard.js';
import { startPrometheus, type PrometheusHandle } from './support/prometheus.js';
import { JOBS } from './support/prometheus-config.js';
import { repoPath } from './support/paths.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';

const SERVICE = 'mshare.v1.Broker';
/** go-grpc-prometheus's codes (Go's codes.Code.String()), the 17 of the gRPC spec. */
const CODES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable',
  'DataLoss', 'Unauthenticated',
];

/** The Broker's methods and their grpc_type, read from the .proto text. */
function protoMethods(): Array<{ method: string; type: string }> {
  const text = readFileSync(repoPath('proto', 'mshare', 'v1', 'broker.proto'), 'utf8');
  const out = [...text.matchAll(/\brpc\s+(\w+)\s*\(\s*(stream\s+)?[\w.]+\s*\)\s*returns\s*\(\s*(stream\s+)?[\w.]+\s*\)/g)].map((m) => ({
    method: m[1]!,
    type: m[2] ? (m[3] ? 'bidi_stream' : 'client_stream') : m[3] ? 'server_stream' : 'unary',
  }));
  assert.ok(out.length >= 16, `found only ${out.length} rpcs in the proto`);
  return out;
}

/** Prometheus exposition text -> `name{labels sorted}` -> value. */
function exposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = m[2] ? [...m[2].matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}=${l[2]}`).sort() : [];
    series.set(labels.length ? `${m[1]}{${labels.join(',')}}` : m[1]!, Number(m[3]));
  }
  return series;
}

const key = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort().join(',')}}`;

const isWorkerMetric = (name: string) => name.startsWith('mshare_worker_');
const isGrpcMetric = (name: string) => name.startsWith('grpc_server_');

describe('Grafana dashboard properties', () => {
  const dashboard = loadDashboard() as ReturnType<typeof loadDashboard> & { templating: { list: Variable[] } };
  const panels = allPanels(dashboard).filter((p) => p.type !== 'row') as Array<{
    id: number; title: string; type: string; datasource?: unknown;
    targets: Array<{ refId: string; expr: string; datasource?: unknown }>;
    fieldConfig?: { defaults?: { min?: number; custom?: { scaleDistribution?: { type?: string } } } };
  }>;
  const exprs = dashboardExprs();
  const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name);

  it('picks its Prometheus with a datasource variable that every panel and query uses', () => {
    const ds = variable('datasource');
    assert.ok(ds, 'no datasource variable');
    assert.deepEqual([ds.type, ds.query], ['datasource', 'prometheus']);
    const provisioned = parse(readFileSync(repoPath('deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
      datasources: Array<{ uid: string }>;
    };
    assert.equal(ds.current?.value, provisioned.datasources[0]!.uid, 'defaults to the provisioned datasource');
    const uses = { type: 'prometheus', uid: '${datasource}' };
    for (const p of panels) {
      assert.deepEqual(p.datasource, uses, p.title);
      for (const t of p.targets) assert.deepEqual(t.datasource, uses, `${p.title} ${t.refId}`);
    }
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) assert.deepEqual(v.datasource, uses, v.name);
  });

  it('has job variables found from the metrics, defaulting to the jobs of deploy/prometheus', () => {
    assert.equal(variable('job')?.definition, 'label_values(mshare_pagetable_bytes, job)');
    assert.equal(variable('job')?.current?.value, JOBS.broker);
    assert.equal(variable('worker_job')?.definition, 'label_values(mshare_worker_processes, job)');
    assert.equal(variable('worker_job')?.current?.value, JOBS.worker);
  });

  it('filters every selector by its job variable, and every gRPC selector by grpc_service="mshare.v1.Broker"', () => {
    const missing: string[] = [];
    let grpcSelectors = 0;
    for (const { panel, refId, raw } of exprs) {
      for (const s of selectors(raw)) {
        const has = (label: string, op: string, value: string) => s.matchers.some((m) => m.label === label && m.op === op && m.value === value);
        const jobVar = isWorkerMetric(s.metric) ? '$worker_job' : '$job';
        if (!has('job', '=~', jobVar)) missing.push(`${panel} ${refId}: ${s.metric} without job=~"${jobVar}"`);
        if (isGrpcMetric(s.metric)) {
          grpcSelectors++;
          if (!has('grpc_service', '=', SERVICE)) missing.push(`${panel} ${refId}: ${s.metric} without grpc_service="${SERVICE}"`);
        }
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(grpcSelectors >= 10, `only ${grpcSelectors} gRPC selectors`);
  });

  it('uses $__rate_interval for every range, and Grafana knows the scrape interval Prometheus uses', () => {
    const fixed = exprs.filter((e) => [...e.raw.matchAll(/\[([^\]]*)\]/g)].some((m) => m[1] !== '$__rate_interval'));
    assert.deepEqual(fixed.map((e) => `${e.panel} ${e.refId}: ${e.raw}`), []);
    assert.ok(exprs.filter((e) => e.raw.includes('[$__rate_interval]')).length >= 15);
    // $__rate_interval is 4 x the datasource's timeInterval: it must be the real scrape interval.
    const prom = parse(readFileSync(repoPath('deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as { global: { scrape_interval: string } };
    assert.equal(provisionedScrapeInterval(), prom.global.scrape_interval);
  });

  it('computes latency on unary calls only, and shows streams as messages per second', () => {
    const latency = exprs.filter((e) => e.raw.includes('grpc_server_handling_seconds'));
    assert.ok(latency.length >= 4);
    for (const e of latency) {
      for (const s of selectors(e.raw).filter((x) => x.metric.startsWith('grpc_server_handling_seconds'))) {
        assert.ok(s.matchers.some((m) => m.label === 'grpc_type' && m.op === '=' && m.value === 'unary'), `${e.panel} ${e.refId}: ${e.raw}`);
      }
    }
    const streams = panels.filter((p) => p.targets.some((t) => /grpc_server_msg_(received|sent)_total/.test(t.expr)));
    assert.equal(streams.length, 1, 'one panel of stream messages');
    const names = new Set(streams[0]!.targets.flatMap((t) => metricNames(t.expr)));
    assert.deepEqual([...names].sort(), ['grpc_server_msg_received_total', 'grpc_server_msg_sent_total']);
    for (const t of streams[0]!.targets) {
      assert.match(t.expr, /rate\(/);
      assert.ok(selectors(t.expr).every((s) => s.matchers.some((m) => m.label === 'grpc_type' && m.op === '!=' && m.value === 'unary')), t.expr);
    }
    // Unary RPC rates are not mixed with streams either: a stream counts once, when it ends.
    const rates = exprs.filter((e) => /sum by \(grpc_method\) \(rate\(grpc_server_handled_total/.test(e.raw));
    assert.ok(rates.length >= 1 && rates.every((e) => e.raw.includes('grpc_type="unary"')));
  });

  it('draws page-table bytes on a log axis', () => {
    const charts = panels.filter((p) => p.type === 'timeseries' && p.targets.some((t) => metricNames(t.expr).includes('mshare_pagetable_bytes')));
    assert.ok(charts.length >= 1);
    for (const p of charts) {
      assert.equal(p.fieldConfig?.defaults?.custom?.scaleDistribution?.type, 'log', p.title);
      assert.equal(p.fieldConfig?.defaults?.min, undefined, `${p.title}: a log axis cannot start at 0`);
    }
  });

  it('expands every variable it uses, and no other', () => {
    const values = variableValues(dashboard);
    assert.deepEqual(Object.keys(values).sort(), ['__rate_interval', 'datasource', 'job', 'worker_job']);
    for (const e of exprs) assert.doesNotMatch(e.expr, /\$/, e.expr);
  });
});

describe('broker gRPC series from the start (as go-grpc-prometheus InitializeMetrics)', () => {
  let t: TestBroker;
  before(async () => { t = await startBroker(); });
  after(async () => { await t?.stop(); });

  const scrape = async () => exposition(await (await fetch(`${t.httpUrl}/metrics`)).text());

  it('has started, messages, the histogram and handled for every method x every code, at 0, before any call', async () => {
    const m = await scrape();
    const methods = protoMethods();
    for (const { method, type } of methods) {
      const labels = { grpc_type: type, grpc_service: SERVICE, grpc_method: method };
      for (const name of ['grpc_server_started_total', 'grpc_server_msg_received_total', 'grpc_server_msg_sent_total', 'grpc_server_handling_seconds_count']) {
        assert.equal(m.get(key(name, labels)), 0, key(name, labels));
      }
      for (const code of CODES) assert.equal(m.get(key('grpc_server_handled_total', { ...labels, grpc_code: code })), 0, `${method} ${code}`);
    }
    const handled = [...m.keys()].filter((k) => k.startsWith('grpc_server_handled_total{'));
    assert.equal(handled.length, methods.length * CODES.length);
  });

  it('counts calls on those series, and stream messages one by one', async () => {
    await t.client.geometry();
    const pid = await t.client.spawn({ uid: 1000, gid: 1000 });
    const stream = t.client.accessStream();
    for (let i = 0; i < 3; i++) await stream.batch(pid, 'read', new BigUint64Array([1n << 41n, 2n << 41n]));
    await stream.close();
    await assert.rejects(t.client.exit(999), /ESRCH|no process/); // a unary call that fails: its request came, no reply went
    const m = await scrape();
    const unary = (method: string) => ({ grpc_type: 'unary', grpc_service: SERVICE, grpc_method: method });
    assert.equal(m.get(key('grpc_server_handled_total', { ...unary('GetGeometry'), grpc_code: 'OK' })), 1);
    assert.equal(m.get(key('grpc_server_msg_received_total', unary('GetGeometry'))), 1);
    assert.equal(m.get(key('grpc_server_msg_sent_total', unary('Spawn'))), 1);
    assert.equal(m.get(key('grpc_server_msg_received_total', unary('Exit'))), 1);
    assert.equal(m.get(key('grpc_server_msg_sent_total', unary('Exit'))), 0);
    const accessStream = { grpc_type: 'bidi_stream', grpc_service: SERVICE, grpc_method: 'AccessStream' };
    assert.equal(m.get(key('grpc_server_msg_received_total', accessStream)), 3);
    assert.equal(m.get(key('grpc_server_msg_sent_total', accessStream)), 3);
    assert.equal(m.get(key('grpc_server_started_total', accessStream)), 1);
    assert.equal(m.get(key('grpc_server_handled_total', { ...accessStream, grpc_code: 'OK' })), 1);
    assert.equal(m.get(key('grpc_server_handling_seconds_count', accessStream)), 1);
  });
});

describe('Grafana dashboard against a real broker, worker and Prometheus', function () {
  this.timeout(120_000);
  let t: TestBroker;
  let donor: Worker;
  let worker: Worker;
  let http: FastifyInstance;
  let prom: PrometheusHandle | undefined;
  let running: Promise<unknown>;
  let ticker: NodeJS.Timeout | undefined;

  before(async () => {
    // A machine memory, so that the memory row's limit series exists (it is absent when unlimited).
    t = await startBroker({ MSHARE_MACHINE_MEMORY: '64GiB' });
    const common = { brokerAddress: t.grpcAddress, region: 'sga', sgaBytes: 2 ** 30 };
    donor = new Worker({ ...common, role: 'donor', processes: 1, pattern: 'sequential' });
    await donor.start();
    const metrics = createWorkerMetrics();
    // A hot set at a modest rate for at most 60 s: counters move on every scrape.
    worker = new Worker({ ...common, role: 'client', processes: 4, pattern: 'hotset', hotsetRate: 5_000, durationS: 60, metrics });
    http = buildWorkerHttp({ metrics });
    await http.listen({ host: '127.0.0.1', port: 0 });
    await worker.start();
    running = worker.run().catch(() => {});
    // Unary traffic too (the AccessStream is counted by grpc_server_handled_total only when it ends).
    const pid = worker.pids[0];
    const region = await t.client.readRegion('sga');
    let n = 0;
    ticker = setInterval(() => {
      if (n++ > 600) return clearInterval(ticker);
      t.client.touch(pid, region.start, 1n << 21n, 'read').catch(() => {});
      t.client.accounting().catch(() => {});
    }, 100);
    const httpPort = (http.server.address() as AddressInfo).port;
    prom = await startPrometheus({ broker: new URL(t.httpUrl).host, worker: `127.0.0.1:${httpPort}` });
  });

  after(async () => {
    clearInterval(ticker);
    await prom?.stop();
    await worker?.stop();
    await running;
    await donor?.stop();
    await http?.close();
    await t?.stop();
  });

  it('every dashboard expression parses and returns data', async () => {
    const p = prom as PrometheusHandle;
    await p.waitForTargetsUp(30_000);
    // rate() needs two samples in its window: wait for the rates of both jobs first.
    await p.waitForSeries('rate(mshare_worker_accesses_total[1m]) > 0', 40_000);
    await p.waitForSeries('rate(grpc_server_handled_total[1m]) > 0', 40_000);
    const exprs = dashboardExprs();
    assert.ok(exprs.length >= 20, `only ${exprs.length} expressions`);
    const empty: string[] = [];
    for (const { panel, refId, expr } of exprs) {
      const r = await p.query(expr); // rejects with PromQueryError when it does not parse
      if (r.result.length === 0) empty.push(`${panel} ${refId}: ${expr}`);
    }
    assert.deepEqual(empty, [], p.logs());
  });

  it('resolves the job variables to the jobs that scrape the broker and the workers', async () => {
    const p = prom as PrometheusHandle;
    const labelValues = async (metric: string) => {
      const res = await fetch(`${p.url}/api/v1/label/job/values?match[]=${encodeURIComponent(metric)}`);
      return ((await res.json()) as { data: string[] }).data;
    };
    await p.waitForSeries('mshare_worker_processes', 20_000);
    assert.deepEqual(await labelValues('mshare_pagetable_bytes'), [JOBS.broker]);
    assert.deepEqual(await labelValues('mshare_worker_processes'), [JOBS.worker]);
  });

  it('sees every method x code of the broker from the start, and stream messages while the stream is open', async () => {
    const p = prom as PrometheusHandle;
    const count = await p.query(`count(grpc_server_handled_total{job="${JOBS.broker}",grpc_service="${SERVICE}"})`);
    assert.equal(count.result[0]?.value[1], String(protoMethods().length * CODES.length));
    // The worker's AccessStream is still open (its hot set runs for 60 s): its batches show.
    const received = await p.waitForSeries(
      `rate(grpc_server_msg_received_total{grpc_service="${SERVICE}",grpc_method="AccessStream"}[20s]) > 0`, 20_000);
    assert.ok(Number(received.result[0]?.value[1]) > 0);
    const ended = await p.query(`grpc_server_handled_total{grpc_method="AccessStream",grpc_code="OK"}`);
    assert.equal(ended.result[0]?.value[1], '0', 'the stream has not ended');
  });

  it('shows the worker processes and the broker page-table series with real values', async () => {
    const p = prom as PrometheusHandle;
    const procs = await p.waitForSeries('sum(mshare_worker_processes)', 20_000);
    assert.equal(procs.result[0]?.value[1], '4');
    const mine = await p.query('mshare_processes');
    assert.equal(mine.result[0]?.value[1], '5');
    const saved = await p.query('mshare_pagetable_saved_ratio');
    assert.ok(Number(saved.result[0]?.value[1]) > 0);
  });

  it('shows machine memory by kind against the machine, and no OOM kill on a roomy machine', async () => {
    const p = prom as PrometheusHandle;
    const machine = await p.query('mshare_machine_memory_bytes');
    assert.equal(machine.result[0]?.value[1], String(64 * 2 ** 30));
    const kinds = await p.query('sum by (kind) (mshare_memory_bytes)');
    const byKind = Object.fromEntries(kinds.result.map((r) => [r.metric.kind, Number(r.value[1])]));
    assert.deepEqual(Object.keys(byKind).sort(), ['base', 'hugetlb', 'pagetables', 'private', 'shared']);
    // The hot set has touched SGA pages (shared memory) and every mm holds a PGD (6 mms at least).
    assert.ok(byKind.shared > 0, 'shared pages');
    assert.ok(byKind.pagetables >= 6 * 4096, 'page tables');
    const kills = await p.query('sum(mshare_oom_kills_total)');
    assert.equal(kills.result[0]?.value[1], '0');
  });
});
