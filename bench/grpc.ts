/**
 * The broker over gRPC against the transport's ceiling. The benchmark's own process is the load
 * client; the broker (services/broker/main.ts, the production entry point) and the plain echo
 * server (bench/echo-server.ts) are child processes on 127.0.0.1:0, so client and server never
 * share a core's event loop.
 *
 * The echo is a fair reference (docs/grpc-transport.md): the broker's server options, BrokerClient's
 * channel options, and on the stream the same 8 KiB of addresses framed by the same hand codec as an
 * AccessStream batch (shared/grpc/batch-codec.ts); it only skips the broker's work (metrics, auth,
 * validation, the kernel), and sends the 8 KiB back where the broker answers 1 KiB of outcomes.
 *
 * After a warm-up of each side that is not counted (JIT, the setup's GCs), every round runs broker
 * and echo in alternating slices of SLICE_MS (B E B E ..., the order flipping every round), so a
 * change in the machine's load weighs on both alike; each figure is the median over rounds of a
 * ratio computed within one round. Unary Access asks for random present pages of a populated
 * 300 GiB shared region (16 B-ish requests), against unary echo of a 16 B payload. AccessStream
 * sends 1024-address batches (8 KiB) with 16 in flight, against an echo stream of the same 8 KiB.
 * Each round also logs, per op and per side, the CPU time of the server process (all threads) and
 * of this client, and the run-queue wait of each event-loop thread (Linux schedstat).
 *
 * BENCH_PROFILE=1 runs the broker with --cpu-prof into bench/results (sum it with bench/profile.ts);
 * BENCH_BROKER_NODE_ARGS adds node flags to the broker (e.g. --trace-gc).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { BrokerClient, DEFAULT_CHANNEL_OPTIONS, type AccessStream } from '../shared/client/index.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_SHARED, O_CREAT, O_EXCL, O_RDWR, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { packPages } from '../shared/addresses.js';
import { loadEcho, openEchoStream, type EchoClient } from './echo.js';
import {
  judge, median, mulberry32, percentile, startChild, SGA_ADDR, SGA_BYTES, SGA_FIRST_PAGE, SGA_PAGES, type Child, type Figure,
} from './lib.js';

export interface RunResult {
  /** Calls (unary) or messages (stream) completed per second. */
  rate: number;
  /** CPU time per completed call or message, us: of the server process, and of this (client) process. */
  serverCpuUs: number;
  clientCpuUs: number;
  /** Time the event-loop thread of each waited on a run queue for a CPU, per call or message, us. */
  serverWaitUs: number;
  clientWaitUs: number;
  p50Ms: number;
  p99Ms: number;
  n: number;
}

export interface GrpcOptions {
  rounds: number;
  /** Measured time of each side in one round (in slices of SLICE_MS, taking turns). */
  runMs: number;
  /** Warm-up of each side at the start of a round (half of it), and before round 1 (twice it). */
  warmMs: number;
  /** Which comparisons to run (default both). */
  cases?: ReadonlyArray<'unary' | 'stream'>;
  log: (line: string) => void;
}

const CONCURRENCIES = [1, 16, 64] as const;
const BATCH = 1024;
const STREAM_WINDOW = 16;
/** Broker and echo take turns in slices of this length within a round. */
const SLICE_MS = 250;
const DEADLINE_MS = 30_000; // BrokerClient's default per-call deadline; the echo calls carry one too

/**
 * A process's scheduler figures, us (Linux /proc/PID/task/TID/schedstat: ns on a CPU, ns waiting
 * on a run queue): CPU time of every thread; run-queue wait of its main thread (the event loop).
 */
function sched(pid: number | 'self'): { cpu: number; wait: number } {
  let cpu = 0;
  let wait = 0;
  const main = pid === 'self' ? String(process.pid) : String(pid);
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      cpu += Number(f[0]);
      if (tid === main) wait = Number(f[1]);
    } catch { /* thread gone */ }
  }
  return { cpu: cpu / 1000, wait: wait / 1000 };
}

/** One side's operations, accumulated over the slices of a round. */
class Tally {
  lat: number[] = [];
  done = 0;
  ms = 0;
  serverCpuUs = 0;
  clientCpuUs = 0;
  serverWaitUs = 0;
  clientWaitUs = 0;

  result(): RunResult {
    return {
      rate: this.done / (this.ms / 1000), p50Ms: percentile(this.lat, 50), p99Ms: percentile(this.lat, 99), n: this.done,
      serverCpuUs: this.serverCpuUs / this.done, clientCpuUs: this.clientCpuUs / this.done,
      serverWaitUs: this.serverWaitUs / this.done, clientWaitUs: this.clientWaitUs / this.done,
    };
  }
}

