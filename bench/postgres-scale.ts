/**
 * PostgreSQL scale (issue 14): 16,384 processes attached to a 1 TiB shared region, the scale the
 * 2025 mshare series measured PostgreSQL at. The donor touches every page of the region; each
 * other process then touches 1,000 random pages of it. One scheme per child process (a fresh
 * heap, so its peak RSS is the scheme's), each bounded by a timeout.
 *
 * In process on the kernel library, not through the broker over gRPC: the broker holds exactly
 * this Kernel object, so its tables and processes cost the broker what they cost here, and the
 * figure is not a measure of 16 M addresses crossing gRPC (the grpc section measures that).
 *
 *   node --expose-gc --max-old-space-size=8192 --import tsx bench/postgres-scale.ts --child mshare
 */
import { parseArgs } from 'node:util';
import { packPages } from '../shared/addresses.js';
import { Kernel } from '../shared/kernel/kernel.js';
import { SCHEME_NAMES } from '../shared/kernel/schemes/index.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { kernelTableBytes, kernelTreeTables } from '../test/support/table-bytes.js';
import { judge, mulberry32, runChildJson, type Figure } from './lib.js';
import { runTouchMappings } from './touch-mappings.js';

const PROCESSES = 16_384;
const PAGES_EACH = 1_000;
const REGION = 1n << 40n; // 1 TiB, two PGD entries: mshare's alignment on 4-level paging
const ADDR = 1n << 40n;
const FIRST_PAGE = Number(ADDR >> 12n);
const REGION_PAGES = Number(REGION >> 12n);
const CHILD_TIMEOUT_MS = 240_000;
const GiB = 2 ** 30;

interface SchemeResult {
  scheme: string;
  seconds: number;
  setupSeconds: number;
  peakRssBytes: number;
  heapBytes: number;
  tableBytes: number;
  treeTables: number;
  pagetableBytes: number;
  unsharedPagetableBytes: number;
  minorFaults: number;
}

function reading(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) { gc(); gc(); }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function runScheme(scheme: string, processes: number): SchemeResult {
  const heap0 = reading();
  const t0 = performance.now();
  const k = new Kernel({ scheme });
  const donor = k.spawn({ uid: 26, gid: 26, comm: 'postgres' });
  k.mmap(donor, ADDR, REGION, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  k.mshare(donor, 'pg_shmem', ADDR, REGION, O_CREAT | O_EXCL | O_RDWR, 0o600);
  k.touch(donor, ADDR, REGION, 'write');
  const setupSeconds = (performance.now() - t0) / 1000;
  const rand = mulberry32(14);
  let minorFaults = 0;
  for (let i = 1; i < processes; i++) {
    const pid = k.spawn({ uid: 26, gid: 26, comm: 'postgres' });
    k.mshare(pid, 'pg_shmem', ADDR, REGION, O_RDWR, 0);
    const batch = packPages(PAGES_EACH, () => FIRST_PAGE + Math.floor(rand() * REGION_PAGES));
    minorFaults += k.accessBatch(pid, 'write', batch).minorFault;
  }
  const seconds = (performance.now() - t0) / 1000;
  const acct = k.accounting();
  const heapBytes = reading() - heap0;
  const result = {
    scheme, seconds, setupSeconds, peakRssBytes: process.resourceUsage().maxRSS * 1024, heapBytes,
    tableBytes: kernelTableBytes(k), treeTables: kernelTreeTables(k),
    pagetableBytes: acct.pagetableBytes, unsharedPagetableBytes: acct.unsharedPagetableBytes, minorFaults,
  };
  return result;
}

function figures(r: SchemeResult): Figure[] {
  const limits = r.scheme === 'none' ? { s: 60, gib: 4 } : r.scheme === 'mshare' || r.scheme === 'hugetlb' ? { s: 30, gib: 1 } : null;
  const name = `PostgreSQL scale (16,384 x 1 TiB, 1,000 random pages each), ${r.scheme}`;
  const detail = { ...r };
  return [
    judge({
      section: 'scale', name: `${name}: wall time`, value: r.seconds, unit: 's', detail,
      note: `kernel in process; donor setup ${r.setupSeconds.toFixed(1)} s; ${r.minorFaults} minor faults`,
      ...(limits ? { target: { op: '<' as const, limit: limits.s, unit: 's' } } : {}),
    }),
    judge({
      section: 'scale', name: `${name}: peak RSS`, value: r.peakRssBytes / GiB, unit: 'GiB',
      note: `heap+external after gc ${(r.heapBytes / GiB).toFixed(2)} GiB; tables by size.ts ${(r.tableBytes / GiB).toFixed(2)} GiB`,
      ...(limits ? { target: { op: '<' as const, limit: limits.gib, unit: 'GiB' } } : {}),
    }),
    judge({
      section: 'scale', name: `${name}: bytes per simulated table`, value: r.tableBytes / r.treeTables, unit: 'B',
      note: `size.ts bytes of every tree / ${r.treeTables} tables in them (counterfactuals included, a compact one by its arrays); heap delta per table ${(r.heapBytes / r.treeTables).toFixed(0)} B`,
      target: { op: '<' as const, limit: 128.5, unit: 'B' },
    }),
    {
      section: 'scale', name: `${name}: page tables, shared / without sharing`, value: r.pagetableBytes / GiB, unit: 'GiB',
      note: `without sharing ${(r.unsharedPagetableBytes / GiB).toFixed(2)} GiB`,
    },
  ];
}

/**
 * Every scheme, each in its own child process (a scheme that fails or times out is reported as
 * such), then the broker's bounded-cost cases (touch-mappings.ts).
 */
export async function runScale(log: (line: string) => void): Promise<Figure[]> {
  const out: Figure[] = await runTouchMappings(log);
  for (const scheme of SCHEME_NAMES) {
    log(`scale: ${scheme}, 16,384 processes x 1 TiB`);
    try {
      const r = await runChildJson<SchemeResult>('bench/postgres-scale.ts', {
        nodeArgs: ['--expose-gc', '--max-old-space-size=12288'], args: ['--child', scheme], timeoutMs: CHILD_TIMEOUT_MS,
      });
      out.push(...figures(r));
    } catch (err) {
      out.push({
        section: 'scale', name: `PostgreSQL scale (16,384 x 1 TiB, 1,000 random pages each), ${scheme}: wall time`,
        value: NaN, unit: 's', met: false, note: `did not complete within ${CHILD_TIMEOUT_MS / 1000} s: ${String(err)}`,
      });
    }
  }
  return out;
}

if (process.argv.includes('--child')) {
  // --processes: a smaller run by hand (the bench always runs 16,384).
  const { values } = parseArgs({ options: { child: { type: 'string' }, processes: { type: 'string' } }, strict: true });
  process.stdout.write(`${JSON.stringify(runScheme(values.child ?? 'none', Number(values.processes ?? PROCESSES)))}\n`);
}
