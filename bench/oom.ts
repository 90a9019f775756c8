/**
 * The OOM case end to end: `npm start` as a user runs it (services/loadtest/main.ts --json, its
 * defaults: the field case with mshare and beside it, without sharing, on a 512 GiB machine whose
 * OOM killer kills clients), as a child process per round. The only bench case with a memory
 * limit: the simulated machine's, which is the point of it.
 *
 * Wall time is the whole command's (node start, both embedded brokers, both scenarios, report).
 * The command's peak resident memory is its VmHWM, polled from /proc while it runs (the last
 * reading before it exits; the brokers are embedded in that process).
 */
import { judge, median, MIB, procMemory, runLoadtestJson, type Figure } from './lib.js';

const TIMEOUT_MS = 180_000;
const POLL_MS = 200;

interface OomFigures { kills: number; first_kill_at_clients: number | null; clients_completed: number; panicked: boolean }
interface Run { wall: number; hwm: number; oom: OomFigures; oomUnshared: OomFigures }

async function once(): Promise<Run> {
  let hwm = 0;
  const { wall, report } = await runLoadtestJson<{ oom: OomFigures; oom_unshared: OomFigures | null }>([], {
    timeoutMs: TIMEOUT_MS, pollMs: POLL_MS,
    poll: (pid) => { try { hwm = Math.max(hwm, procMemory(pid).hwm); } catch { /* exiting */ } },
  });
  if (report.oom_unshared === null) throw new Error('npm start: no run without sharing (oom_unshared null)');
  return { wall, hwm, oom: report.oom, oomUnshared: report.oom_unshared };
}

export async function runOom(rounds: number, log: (line: string) => void): Promise<Figure[]> {
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    const r = await once();
    runs.push(r);
    log(`oom round ${round + 1}: wall ${r.wall.toFixed(2)} s, VmHWM ${(r.hwm / MIB).toFixed(0)} MiB; without sharing ${r.oomUnshared.kills} kills, first after ${r.oomUnshared.first_kill_at_clients} clients; with mshare ${r.oom.kills} kills`);
  }
  const u = runs[0].oomUnshared;
  // The kernel is deterministic: every round must kill the same clients at the same point.
  for (const r of runs) {
    if (r.oomUnshared.kills !== u.kills || r.oomUnshared.first_kill_at_clients !== u.first_kill_at_clients) {
      throw new Error(`oom: rounds disagree (${r.oomUnshared.kills} kills against ${u.kills})`);
    }
  }
  const detail = { rounds: runs };
  return [
    judge({
      section: 'oom', name: 'npm start (field case with mshare, and without sharing on a 512 GiB machine): wall time',
      value: median(runs.map((r) => r.wall)), unit: 's', detail,
      note: `median of ${runs.length}; the whole command, node start to report`,
    }),
    judge({
      section: 'oom', name: 'npm start: peak RSS of the command (brokers embedded)', value: Math.max(...runs.map((r) => r.hwm)) / MIB, unit: 'MiB',
      note: `highest of ${runs.length}, VmHWM polled every ${POLL_MS} ms`, detail,
    }),
    judge({
      section: 'oom', name: 'without sharing: clients killed by the OOM killer', value: u.kills, unit: 'kills',
      note: `first kill after ${u.first_kill_at_clients} clients had finished; ${u.clients_completed} completed; with mshare ${runs[0].oom.kills} kills`,
    }),
  ];
}
