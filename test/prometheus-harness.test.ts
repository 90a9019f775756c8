// The Prometheus harness (test/support/prometheus.ts) against stand-in exporters that serve the
// metric names and label sets of docs/metrics-and-config.md. Proves the harness starts, scrapes
// both jobs from the project's own config, queries and stops; and that every dashboard
// expression parses and returns data when metrics of the contract's shape are scraped.
// The same check against the real broker and worker lives beside the services' tests.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { dashboardExprs } from './support/dashboard.js';
import { PromQueryError, startPrometheus, type PrometheusHandle } from './support/prometheus.js';

function brokerRegistry(): Registry {
  const registry = new Registry();
  const r = [registry];
  const accesses = new Counter({ name: 'mshare_accesses_total', help: 'x', labelNames: ['outcome'], registers: r });
  const minor = new Counter({ name: 'mshare_minor_faults_total', help: 'x', registers: r });
  const unsharedMinor = new Counter({ name: 'mshare_unshared_minor_faults_total', help: 'x', registers: r });
  const syscalls = new Counter({ name: 'mshare_syscalls_total', help: 'x', labelNames: ['syscall', 'errno'], registers: r });
  const started = new Counter({ name: 'grpc_server_started_total', help: 'x', labelNames: ['grpc_type', 'grpc_service', 'grpc_method'], registers: r });
  const handled = new Counter({ name: 'grpc_server_handled_total', help: 'x', labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'], registers: r });
  const seconds = new Histogram({ name: 'grpc_server_handling_seconds', help: 'x', labelNames: ['grpc_type', 'grpc_service', 'grpc_method'], registers: r });
  const received = new Counter({ name: 'grpc_server_msg_received_total', help: 'x', labelNames: ['grpc_type', 'grpc_service', 'grpc_method'], registers: r });
  const sent = new Counter({ name: 'grpc_server_msg_sent_total', help: 'x', labelNames: ['grpc_type', 'grpc_service', 'grpc_method'], registers: r });
  new Gauge({ name: 'mshare_pagetable_bytes', help: 'x', registers: r }).set(4096 * 1500 + 614_400 * 4096);
  new Gauge({ name: 'mshare_pagetable_unshared_bytes', help: 'x', registers: r }).set(943_718_400_000);
  new Gauge({ name: 'mshare_pagetable_saved_bytes', help: 'x', registers: r }).set(941_000_000_000);
  new Gauge({ name: 'mshare_pagetable_saved_ratio', help: 'x', registers: r }).set(0.997);
  const baseline = new Gauge({ name: 'mshare_seed_baseline_bytes', help: 'x', labelNames: ['clients', 'sga_bytes', 'variant'], registers: r });
  baseline.set({ clients: '1500', sga_bytes: '322122547200', variant: 'pte' }, 943_718_400_000);
  baseline.set({ clients: '1500', sga_bytes: '322122547200', variant: 'pte_pmd_pud' }, 945_561_600_000);
  new Gauge({ name: 'mshare_regions', help: 'x', registers: r }).set(1);
  new Gauge({ name: 'mshare_region_refcount', help: 'x', labelNames: ['region'], registers: r }).set({ region: 'sga' }, 1501);
  new Gauge({ name: 'mshare_region_mapped_processes', help: 'x', labelNames: ['region'], registers: r }).set({ region: 'sga' }, 1501);
  new Gauge({ name: 'mshare_region_pagetable_bytes', help: 'x', labelNames: ['region'], registers: r }).set({ region: 'sga' }, 629_145_600);
  new Gauge({ name: 'mshare_processes', help: 'x', registers: r }).set(1501);
  const memory = new Gauge({ name: 'mshare_memory_bytes', help: 'x', labelNames: ['kind'], registers: r });
  for (const [kind, bytes] of [['pagetables', 636_530_688], ['shared', 322_122_547_200], ['private', 0], ['base', 0], ['hugetlb', 0]] as const) {
    memory.set({ kind }, bytes);
  }
  new Gauge({ name: 'mshare_machine_memory_bytes', help: 'x', registers: r }).set(549_755_813_888);
  new Counter({ name: 'mshare_oom_kills_total', help: 'x', registers: r }).inc(0);
  new Gauge({ name: 'mshare_oom_panicked', help: 'x', registers: r }).set(0);
  // Traffic between scrapes, so rates are not all zero.
  const rpc = { grpc_type: 'unary', grpc_service: 'mshare.v1.Broker', grpc_method: 'Touch' };
  const stream = { grpc_type: 'bidi_stream', grpc_service: 'mshare.v1.Broker', grpc_method: 'AccessStream' };
  const tick = () => {
    accesses.inc({ outcome: 'minor_fault' }, 10);
    accesses.inc({ outcome: 'present' }, 100);
    minor.inc(10);
    unsharedMinor.inc(15_000);
    syscalls.inc({ syscall: 'mshare', errno: 'OK' });
    started.inc(rpc);
    handled.inc({ ...rpc, grpc_code: 'OK' });
    seconds.observe(rpc, 0.002);
    received.inc(stream);
    sent.inc(stream);
  };
  // The broker pre-registers every method x code at 0 (as go-grpc-prometheus does): error rates are 0, not absent.
  handled.inc({ ...rpc, grpc_code: 'NotFound' }, 0);
  tick();
  const timer = setInterval(tick, 200);
  timer.unref();
  return registry;
}

function workerRegistry(): Registry {
  const registry = new Registry();
  const r = [registry];
  const duration = new Histogram({ name: 'mshare_worker_rpc_duration_seconds', help: 'x', labelNames: ['method'], registers: r });
  const accesses = new Counter({ name: 'mshare_worker_accesses_total', help: 'x', labelNames: ['outcome'], registers: r });
  new Gauge({ name: 'mshare_worker_processes', help: 'x', registers: r }).set(100);
  const tick = () => {
    duration.observe({ method: 'Touch' }, 0.004);
    accesses.inc({ outcome: 'minor_fault' }, 10);
  };
  tick();
  setInterval(tick, 200).unref();
  return registry;
}

async function serve(registry: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const hostPort = (s: Server) => `127.0.0.1:${(s.address() as AddressInfo).port}`;
const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

describe('Prometheus test harness (real prometheus binary, project config)', function () {
  this.timeout(90_000);
  let broker: Server;
  let worker: Server;
  let prom: PrometheusHandle;

  before(async () => {
    broker = await serve(brokerRegistry());
    worker = await serve(workerRegistry());
    prom = await startPrometheus({ broker: hostPort(broker), worker: hostPort(worker) });
  });

  after(async () => {
    await prom?.stop();
    await Promise.all([broker, worker].filter(Boolean).map(close));
  });

  it('answers on 127.0.0.1 and runs the project config with the targets substituted', async () => {
    assert.match(prom.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(prom.config.includes(hostPort(broker)) && prom.config.includes(hostPort(worker)));
    const r = await prom.query('vector(1)');
    assert.equal(r.result[0]?.value[1], '1');
  });

  it('scrapes both jobs until up == 1', async () => {
    await prom.waitForTargetsUp(30_000);
    const up = await prom.query('up');
    assert.deepEqual(up.result.map((s) => s.metric.job).sort(), ['mshare-broker', 'mshare-worker']);
  });

  it('waits for a series and reads its value', async () => {
    const r = await prom.waitForSeries('mshare_processes', 30_000);
    assert.equal(r.result[0]?.value[1], '1501');
    assert.equal(r.result[0]?.metric.job, 'mshare-broker');
  });

  it('rejects malformed PromQL with PromQueryError', async () => {
    await assert.rejects(prom.query('sum(rate(mshare_accesses_total[1m])'), (err: unknown) => {
      assert.ok(err instanceof PromQueryError);
      assert.equal(err.errorType, 'bad_data');
      return true;
    });
  });

  it('times out waitForSeries on a metric nobody exports', async () => {
    await assert.rejects(prom.waitForSeries('mshare_no_such_metric', 1_000), /no samples/);
  });

  it('evaluates every dashboard expression to data against contract-shaped metrics', async () => {
    const exprs = dashboardExprs();
    assert.ok(exprs.length >= 20, `only ${exprs.length} expressions`);
    // rate() needs two samples in its window: wait on one rate first, then check them all.
    await prom.waitForSeries('rate(mshare_minor_faults_total[1m])', 30_000);
    const empty: string[] = [];
    for (const { panel, refId, expr } of exprs) {
      const r = await prom.query(expr);
      if (r.result.length === 0) empty.push(`${panel} ${refId}: ${expr}`);
    }
    assert.deepEqual(empty, []);
  });

  it('stops the process it started and deletes its data', async () => {
    const extra = await startPrometheus({ broker: hostPort(broker), worker: hostPort(worker) });
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(alive(extra.pid));
    assert.ok(existsSync(extra.dir));
    await extra.stop();
    assert.equal(alive(extra.pid), false);
    await assert.rejects(fetch(`${extra.url}/-/ready`, { signal: AbortSignal.timeout(1_000) }));
    assert.equal(existsSync(extra.dir), false);
  });
});
