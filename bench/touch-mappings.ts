/**
 * Bounded cost per request (issue 12), through the broker over gRPC (its production entry point,
 * a child process on 127.0.0.1:0):
 * - a Touch over 2 GiB holding 30,000 one-page mappings, timed, while another client asks
 *   GetGeometry every few milliseconds: the slowest answer during the Touch is the figure;
 * - the 40-byte Touch of one page per GiB over 32 TiB: the broker's RSS growth per table it
 *   creates, the cross-check of the size.ts count the tests assert.
 */
import { BrokerClient } from '../shared/client/index.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { startBroker } from './grpc.js';
import { judge, median, procMemory, type Figure } from './lib.js';

const MAPPINGS = 30_000;
const SPAN = 2n << 30n;
const BASE = 1n << 32n;
const RW = PROT_READ | PROT_WRITE;
const FLAGS = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
const IN_FLIGHT = 64;
const ROUNDS = 5;
const TiB = 1n << 40n;

/** Runs `n` calls of `op(i)` with IN_FLIGHT outstanding. */
async function pool(n: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => { while (next < n) await op(next++); };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

/** GetGeometry answers (ms) while `work` runs, asked every 2 ms (bounded by the work): the slowest, the p99. */
async function geometryWhile(client: BrokerClient, work: Promise<unknown>): Promise<{ maxMs: number; p99Ms: number; n: number }> {
  let done = false;
  void work.finally(() => { done = true; });
  const ms: number[] = [];
  while (!done) {
    const t0 = performance.now();
    await client.geometry();
    ms.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 2));
  }
  ms.sort((a, b) => a - b);
  return { maxMs: ms[ms.length - 1] ?? 0, p99Ms: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.99) - 1)] ?? 0, n: ms.length };
}

export async function runTouchMappings(log: (line: string) => void): Promise<Figure[]> {
  const broker = await startBroker();
  const client = new BrokerClient(broker.value);
  const other = new BrokerClient(broker.value);
  try {
    await client.waitForReady();
    await other.waitForReady();
    const pid = await client.spawn({ uid: 1000, gid: 1000, comm: 'mappings' });
    const gap = (SPAN / BigInt(MAPPINGS)) & ~4095n;
    log(`scale: ${MAPPINGS} one-page mappings over gRPC`);
    await pool(MAPPINGS, (i) => client.mmap(pid, BASE + BigInt(i) * gap, 4096n, RW, FLAGS));
    const touchMs: number[] = [];
    const geoMs: number[] = [];
    const geoP99: number[] = [];
    const geoN: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const touch = client.touch(pid, BASE, SPAN, 'write');
      const geo = await geometryWhile(other, touch);
      const c = await touch;
      touchMs.push(performance.now() - t0);
      geoMs.push(geo.maxMs);
      geoP99.push(geo.p99Ms);
      geoN.push(geo.n);
      if (c.minorFault + c.present !== MAPPINGS) throw new Error(`touch reached ${c.minorFault + c.present} pages`);
    }

    log('scale: the 40-byte Touch, one page per GiB over 32 TiB');
    const big = await client.spawn({ uid: 1000, gid: 1000, comm: 'stride' });
    await client.mmap(big, 16n * TiB, 32n * TiB, RW, FLAGS);
    const rss0 = procMemory(broker.pid).rss;
    const c = await client.touch(big, 16n * TiB, 32n * TiB, 'write', 2 ** 18);
    const rss1 = procMemory(broker.pid).rss;
    const tables = 32 * 1024 * 2 + 64; // a PTE and a PMD table per GiB, a PUD table per 512 GiB
    if (c.minorFault !== 32 * 1024) throw new Error(`stride touch faulted ${c.minorFault}`);
    return [
      judge({
        section: 'scale', name: `Touch over 2 GiB holding ${MAPPINGS} one-page mappings (gRPC)`, value: median(touchMs), unit: 'ms',
        note: `median of ${ROUNDS} (first: fresh faults)`, target: { op: '<', limit: 1000, unit: 'ms' }, detail: { rounds: touchMs },
      }),
      judge({
        section: 'scale', name: 'GetGeometry from another client during that Touch, slowest answer', value: Math.max(...geoMs), unit: 'ms',
        note: `the slowest over ${ROUNDS} touches (median of the rounds' slowest: ${median(geoMs).toFixed(1)} ms)`,
        target: { op: '<', limit: 50, unit: 'ms' }, detail: { rounds: geoMs, answers: geoN },
      }),
      {
        section: 'scale', name: 'GetGeometry from another client during that Touch, p99', value: median(geoP99), unit: 'ms',
        note: `median over ${ROUNDS} touches of each one's p99 (GetGeometry every 2 ms)`, detail: { rounds: geoP99, answers: geoN },
      },
      {
        section: 'scale', name: 'broker RSS growth per table, Touch of one page per GiB over 32 TiB', value: (rss1 - rss0) / tables, unit: 'B',
        note: `RSS without a GC (an upper bound on what stays); the tests count the tables' bytes by size.ts (<= 256 B per table); ${tables} tables`,
        detail: { rssBefore: rss0, rssAfter: rss1, tables },
      },
    ];
  } finally {
    client.close();
    other.close();
    await broker.stop();
  }
}
