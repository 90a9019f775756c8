/**
 * The seed's field case as one function: runScenario(options) -> Report. main.ts and the tests
 * call it; there is no other code path.
 *
 * An embedded broker (built with the broker's own buildBroker, gRPC bound to 127.0.0.1:0) unless
 * options.broker names one; one donor worker whose single process creates the region; client
 * workers whose processes attach and run the pattern; then the figures, read back through gRPC
 * (ProcStatus of every process, the msharefs read of the region), and a clean stop.
 *
 * The figures and the report are report.ts's (buildReport, a pure function of what the run read).
 */
import * as grpc from '@grpc/grpc-js';
import { BrokerClient } from '../../shared/client/broker-client.js';
import { AccessCounts } from '../../shared/kernel/counts.js';
import { loadConfig as loadBrokerConfig } from '../broker/config.js';
import { buildBroker, type Broker } from '../broker/server.js';
import { shutdown } from '../broker/lifecycle.js';
import { Worker } from '../worker/worker.js';
import { DEFAULT_OPTIONS, EMBEDDED_REGION, type ScenarioOptions } from './options.js';
import { buildReport, type Report } from './report.js';

/** Clients spread over workers: the first (clients mod workers) get one more. */
export function split(clients: number, workers: number): number[] {
  const n = Math.max(1, Math.min(workers, clients));
  return Array.from({ length: n }, (_, i) => Math.floor(clients / n) + (i < clients % n ? 1 : 0));
}

interface Embedded {
  broker: Broker;
  address: string;
}

async function startEmbeddedBroker(o: ScenarioOptions): Promise<Embedded> {
  const config = loadBrokerConfig({
    MSHARE_GRPC_ADDR: '127.0.0.1:0',
    MSHARE_HTTP_ADDR: '127.0.0.1:0',
    MSHARE_GEOMETRY: o.geometry,
    MSHARE_SCHEME: o.scheme ?? (o.sharing ? 'mshare' : 'none'),
    MSHARE_PTI: String(o.pti ?? false),
    MSHARE_BASELINE_CLIENTS: String(o.clients),
    MSHARE_BASELINE_SGA: String(o.sgaBytes),
    MSHARE_LOG_LEVEL: 'silent',
  });
  const broker = buildBroker({ config, logger: false, defaultMetrics: false });
  const port = await new Promise<number>((resolve, reject) =>
    broker.grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { broker, address: `127.0.0.1:${port}` };
}

export async function runScenario(options: Partial<ScenarioOptions> = {}): Promise<Report> {
  const o: ScenarioOptions = { ...DEFAULT_OPTIONS, ...options };
  if (!Number.isInteger(o.clients) || o.clients < 1) throw new Error(`clients ${o.clients} must be a whole number >= 1`);
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new Error(`workers ${o.workers} must be a whole number >= 1`);
  const say = o.onProgress ?? (() => {});
  const t0 = performance.now();
  const embedded = o.broker === undefined ? await startEmbeddedBroker(o) : undefined;
  const address = embedded?.address ?? (o.broker as string);
  const region = o.region ?? (embedded ? EMBEDDED_REGION : `loadtest-${process.pid}-${Date.now().toString(36)}`);
  const common = {
    brokerAddress: address, region, sgaBytes: o.sgaBytes, pattern: o.pattern, sparseFraction: o.sparseFraction,
    hotsetRate: o.hotsetRate, hotsetFraction: o.hotsetFraction, durationS: o.durationS, hotsetAccesses: o.hotsetAccesses,
  };
  const donor = new Worker({ ...common, role: 'donor', processes: 1, name: 'loadtest-donor', seed: o.seed });
  const sizes = split(o.clients, o.workers);
  const clients = sizes.map((processes, i) => new Worker({
    ...common, role: 'client', processes, name: `loadtest-${i}`, seed: o.seed + i + 1,
  }));
  const all = [donor, ...clients];
  const client = new BrokerClient(address);
  let phase = 'starting';
  const progressLine = () => {
    const sum = (k: 'spawned' | 'attached' | 'done' | 'accesses') => clients.reduce((s, w) => s + w.progress[k], 0);
    return `[${((performance.now() - t0) / 1000).toFixed(1)}s] ${phase}: attached ${sum('attached')}/${o.clients}, `
      + `pattern done ${sum('done')}/${o.clients}, accesses ${sum('accesses').toLocaleString('en-US')}`;
  };
  const ticker = setInterval(() => say(progressLine()), o.progressIntervalMs ?? 1000);
  ticker.unref();
  try {
    say(`broker ${embedded ? `embedded at ${address} (${o.geometry}, scheme ${o.scheme ?? (o.sharing ? 'mshare' : 'none')})` : address}; `
      + `region '${region}', SGA ${o.sgaBytes} bytes, ${o.clients} clients in ${clients.length} workers, pattern ${o.pattern}`);
    phase = 'donor creating the region';
    await donor.start();
    phase = 'clients spawning and attaching';
    await Promise.all(clients.map((w) => w.start()));
    const t1 = performance.now();
    phase = `clients running ${o.pattern}`;
    say(progressLine());
    await Promise.all(clients.map((w) => w.run()));
    const t2 = performance.now();
    phase = 'reading the figures';
    say(progressLine());

    const usage = await Promise.all(all.map((w) => w.usage()));
    const regionInfo = await client.readRegion(region);
    const system = await client.accounting();
    const accesses = AccessCounts.zero();
    for (const w of clients) AccessCounts.add(accesses, w.totals);

    phase = 'stopping';
    // Clients first: the donor's creator drops the last reference and the name goes with it.
    await Promise.all(clients.map((w) => w.stop()));
    await donor.stop();
    const wall = (performance.now() - t0) / 1000;
    return buildReport({
      clients: o.clients,
      workers: clients.length,
      sgaBytes: o.sgaBytes,
      pattern: o.pattern,
      machineMemoryBytes: o.machineMemoryBytes,
      geometry: donor.geometry!,
      broker: embedded ? 'embedded' : address,
      region,
      usage,
      hostPagetableBytes: regionInfo.pagetableBytes,
      accesses,
      system,
      seconds: { setup: (t1 - t0) / 1000, run: (t2 - t1) / 1000, wall },
    });
  } finally {
    clearInterval(ticker);
    await Promise.allSettled(clients.map((w) => w.stop()));
    await donor.stop().catch(() => {});
    client.close();
    if (embedded) await shutdown(embedded.broker, 2_000);
  }
}
