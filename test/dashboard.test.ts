// Every PromQL expression of the Grafana dashboard, evaluated by a real Prometheus (Debian's
// binary, the project's deploy/prometheus config with targets swapped) scraping a real broker and
// a real worker on 127.0.0.1, with load running: each must parse and return at least one sample.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Worker } from '../services/worker/worker.js';
import { createWorkerMetrics } from '../services/worker/metrics.js';
import { buildWorkerHttp } from '../services/worker/http.js';
import { dashboardExprs } from './support/dashboard.js';
import { startPrometheus, type PrometheusHandle } from './support/prometheus.js';
import { startBroker, type TestBroker } from './fixtures/broker.js';

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
    t = await startBroker();
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

  it('shows the worker processes and the broker page-table series with real values', async () => {
    const p = prom as PrometheusHandle;
    const procs = await p.waitForSeries('sum(mshare_worker_processes)', 20_000);
    assert.equal(procs.result[0]?.value[1], '4');
    const mine = await p.query('mshare_processes');
    assert.equal(mine.result[0]?.value[1], '5');
    const saved = await p.query('mshare_pagetable_saved_ratio');
    assert.ok(Number(saved.result[0]?.value[1]) > 0);
  });
});
