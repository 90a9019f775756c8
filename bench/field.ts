/**
 * The seed's field case end to end: 1500 clients x 300 GiB, every page (the load test's
 * sequential pattern: one Touch RPC per client), through gRPC, with services/loadtest's
 * runScenario in this process against a broker child process started for each run
 * (MSHARE_SHARING=true or false: private tables really simulated). Rounds alternate the modes.
 *
 * Wall time is the scenario's own (spawn, attach, touch, read the figures back, stop). Before it,
 * a small warm-up scenario (15 clients x 1 GiB, another region) against the same broker compiles
 * the client's and the broker's code paths, so the first mode does not pay for the JIT. The
 * broker's peak resident memory is VmHWM of its process, read from /proc before it is stopped
 * (the warm-up included: it is far smaller than the field case).
 */
import { runScenario } from '../services/loadtest/scenario.js';
import { startBroker } from './grpc.js';
import { judge, median, MIB, procMemory, SGA_BYTES, GIB, type Figure } from './lib.js';

interface Run { wall: number; setup: number; touch: number; hwm: number; idleHwm: number; pagetable: number; unshared: number }

async function once(sharing: boolean): Promise<Run> {
  const broker = await startBroker({ MSHARE_SHARING: String(sharing) });
  try {
    const idle = procMemory(broker.pid);
    await runScenario({ broker: broker.value, region: 'warmup', clients: 15, workers: 15, sgaBytes: GIB, pattern: 'sequential' });
    const r = await runScenario({
      broker: broker.value, region: 'sga', clients: 1500, workers: 15, sgaBytes: SGA_BYTES, pattern: 'sequential',
    });
    const mem = procMemory(broker.pid);
    if (r.sharing !== sharing) throw new Error(`the broker answered sharing=${r.sharing}`);
    if (r.accesses.minor_fault + r.accesses.present !== 1500 * (SGA_BYTES / 4096)) throw new Error('not every page was touched');
    return {
      wall: r.wall_seconds, setup: r.setup_seconds, touch: r.run_seconds, hwm: mem.hwm, idleHwm: idle.hwm,
      pagetable: r.pagetable_bytes, unshared: r.unshared_pagetable_bytes,
    };
  } finally {
    await broker.stop();
  }
}

export async function runField(rounds: number, log: (line: string) => void): Promise<Figure[]> {
  const runs: Record<'shared' | 'unshared', Run[]> = { shared: [], unshared: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const sharing of order) {
      const mode = sharing ? 'shared' : 'unshared';
      const r = await once(sharing);
      runs[mode].push(r);
      log(`field round ${round + 1} ${mode}: wall ${r.wall.toFixed(2)} s (setup ${r.setup.toFixed(2)}, touch ${r.touch.toFixed(2)}), broker VmHWM ${(r.hwm / MIB).toFixed(0)} MiB`);
    }
  }
  const figures: Figure[] = [];
  for (const mode of ['shared', 'unshared'] as const) {
    const rs = runs[mode];
    const wall = median(rs.map((r) => r.wall));
    const hwm = Math.max(...rs.map((r) => r.hwm));
    const detail = { rounds: rs };
    figures.push(judge({
      section: 'field', name: `1500 x 300 GiB every page, ${mode}: wall time`, value: wall, unit: 's',
      note: `median of ${rs.length}; setup (spawn + attach) ${median(rs.map((r) => r.setup)).toFixed(2)} s, touch ${median(rs.map((r) => r.touch)).toFixed(2)} s`,
      target: { op: '<', limit: 5, unit: 's' }, detail,
    }));
    figures.push(judge({
      section: 'field', name: `1500 x 300 GiB every page, ${mode}: broker peak RSS (VmHWM)`, value: hwm / MIB, unit: 'MiB',
      note: `highest of ${rs.length}; idle broker ${(median(rs.map((r) => r.idleHwm)) / MIB).toFixed(0)} MiB; simulated page tables ${(rs[0].pagetable / GIB).toFixed(1)} GiB`,
      target: { op: '<', limit: 512, unit: 'MiB' }, detail,
    }));
  }
  return figures;
}