/**
 * Keeps `inFlight` operations going for sliceMs, then lets them finish; adds to `into` those that
 * started and finished within the slice, and both processes' CPU time over it.
 */
async function closedLoop(op: () => Promise<unknown>, inFlight: number, sliceMs: number, serverPid: number, into?: Tally): Promise<void> {
  const server0 = sched(serverPid);
  const client0 = sched('self');
  const start = performance.now();
  const end = start + sliceMs;
  let done = 0;
  let stopped = end;
  const lane = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      await op();
      const t1 = performance.now();
      if (t1 <= end) { into?.lat.push(t1 - t0); done++; } else if (t1 < stopped || stopped === end) stopped = t1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  if (!into) return;
  // CPU is read once the lanes drained: the ops finishing past `end` are charged, not counted, so
  // the CPU per op errs high by at most inFlight ops per slice.
  into.done += done;
  into.ms += sliceMs;
  const server1 = sched(serverPid);
  const client1 = sched('self');
  into.serverCpuUs += server1.cpu - server0.cpu;
  into.clientCpuUs += client1.cpu - client0.cpu;
  into.serverWaitUs += server1.wait - server0.wait;
  into.clientWaitUs += client1.wait - client0.wait;
}

/**
 * One round of broker against echo: a warm-up slice of each, then `slices` slices of each in
 * turn (B E B E ... or E B E B ...), so that a change in the machine's load weighs on both alike.
 */
async function interleaved(
  broker: { op: () => Promise<unknown>; pid: number }, echo: { op: () => Promise<unknown>; pid: number },
  inFlight: number, o: { slices: number; sliceMs: number; warmMs: number; brokerFirst: boolean },
): Promise<{ broker: RunResult; echo: RunResult }> {
  const b = new Tally();
  const e = new Tally();
  const order = o.brokerFirst ? [[broker, b], [echo, e]] as const : [[echo, e], [broker, b]] as const;
  for (const [side] of order) await closedLoop(side.op, inFlight, o.warmMs, side.pid);
  for (let i = 0; i < o.slices; i++) for (const [side, t] of order) await closedLoop(side.op, inFlight, o.sliceMs, side.pid, t);
  return { broker: b.result(), echo: e.result() };
}

function echoUnary(client: EchoClient, payload: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client.Unary({ payload }, { deadline: Date.now() + DEADLINE_MS }, (err, res) => (err ? reject(err) : resolve(res))));
}

/** A FIFO over a raw echo duplex stream: one promise per message, resolved by its echo. */
function echoStream(client: EchoClient): { send: (payload: Buffer) => Promise<unknown>; close: () => Promise<void> } {
  const call = openEchoStream(client);
  const pending: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  call.on('data', (m) => pending.shift()?.resolve(m));
  call.on('error', (err) => { for (const p of pending.splice(0)) p.reject(err); });
  return {
    send: (payload) => new Promise((resolve, reject) => { pending.push({ resolve, reject }); call.write({ payload }); }),
    close: () => new Promise((resolve) => { call.once('end', () => resolve()); call.once('error', () => resolve()); call.end(); }),
  };
}

