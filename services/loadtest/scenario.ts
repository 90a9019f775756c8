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
import { BrokerClient } from '../../shared/client/index.js';
import { AccessCounts } from '../../shared/kernel/counts.js';
import { loadConfig as loadBrokerConfig } from '../broker/config.js';
import { buildBroker, type Broker } from '../broker/server.js';
import { shutdown } from '../broker/lifecycle.js';
import { Worker } from '../worker/worker.js';
import { DEFAULT_OPTIONS, EMBEDDED_REGION, type ScenarioOptions } from './options.js';
import { buildReport, type OomFigures, type Report, type ReportInputs } from './report.js';
import type { Phase, PhasedSample } from './load.js';

/** Clients spread over workers: the first (clients mod workers) get one more. */
export function split(clients: number, workers: number): number[] {
  const n = Math.max(1, Math.min(workers, clients));
  return Array.from({ length: n }, (_, i) => Math.floor(clients / n) + (i < clients % n ? 1 : 0));
}

export interface Embedded {
  broker: Broker;
  address: string;
}

/** A broker in this process with gRPC on 127.0.0.1:0 (the run's, or `--replay`'s target). */
export async function startEmbeddedBroker(
  o: Pick<ScenarioOptions, 'geometry' | 'sharing' | 'scheme' | 'pti' | 'clients' | 'sgaBytes' | 'machineMemoryBytes' | 'processBaseBytes'
    | 'unlimitedMachine'>,
  sharing = o.sharing,
): Promise<Embedded> {
  const config = loadBrokerConfig({
    MSHARE_MACHINE_MEMORY: o.unlimitedMachine === true ? '' : String(o.machineMemoryBytes),
    MSHARE_PROCESS_BASE_BYTES: String(o.processBaseBytes),
    MSHARE_GRPC_ADDR: '127.0.0.1:0',
    MSHARE_HTTP_ADDR: '127.0.0.1:0',
    MSHARE_GEOMETRY: o.geometry,
    MSHARE_SCHEME: sharing ? o.scheme ?? 'mshare' : 'none',
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

/**
 * The field case: the run the figures come from (with mshare unless --no-sharing) and, on an
 * embedded broker with sharing, the same run beside it without sharing, both on the machine
 * memory given, where only its OOM figures are kept (oom_unshared): the machine falling over.
 */
export async function runScenario(options: Partial<ScenarioOptions> = {}): Promise<Report> {
  const o: ScenarioOptions = { ...DEFAULT_OPTIONS, ...options };
  if (!Number.isInteger(o.clients) || o.clients < 1) throw new Error(`clients ${o.clients} must be a whole number >= 1`);
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new Error(`workers ${o.workers} must be a whole number >= 1`);
  const main = await runOnce(o, o.sharing, '');
  let unshared: OomFigures | null = null;
  if (o.broker === undefined && (!o.sharing || o.unsharedRun)) {
    unshared = o.sharing ? (await runOnce(o, false, ' (without sharing)')).oom : main.oom;
  }
  return buildReport({ ...main.inputs, oom: main.oom, oomUnshared: unshared });
}

interface RunResult {
  inputs: Omit<ReportInputs, 'oom' | 'oomUnshared'>;
  oom: OomFigures;
}

async function runOnce(o: ScenarioOptions, sharing: boolean, label: string): Promise<RunResult> {
  const say = o.onProgress ?? (() => {});
  const t0 = performance.now();
  const embedded = o.broker === undefined ? await startEmbeddedBroker(o, sharing) : undefined;
  const address = embedded?.address ?? (o.broker as string);
  const region = o.region ?? (embedded ? EMBEDDED_REGION : `loadtest-${process.pid}-${Date.now().toString(36)}`);
  // Every worker RPC, with the phase it fell in: the report's latency and error figures.
  const samples: PhasedSample[] = [];
  let loadPhase: Phase = 'setup';
  const common = {
    onRpc: (sample: Omit<PhasedSample, 'phase'>) => { samples.push({ ...sample, phase: loadPhase }); },
    brokerAddress: address, brokerClient: o.brokerClient, region, sgaBytes: o.sgaBytes, pattern: o.pattern, sparseFraction: o.sparseFraction,
    hotsetRate: o.hotsetRate, hotsetFraction: o.hotsetFraction, durationS: o.durationS, hotsetAccesses: o.hotsetAccesses,
  };
  const donor = new Worker({ ...common, role: 'donor', processes: 1, name: 'loadtest-donor', seed: o.seed });
  const sizes = split(o.clients, o.workers);
  const clients = sizes.map((processes, i) => new Worker({
    ...common, role: 'client', processes, name: `loadtest-${i}`, seed: o.seed + i + 1,
  }));
  const all = [donor, ...clients];
  const client = new BrokerClient(address, o.brokerClient);
  // The first OOM kill, seen in the embedded kernel before the victim exits: how many clients had
  // finished their pattern then. A process's counters are added when its touch returns, so for
  // `sequential` these are exactly the clients whose one Touch had finished.
  let firstKillAt: number | null = null;
  const kernel = embedded?.broker.kernel;
  const stopListening = kernel?.onOomKill(() => {
    if (firstKillAt !== null) return;
    const creator = donor.creatorPid;
    firstKillAt = kernel.pids().filter((p) => p !== creator && kernel.procStatus(p).unsharedMinorFaults > 0).length;
  });
  let phase = 'starting';
  const progressLine = () => {
    const sum = (k: 'spawned' | 'attached' | 'done' | 'accesses') => clients.reduce((s, w) => s + w.progress[k], 0);
    const kills = kernel ? `, OOM kills ${kernel.oomEvents.length}` : '';
    return `[${((performance.now() - t0) / 1000).toFixed(1)}s] ${phase}${label}: attached ${sum('attached')}/${o.clients}, `
      + `pattern done ${sum('done')}/${o.clients}, accesses ${sum('accesses').toLocaleString('en-US')}${kills}`;
  };
  const ticker = setInterval(() => say(progressLine()), o.progressIntervalMs ?? 1000);
  ticker.unref();
  try {
    say(`broker ${embedded ? `embedded at ${address} (${o.geometry}, scheme ${sharing ? o.scheme ?? 'mshare' : 'none'}, machine memory ${o.unlimitedMachine ? 'unlimited' : `${o.machineMemoryBytes} bytes`})` : address}; `
      + `region '${region}', SGA ${o.sgaBytes} bytes, ${o.clients} clients in ${clients.length} workers, pattern ${o.pattern}`);
    phase = 'donor creating the region';
    await donor.start();
    phase = 'clients spawning and attaching';
    await Promise.all(clients.map((w) => w.start()));
    const t1 = performance.now();
    loadPhase = 'pattern';
    phase = `clients running ${o.pattern}`;
    say(progressLine());
    await Promise.all(clients.map((w) => w.run()));
    const t2 = performance.now();
    loadPhase = 'teardown';
    phase = 'reading the figures';
    say(progressLine());

    const usage = await Promise.all(all.map((w) => w.usage()));
    const regionInfo = await client.readRegion(region);
    const system = await client.accounting();
    const accesses = AccessCounts.zero();
    for (const w of clients) AccessCounts.add(accesses, w.totals);
    const killed = clients.reduce((n, w) => n + w.killed.size, 0);
    const oom: OomFigures = {
      kills: kernel ? kernel.oomEvents.length : killed,
      first_kill_at_clients: firstKillAt,
      clients_completed: clients.reduce((n, w) => n + w.completedAlive, 0),
      clients_killed: killed,
      panicked: kernel?.panicked ?? false,
    };

    phase = 'stopping';
    // Clients first: the donor's creator drops the last reference and the name goes with it.
    await Promise.all(clients.map((w) => w.stop()));
    await donor.stop();
    const wall = (performance.now() - t0) / 1000;
    return {
      oom,
      inputs: {
        clients: o.clients,
        workers: clients.length,
        sgaBytes: o.sgaBytes,
        pattern: o.pattern,
        machineMemoryBytes: o.machineMemoryBytes,
        processBaseBytes: o.processBaseBytes,
        machineLimited: embedded !== undefined && o.unlimitedMachine !== true,
        geometry: donor.geometry!,
        broker: embedded ? 'embedded' : address,
        region,
        usage,
        hostPagetableBytes: regionInfo.pagetableBytes,
        accesses,
        system,
        seconds: { setup: (t1 - t0) / 1000, run: (t2 - t1) / 1000, wall },
        // hotset paces each client worker at hotsetRate; the other patterns go as fast as they can.
        load: { requestedRatePerS: o.pattern === 'hotset' ? o.hotsetRate * clients.length : null, samples },
      },
    };
  } finally {
    clearInterval(ticker);
    stopListening?.();
    await Promise.allSettled(clients.map((w) => w.stop()));
    await donor.stop().catch(() => {});
    client.close();
    if (embedded) await shutdown(embedded.broker, 2_000);
  }
}
