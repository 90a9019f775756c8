/**
 * A real PostgreSQL 15 for the capture tests (test/capture-real.test.ts) and the capture
 * benchmark (bench.ts): a cluster in a temporary
 * directory, owned by and run as the `postgres` user, listening on a Unix socket in that directory
 * only (listen_addresses = ''), and backends kept alive by psql sessions that have read
 * pgbench_accounts and then sleep (bounded).
 *
 * The binaries are Debian's (postgresql-15: /usr/lib/postgresql/15/bin); scripts/test-tools.sh
 * installs the package when they are missing. stop() stops the server by its postmaster pid
 * (SIGINT, fast shutdown; SIGKILL if it has not exited in time) and kills the psql sessions it
 * started, by pid, then removes the directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PgOptions {
  /** shared_buffers, e.g. '384MB'. */
  sharedBuffers: string;
  /** pgbench -i scale (100k rows each). */
  scale: number;
  /** max_connections (default 40). */
  maxConnections?: number;
}

export interface PgCluster {
  dir: string;
  socketDir: string;
  port: number;
  postmasterPid: number;
  /** Runs SQL through psql (as the client, user postgres), returns its unaligned output. */
  query(sql: string): string;
  /**
   * Starts n psql sessions that run `warmSql` (default: count pgbench_accounts, which reads it
   * through shared_buffers when it is under a quarter of them) and then sleep `sleepSeconds`;
   * resolves with their backend pids once every one is asleep.
   */
  openBackends(n: number, sleepSeconds: number, opts?: { warmSql?: string; timeoutMs?: number }): Promise<number[]>;
  /** The postmaster and every process it has forked (backends, background workers). */
  serverPids(): number[];
  stop(): Promise<void>;
}

export function postgresAvailable(): string | null {
  for (const bin of ['initdb', 'pg_ctl', 'postgres', 'psql', 'pgbench']) {
    if (!existsSync(path.join(PG_BIN, bin))) return `${PG_BIN}/${bin} is missing (scripts/test-tools.sh installs Debian's postgresql)`;
  }
  return null;
}

function idOf(flag: '-u' | '-g', user: string): number {
  const r = spawnSync('id', [flag, user], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`no user '${user}': ${r.stderr}`);
  return Number(r.stdout.trim());
}

function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv; timeout?: number }): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 120_000, uid: opts.uid, gid: opts.gid, env: opts.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function startPostgres(o: PgOptions): Promise<PgCluster> {
  const missing = postgresAvailable();
  if (missing) throw new Error(missing);
  if (process.getuid?.() !== 0) throw new Error('the PostgreSQL test runs the server as the postgres user: it needs root');
  const uid = idOf('-u', 'postgres');
  const gid = idOf('-g', 'postgres');
  const dir = mkdtempSync(path.join(tmpdir(), 'mshare-pg-'));
  chownSync(dir, uid, gid);
  const data = path.join(dir, 'data');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = { PATH: `${PG_BIN}:/usr/bin:/bin`, LANG: 'C', LC_ALL: 'C', HOME: dir, PGHOST: dir, PGPORT: String(port) };
  const as = { uid, gid, env };
  const clients: ChildProcess[] = [];
  let postmasterPid = 0;

  const stop = async () => {
    for (const c of clients) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    if (postmasterPid > 0 && alive(postmasterPid)) {
      process.kill(postmasterPid, 'SIGINT'); // fast shutdown
      for (let i = 0; i < 300 && alive(postmasterPid); i++) await sleep(100);
      if (alive(postmasterPid)) process.kill(postmasterPid, 'SIGKILL');
      for (let i = 0; i < 50 && alive(postmasterPid); i++) await sleep(100);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    run(path.join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], as);
    const settings = [
      `listen_addresses=''`, `unix_socket_directories='${dir}'`, `port=${port}`,
      `shared_buffers=${o.sharedBuffers}`, 'huge_pages=off', `max_connections=${o.maxConnections ?? 40}`,
      'autovacuum=off', 'max_parallel_workers_per_gather=0', 'fsync=off', 'synchronous_commit=off',
    ];
    run(path.join(PG_BIN, 'pg_ctl'), [
      '-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', settings.map((s) => `-c ${s}`).join(' '), 'start',
    ], as);
    postmasterPid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    run(path.join(PG_BIN, 'pgbench'), ['-i', '-q', '-s', String(o.scale), '-U', 'postgres', 'postgres'], { env, timeout: 300_000 });
  } catch (err) {
    await stop();
    throw err;
  }

  const query = (sql: string): string =>
    run(path.join(PG_BIN, 'psql'), ['-X', '-At', '-U', 'postgres', '-d', 'postgres', '-c', sql], { env });

  return {
    dir,
    socketDir: dir,
    port,
    postmasterPid,
    query,
    async openBackends(n, sleepSeconds, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 120_000;
      const app = `capture-${clients.length}`;
      for (let i = 0; i < n; i++) {
        const c = spawn(path.join(PG_BIN, 'psql'), [
          '-X', '-At', '-U', 'postgres', '-d', 'postgres',
          '-c', opts.warmSql ?? 'select count(*) from pgbench_accounts', '-c', `select pg_sleep(${sleepSeconds})`,
        ], { env: { ...env, PGAPPNAME: app }, stdio: 'ignore' });
        clients.push(c);
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const pids = query(`select pid from pg_stat_activity where application_name = '${app}' and state = 'active' and query like 'select pg_sleep%' order by pid`)
          .split('\n').filter((l) => l !== '').map(Number);
        if (pids.length === n) return pids;
        if (Date.now() > deadline) throw new Error(`${pids.length} of ${n} backends asleep after ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    serverPids() {
      const pids = [postmasterPid];
      for (const name of readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        try {
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (ppid === postmasterPid) pids.push(Number(name));
        } catch {
          // exited
        }
      }
      return pids.sort((a, b) => a - b);
    },
    stop,
  };
}