async function setupBroker(client: BrokerClient): Promise<number> {
  const donor = await client.spawn({ uid: 1000, gid: 1000, comm: 'bench-donor' });
  await client.mmap(donor, SGA_ADDR, BigInt(SGA_BYTES), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  await client.mshare(donor, 'bench-sga', SGA_ADDR, 512n << 30n, O_CREAT | O_EXCL | O_RDWR, 0o600);
  const pid = await client.spawn({ uid: 1000, gid: 1000, comm: 'bench-client' });
  await client.mshare(pid, 'bench-sga', SGA_ADDR, 512n << 30n, O_RDWR, 0);
  const t = await client.touch(pid, SGA_ADDR, BigInt(SGA_BYTES), 'write');
  if (t.minorFault !== SGA_PAGES) throw new Error(`setup touch faulted ${t.minorFault} pages`);
  return pid;
}

/** The broker's own entry point as a child; BENCH_PROFILE=1 adds --cpu-prof (into bench/results). */
export async function startBroker(env: Record<string, string> = {}): Promise<Child & { value: string }> {
  return startChild('services/broker/main.ts', {
    nodeArgs: [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=bench/results'] : []), ...(process.env.BENCH_BROKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: {
      MSHARE_GRPC_ADDR: '127.0.0.1:0', MSHARE_HTTP_ADDR: '127.0.0.1:0', MSHARE_LOG_LEVEL: 'info',
      MSHARE_SHUTDOWN_GRACE_MS: '1000', MSHARE_SESSION_GRACE_MS: '0', ...env,
    },
    // pino's line: {"level":30,...,"grpc":"127.0.0.1:PORT",...,"msg":"mshare-broker listening"}
    ready: (line) => {
      if (!line.includes('mshare-broker listening')) return undefined;
      return (JSON.parse(line) as { grpc: string }).grpc;
    },
  });
}

export async function runGrpc(o: GrpcOptions): Promise<Figure[]> {
  const cases = o.cases ?? ['unary', 'stream'];
  const broker = await startBroker();
  const echo = await startChild('bench/echo-server.ts', {
    ready: (line) => (line.startsWith('{"port"') ? `127.0.0.1:${(JSON.parse(line) as { port: number }).port}` : undefined),
  });
  const client = new BrokerClient(broker.value);
  const { Client } = loadEcho();
  const echoClient = new Client(echo.value, grpc.credentials.createInsecure(), { ...DEFAULT_CHANNEL_OPTIONS }); // BrokerClient's
  let stream: AccessStream | undefined;
  let eStream: ReturnType<typeof echoStream> | undefined;
  try {
    await client.waitForReady();
    await new Promise<void>((resolve, reject) => echoClient.waitForReady(Date.now() + 5_000, (e) => (e ? reject(e) : resolve())));
    o.log(`grpc: broker pid ${broker.pid} at ${broker.value}, echo pid ${echo.pid} at ${echo.value}; populating 300 GiB`);
    const pid = await setupBroker(client);

    const rand = mulberry32(5);
    const addrs = Array.from({ length: 4096 }, () => BigInt(SGA_FIRST_PAGE + Math.floor(rand() * SGA_PAGES)) << 12n);
    let ai = 0;
    const access = () => client.access(pid, addrs[ai++ & 4095], 'read');
    const payload16 = Buffer.alloc(16, 7);
    const unaryEcho = () => echoUnary(echoClient, payload16);

    const batches = Array.from({ length: 64 }, () =>
      packPages(BATCH, () => SGA_FIRST_PAGE + Math.floor(rand() * SGA_PAGES)));
    const echoPayloads = batches.map((b) => Buffer.from(b));
    stream = client.accessStream();
    eStream = echoStream(echoClient);
    let bi = 0;
    const s = stream;
    const batch = async () => {
      const r = await s.batch(pid, 'read', batches[bi++ & 63]);
      if (r.present !== BATCH) throw new Error(`batch: ${r.present} present of ${BATCH}`);
    };
    const es = eStream;
    let ei = 0;
    const echoBatch = () => es.send(echoPayloads[ei++ & 63]);

    type Pair = { broker: RunResult; echo: RunResult };
    const f0 = (n: number) => n.toFixed(0);
    const cpuNote = (p: Pair) => `us/op broker vs echo: CPU server ${f0(p.broker.serverCpuUs)} vs ${f0(p.echo.serverCpuUs)}, `
      + `client ${f0(p.broker.clientCpuUs)} vs ${f0(p.echo.clientCpuUs)}; run-queue wait server ${f0(p.broker.serverWaitUs)} vs ${f0(p.echo.serverWaitUs)}, `
      + `client ${f0(p.broker.clientWaitUs)} vs ${f0(p.echo.clientWaitUs)}; p50 ${p.broker.p50Ms.toFixed(2)} vs ${p.echo.p50Ms.toFixed(2)} ms`;
    const unary: Record<number, Pair[]> = { 1: [], 16: [], 64: [] };
    const streams: Pair[] = [];
    const sides = {
      unary: { broker: { op: access, pid: broker.pid }, echo: { op: unaryEcho, pid: echo.pid } },
      stream: { broker: { op: batch, pid: broker.pid }, echo: { op: echoBatch, pid: echo.pid } },
    };
    const slices = Math.max(1, Math.round(o.runMs / SLICE_MS));
    // Not counted: the first seconds of a process run its JIT compilers (and, in the broker, the
    // GCs the 300 GiB setup left due), which round 1 would otherwise measure.
    o.log('grpc: warm-up (not counted)');
    for (const c of cases.includes('unary') ? CONCURRENCIES : []) {
      for (const side of [sides.unary.broker, sides.unary.echo]) await closedLoop(side.op, c, 2 * o.warmMs, side.pid);
    }
    if (cases.includes('stream')) for (const side of [sides.stream.broker, sides.stream.echo]) await closedLoop(side.op, STREAM_WINDOW, 2 * o.warmMs, side.pid);
    for (let round = 0; round < o.rounds; round++) {
      const plan = { slices, sliceMs: o.runMs / slices, warmMs: o.warmMs / 2, brokerFirst: round % 2 === 0 };
      for (const c of cases.includes('unary') ? CONCURRENCIES : []) {
        const p = await interleaved(sides.unary.broker, sides.unary.echo, c, plan);
        unary[c].push(p);
        o.log(`grpc round ${round + 1}: unary ${c} in flight: Access ${p.broker.rate.toFixed(0)}/s, echo ${p.echo.rate.toFixed(0)}/s, ratio ${(p.broker.rate / p.echo.rate).toFixed(3)}; ${cpuNote(p)}`);
      }
      if (!cases.includes('stream')) continue;
      const p = await interleaved(sides.stream.broker, sides.stream.echo, STREAM_WINDOW, plan);
      streams.push(p);
      o.log(`grpc round ${round + 1}: stream: AccessStream ${(p.broker.rate * BATCH / 1e6).toFixed(2)} M addr/s, echo ${(p.echo.rate * BATCH / 1e6).toFixed(2)} M addr/s, ratio ${(p.broker.rate / p.echo.rate).toFixed(3)}; ${cpuNote(p)}`);
    }

    const figures: Figure[] = [];
    const summary = (ps: Pair[]) => ({
      rounds: ps.map((p) => ({ broker: p.broker, echo: p.echo, ratio: p.broker.rate / p.echo.rate })),
    });
    for (const c of cases.includes('unary') ? CONCURRENCIES : []) {
      const ps = unary[c];
      const ratio = median(ps.map((p) => p.broker.rate / p.echo.rate));
      const rate = median(ps.map((p) => p.broker.rate));
      const echoRate = median(ps.map((p) => p.echo.rate));
      figures.push(judge({
        section: 'grpc', name: `unary Access / unary echo, ${c} in flight`, value: ratio, unit: 'ratio',
        note: `Access ${rate.toFixed(0)} calls/s (p50 ${median(ps.map((p) => p.broker.p50Ms)).toFixed(3)} ms, p99 ${median(ps.map((p) => p.broker.p99Ms)).toFixed(3)} ms); `
          + `echo ${echoRate.toFixed(0)} calls/s (p50 ${median(ps.map((p) => p.echo.p50Ms)).toFixed(3)} ms, p99 ${median(ps.map((p) => p.echo.p99Ms)).toFixed(3)} ms)`,
        target: { op: '>=', limit: 0.85, unit: 'ratio' },
        detail: {
          access_calls_per_s: rate, echo_calls_per_s: echoRate,
          access_p50_ms: median(ps.map((p) => p.broker.p50Ms)), access_p99_ms: median(ps.map((p) => p.broker.p99Ms)),
          echo_p50_ms: median(ps.map((p) => p.echo.p50Ms)), echo_p99_ms: median(ps.map((p) => p.echo.p99Ms)),
          ...summary(ps),
        },
      }));
    }
    if (!cases.includes('stream')) return figures;
    const sRate = median(streams.map((p) => p.broker.rate * BATCH));
    const eRate = median(streams.map((p) => p.echo.rate * BATCH));
    const sRatio = median(streams.map((p) => p.broker.rate / p.echo.rate));
    const lat = {
      access_p50_ms: median(streams.map((p) => p.broker.p50Ms)), access_p99_ms: median(streams.map((p) => p.broker.p99Ms)),
      echo_p50_ms: median(streams.map((p) => p.echo.p50Ms)), echo_p99_ms: median(streams.map((p) => p.echo.p99Ms)),
    };
    figures.push(judge({
      section: 'grpc', name: 'AccessStream addresses/s (1024-address batches, 16 in flight)', value: sRate, unit: 'addresses/s',
      note: `batch round trip p50 ${lat.access_p50_ms.toFixed(2)} ms, p99 ${lat.access_p99_ms.toFixed(2)} ms`,
      target: { op: '>=', limit: 12e6, unit: 'addresses/s' },
      detail: { echo_addresses_per_s: eRate, ...lat, ...summary(streams) },
    }));
    figures.push({
      section: 'grpc', name: 'AccessStream / echo stream of the same 8 KiB messages', value: sRatio, unit: 'ratio',
      note: `echo ${(eRate / 1e6).toFixed(1)} M addresses/s (p50 ${lat.echo_p50_ms.toFixed(2)} ms, p99 ${lat.echo_p99_ms.toFixed(2)} ms); reported, no target`,
    });
    return figures;
  } finally {
    await stream?.close().catch(() => {});
    await eStream?.close().catch(() => {});
    client.close();
    echoClient.close();
    await broker.stop();
    await echo.stop();
  }
}
