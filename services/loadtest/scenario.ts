/**
 * The seed's field case as one function: runScenario(options) -> Report. main.ts and the tests
 * call it; there is no other code path.
 *
 * An embedded broker (built with the broker's own buildBroker, gRPC bound to 127.0.0.1:0) unless
 * options.broker names one; one donor worker whose single process creates the region; client
 * workers whose processes attach and run the pattern; then the figures, read back through gRPC
 * (ProcStatus of every process, the msharefs read of the region), and a clean stop.
 *
 * Figures cover this run's processes and region only (so an external broker with other tenants
 * gives the same answer):
 *   pagetable_bytes           sum over our processes of VmPTE + PGD, plus the region's host tables
 *                             (its PGD included): what /proc/meminfo PageTables would gain;
 *   unshared_pagetable_bytes  the same touches with private tables everywhere (the counterfactual
 *                             the broker keeps per process);
 *   minor_faults / unshared_minor_faults   likewise, summed per process.
 *
 * Capacity on a machine of M bytes (see capacity()): the page tables of n clients must fit in the
 * memory left beside the SGA, M - SGA. With F the fixed page-table bytes that do not grow with the
 * clients (the region's host tables and the donor's own tables and PGD) and c the page-table bytes
 * each client adds (its share of the measured total), the capacity is the largest n with
 * F + n x c <= M - SGA, i.e. floor((M - SGA - F) / c), 0 when M - SGA < F. Without sharing F is
 * the donor's unshared tables and c a client's private tables for the whole SGA plus its PGD.
 * Only page tables are counted: not the SGA's pages (already subtracted), nor kernel or process
 * memory outside the tables.
 */
import * as grpc from '@grpc/grpc-js';
import { BrokerClient } from '../../shared/client/broker-client.js';
import { seedBaseline } from '../../shared/kernel/accounting.js';
import type { GeometryName } from '../../shared/kernel/geometry.js';
import { loadConfig as loadBrokerConfig } from '../broker/config.js';
import { buildBroker, type Broker } from '../broker/server.js';
import { shutdown } from '../broker/lifecycle.js';
import type { Pattern } from '../worker/config.js';
import { Worker, type AccessTotals, type UsageFigures } from '../worker/worker.js';

export interface ScenarioOptions {
  /** Client processes that attach and run the pattern (the seed: 1500). */
  clients: number;
  /** In-process client workers the clients are spread over (the donor worker comes on top). */
  workers: number;
  sgaBytes: number;
  pattern: Pattern;
  sparseFraction: number;
  hotsetRate: number;
  hotsetFraction: number;
  durationS: number;
  hotsetAccesses: number;
  /** Embedded broker only. */
  geometry: GeometryName;
  /** Embedded broker only: false runs the kernel without sharing (the world without mshare). */
  sharing: boolean;
  /** host:port of a running broker; undefined: an embedded one. */
  broker?: string;
  /** Region name; default 'sga' embedded, a name unique to the run against an external broker. */
  region?: string;
  machineMemoryBytes: number;
  seed: number;
  /** Progress lines (stderr in main.ts). */
  onProgress?: (line: string) => void;
  progressIntervalMs?: number;
}

export const DEFAULT_OPTIONS: Readonly<ScenarioOptions> = Object.freeze({
  clients: 1500,
  workers: 15,
  sgaBytes: 300 * 2 ** 30,
  pattern: 'sequential',
  sparseFraction: 0.01,
  hotsetRate: 100_000,
  hotsetFraction: 0.01,
  durationS: 10,
  hotsetAccesses: 0,
  geometry: 'x86_64-4level',
  sharing: true,
  machineMemoryBytes: 512 * 2 ** 30,
  seed: 1,
});

export interface CapacityFigures {
  /** Page-table bytes that do not grow with the clients. */
  fixed_bytes: number;
  /** Page-table bytes one client adds (measured average). */
  per_client_bytes: number;
  /** floor((machine - SGA - fixed) / per_client), 0 when nothing fits. */
  clients: number;
  /** Whether this run's client count fits. */
  fits: boolean;
}

export interface Report {
  clients: number;
  workers: number;
  /** Simulated processes of the run: the clients and the donor's creator. */
  processes: number;
  sga_bytes: number;
  pattern: Pattern;
  geometry: string;
  sharing: boolean;
  broker: string;
  region: string;
  pagetable_bytes: number;
  unshared_pagetable_bytes: number;
  saved_bytes: number;
  saved_ratio: number;
  /** The region's host mm tables (PGD included); 0 without sharing. */
  host_pagetable_bytes: number;
  /** The RFC's figure: clients x SGA / 4 KiB x 8 B. */
  baseline_pte_bytes: number;
  /** The same with each client's PMD and PUD tables. */
  baseline_pte_pmd_pud_bytes: number;
  minor_faults: number;
  unshared_minor_faults: number;
  accesses: { present: number; minor_fault: number; sigsegv: number; sigbus: number };
  capacity: {
    machine_memory_bytes: number;
    /** machine - SGA: what page tables may use. */
    available_bytes: number;
    with_sharing: CapacityFigures;
    without_sharing: CapacityFigures;
  };
  /** GetAccounting's broker-wide figures (equal to ours on an embedded broker). */
  system_pagetable_bytes: number;
  system_unshared_pagetable_bytes: number;
  setup_seconds: number;
  run_seconds: number;
  wall_seconds: number;
}

/** Clients spread over workers: the first (clients mod workers) get one more. */
export function split(clients: number, workers: number): number[] {
  const n = Math.max(1, Math.min(workers, clients));
  return Array.from({ length: n }, (_, i) => Math.floor(clients / n) + (i < clients % n ? 1 : 0));
}

