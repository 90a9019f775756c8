/**
 * The load test's report, computed from what the run read back: a pure function of its inputs
 * (no gRPC, no clock), so its arithmetic is tested directly (test/loadtest-report.test.ts).
 *
 * Figures cover the run's processes and region only (so an external broker with other tenants
 * gives the same answer):
 *   pagetable_bytes           sum over the run's processes of VmPTE + PGD, plus the region's host
 *                             tables (its PGD included): what /proc/meminfo PageTables would gain
 *                             (hugetlb on an embedded broker: the system figure, which counts a
 *                             PMD table its sharers' VmPTEs each count once);
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
import { seedBaseline } from '../../shared/kernel/accounting.js';
import type { OutcomeTally } from '../../shared/grpc/wire.js';
import type { Pattern } from '../worker/config.js';
import { UsageFigures } from '../worker/worker.js';
import { loadFigures, type LoadFigures, type LoadInputs } from './load.js';

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

/** What the OOM killer did in one run (issue 10). */
export interface OomFigures {
  kills: number;
  /** Clients whose pattern had finished when the first kill happened; null when none happened. */
  first_kill_at_clients: number | null;
  /** Clients finished and alive at the end. */
  clients_completed: number;
  clients_killed: number;
  /** Out of memory with nothing killable: the machine refused every allocation after. */
  panicked: boolean;
}

/** The field case's figures, then the load test's (load.ts: phases, RPC latency, errors, warnings). */
export interface Report extends LoadFigures {
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
    /** Each process's base cost (--process-base), counted in fixed and per-client bytes. */
    process_base_bytes: number;
    /** machine - SGA: what page tables may use. */
    available_bytes: number;
    with_sharing: CapacityFigures;
    without_sharing: CapacityFigures;
  };
  /** GetAccounting's broker-wide figures (equal to ours on an embedded broker). */
  system_pagetable_bytes: number;
  system_unshared_pagetable_bytes: number;
  /** The run the figures come from (with mshare by default), on the machine's memory. */
  oom: OomFigures;
  /** The same run without sharing beside it; null against an external broker. */
  oom_unshared: OomFigures | null;
  /** The broker's sharing scheme (GetGeometry). */
  scheme: string;
  /** The clients' VmPTE summed (PGDs aside), and the link entries synced broker-wide. */
  clients_vmpte_bytes: number;
  syncs: number;
  setup_seconds: number;
  run_seconds: number;
  wall_seconds: number;
}

/** What a run read back, and what it was asked to do. */
export interface ReportInputs {
  clients: number;
  /** Client workers (the donor's comes on top). */
  workers: number;
  sgaBytes: number;
  pattern: Pattern;
  machineMemoryBytes: number;
  processBaseBytes: number;
  /** Whether the machine memory limited the broker (embedded) or only sizes the capacity figures. */
  machineLimited: boolean;
  oom: OomFigures;
  oomUnshared: OomFigures | null;
  /** The broker's geometry name and whether it shares (GetGeometry). */
  geometry: { name: string; sharing: boolean; scheme?: string; pgdBytes?: number };
  /** 'embedded', or the address of the broker used. */
  broker: string;
  region: string;
  /** ProcStatus sums, per worker: the pattern processes, and the donor's creator process. */
  usage: readonly { pattern: UsageFigures; creator: UsageFigures }[];
  /** The region's host tables, PGD included (the msharefs read). */
  hostPagetableBytes: number;
  /** What the broker answered the clients' accesses. */
  accesses: OutcomeTally;
  /** GetAccounting: broker-wide. */
  system: { pagetableBytes: number; unsharedPagetableBytes: number; syncs?: number };
  seconds: { setup: number; run: number; wall: number };
  /** The workers' RPC samples and the pattern's requested rate (absent: none recorded). */
  load?: LoadInputs;
}

const PGD_BYTES = 4096;

export function capacity(machine: number, sga: number, fixed: number, perClient: number, clients: number): CapacityFigures {
  const room = machine - sga - fixed;
  const n = room < 0 ? 0 : perClient > 0 ? Math.floor(room / perClient) : Number.MAX_SAFE_INTEGER;
  return { fixed_bytes: fixed, per_client_bytes: perClient, clients: n, fits: clients <= n };
}

export function buildReport(i: ReportInputs): Report {
  const pattern = UsageFigures.zero();
  const creator = UsageFigures.zero();
  for (const u of i.usage) {
    UsageFigures.add(pattern, u.pattern);
    UsageFigures.add(creator, u.creator);
  }
  const host = i.hostPagetableBytes;
  // hugetlb shares PMD tables with no host mm: each sharer's VmPTE counts a shared table (as
  // Linux's does), so the sum over processes counts it once per sharer, where /proc/meminfo
  // PageTables (the system figure) counts it once. On an embedded broker the run's processes are
  // the system's, so the system figure is the run's.
  const perSharer = i.geometry.scheme === 'hugetlb' && i.broker === 'embedded';
  const pagetable = perSharer ? i.system.pagetableBytes : pattern.pagetableBytes + creator.pagetableBytes + host;
  const unshared = pattern.unsharedPagetableBytes + creator.unsharedPagetableBytes;
  const baseline = seedBaseline(i.clients, i.sgaBytes);
  const base = i.processBaseBytes;
  const fixedShared = host + creator.pagetableBytes + base;
  const fixedUnshared = creator.unsharedPagetableBytes + base;
  const machine = i.machineMemoryBytes;
  return {
    clients: i.clients,
    workers: i.workers,
    processes: pattern.processes + creator.processes,
    sga_bytes: i.sgaBytes,
    pattern: i.pattern,
    geometry: i.geometry.name,
    sharing: i.geometry.sharing,
    broker: i.broker,
    region: i.region,
    pagetable_bytes: pagetable,
    unshared_pagetable_bytes: unshared,
    saved_bytes: unshared - pagetable,
    saved_ratio: unshared > 0 ? (unshared - pagetable) / unshared : 0,
    host_pagetable_bytes: host,
    baseline_pte_bytes: baseline.pteBytes,
    baseline_pte_pmd_pud_bytes: baseline.pteWithUpperBytes,
    minor_faults: pattern.minorFaults + creator.minorFaults,
    unshared_minor_faults: pattern.unsharedMinorFaults + creator.unsharedMinorFaults,
    accesses: {
      present: i.accesses.present, minor_fault: i.accesses.minorFault, sigsegv: i.accesses.sigsegv, sigbus: i.accesses.sigbus,
    },
    capacity: {
      machine_memory_bytes: machine,
      available_bytes: Math.max(0, machine - i.sgaBytes),
      process_base_bytes: base,
      with_sharing: capacity(machine, i.sgaBytes, fixedShared, (pagetable + base - fixedShared) / i.clients + base, i.clients),
      without_sharing: capacity(machine, i.sgaBytes, fixedUnshared, (unshared + base - fixedUnshared) / i.clients + base, i.clients),
    },
    system_pagetable_bytes: i.system.pagetableBytes,
    system_unshared_pagetable_bytes: i.system.unsharedPagetableBytes,
    oom: i.oom,
    oom_unshared: i.oomUnshared,
    scheme: i.geometry.scheme ?? (i.geometry.sharing ? 'mshare' : 'none'),
    clients_vmpte_bytes: pattern.pagetableBytes - pattern.processes * (i.geometry.pgdBytes ?? PGD_BYTES),
    syncs: i.system.syncs ?? 0,
    setup_seconds: i.seconds.setup,
    run_seconds: i.seconds.run,
    wall_seconds: i.seconds.wall,
    ...loadFigures(
      i.load ?? { requestedRatePerS: null, samples: [] },
      { setup: i.seconds.setup, pattern: i.seconds.run, teardown: Math.max(0, i.seconds.wall - i.seconds.setup - i.seconds.run) },
      i.accesses.present + i.accesses.minorFault + i.accesses.sigsegv + i.accesses.sigbus,
    ),
  };
}