export function capacity(machine: number, sga: number, fixed: number, perClient: number, clients: number): CapacityFigures {
  const room = machine - sga - fixed;
  const n = room < 0 ? 0 : perClient > 0 ? Math.floor(room / perClient) : Number.MAX_SAFE_INTEGER;
  return { fixed_bytes: fixed, per_client_bytes: perClient, clients: n, fits: clients <= n };
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
    MSHARE_SHARING: String(o.sharing),
    MSHARE_BASELINE_CLIENTS: String(o.clients),
    MSHARE_BASELINE_SGA: String(o.sgaBytes),
    MSHARE_LOG_LEVEL: 'silent',
  });
  const broker = buildBroker({ config, logger: false, defaultMetrics: false });
  const port = await new Promise<number>((resolve, reject) =>
    broker.grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { broker, address: `127.0.0.1:${port}` };
}

const add = (a: UsageFigures, b: UsageFigures): UsageFigures => ({
  processes: a.processes + b.processes,
  pagetableBytes: a.pagetableBytes + b.pagetableBytes,
  unsharedPagetableBytes: a.unsharedPagetableBytes + b.unsharedPagetableBytes,
  minorFaults: a.minorFaults + b.minorFaults,
  unsharedMinorFaults: a.unsharedMinorFaults + b.unsharedMinorFaults,
});
const zero = (): UsageFigures => ({ processes: 0, pagetableBytes: 0, unsharedPagetableBytes: 0, minorFaults: 0, unsharedMinorFaults: 0 });

export async function runScenario(options: Partial<ScenarioOptions> = {}): Promise<Report> {
  const o: ScenarioOptions = { ...DEFAULT_OPTIONS, ...options };
  if (!Number.isInteger(o.clients) || o.clients < 1) throw new Error(`clients ${o.clients} must be a whole number >= 1`);
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new Error(`workers ${o.workers} must be a whole number >= 1`);
  const say = o.onProgress ?? (() => {});
  const t0 = performance.now();
  const embedded = o.broker === undefined ? await startEmbeddedBroker(o) : undefined;
  const address = embedded?.address ?? (o.broker as string);
  const region = o.region ?? (embedded ? 'sga' : `loadtest-${process.pid}-${Date.now().toString(36)}`);
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
    say(`broker ${embedded ? `embedded at ${address} (${o.geometry}, sharing ${o.sharing ? 'on' : 'off'})` : address}; `
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

    const geometry = donor.geometry!;
    let usage = zero();
    let creator = zero();
    for (const u of await Promise.all(all.map((w) => w.usage()))) {
      usage = add(usage, u.pattern);
      creator = add(creator, u.creator);
    }
    const regionInfo = await client.readRegion(region);
    const system = await client.accounting();
    const totals: AccessTotals = { present: 0, minorFault: 0, sigsegv: 0, sigbus: 0 };
    for (const w of clients) {
      totals.present += w.totals.present;
      totals.minorFault += w.totals.minorFault;
      totals.sigsegv += w.totals.sigsegv;
      totals.sigbus += w.totals.sigbus;
    }
    const host = regionInfo.pagetableBytes;
    const pagetable = usage.pagetableBytes + creator.pagetableBytes + host;
    const unshared = usage.unsharedPagetableBytes + creator.unsharedPagetableBytes;
    const baseline = seedBaseline(o.clients, o.sgaBytes);
    const available = Math.max(0, o.machineMemoryBytes - o.sgaBytes);
    const fixedShared = host + creator.pagetableBytes;
    const fixedUnshared = creator.unsharedPagetableBytes;

    phase = 'stopping';
    // Clients first: the donor's creator drops the last reference and the name goes with it.
    await Promise.all(clients.map((w) => w.stop()));
    await donor.stop();
    const wall = (performance.now() - t0) / 1000;
    return {
      clients: o.clients,
      workers: clients.length,
      processes: usage.processes + creator.processes,
      sga_bytes: o.sgaBytes,
      pattern: o.pattern,
      geometry: geometry.name,
      sharing: geometry.sharing,
      broker: embedded ? 'embedded' : address,
      region,
      pagetable_bytes: pagetable,
      unshared_pagetable_bytes: unshared,
      saved_bytes: unshared - pagetable,
      saved_ratio: unshared > 0 ? (unshared - pagetable) / unshared : 0,
      host_pagetable_bytes: host,
      baseline_pte_bytes: baseline.pteBytes,
      baseline_pte_pmd_pud_bytes: baseline.pteWithUpperBytes,
      minor_faults: usage.minorFaults + creator.minorFaults,
      unshared_minor_faults: usage.unsharedMinorFaults + creator.unsharedMinorFaults,
      accesses: { present: totals.present, minor_fault: totals.minorFault, sigsegv: totals.sigsegv, sigbus: totals.sigbus },
      capacity: {
        machine_memory_bytes: o.machineMemoryBytes,
        available_bytes: available,
        with_sharing: capacity(o.machineMemoryBytes, o.sgaBytes, fixedShared, (pagetable - fixedShared) / o.clients, o.clients),
        without_sharing: capacity(o.machineMemoryBytes, o.sgaBytes, fixedUnshared, (unshared - fixedUnshared) / o.clients, o.clients),
      },
      system_pagetable_bytes: system.pagetableBytes,
      system_unshared_pagetable_bytes: system.unsharedPagetableBytes,
      setup_seconds: (t1 - t0) / 1000,
      run_seconds: (t2 - t1) / 1000,
      wall_seconds: wall,
    };
  } finally {
    clearInterval(ticker);
    await Promise.allSettled(clients.map((w) => w.stop()));
    await donor.stop().catch(() => {});
    client.close();
    if (embedded) await shutdown(embedded.broker, 2_000);
  }
}
