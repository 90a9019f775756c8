/**
 * Client sessions: a process spawned into a session lives as long as the client's Session stream,
 * plus a grace period. The stream ends when the client closes it, exits, crashes or loses the
 * network (the server's keepalive notices a silent peer); then, after graceMs, every process of
 * the session that is still alive exits. Regions those processes shared stay: exit() keeps them.
 */
import { randomUUID } from 'node:crypto';
import { KernelError, LimitError } from '../../shared/kernel/errors.js';

export interface SessionInfo {
  readonly id: string;
  readonly clientName: string;
  readonly state: 'open' | 'closing';
  readonly pids: readonly number[];
}

/** A session as the broker's state file keeps it (state.ts). */
export interface SessionRecord {
  readonly id: string;
  readonly principal: string;
  readonly clientName: string;
  readonly pids: readonly number[];
}

interface SessionState {
  id: string;
  principal: string;
  clientName: string;
  state: 'open' | 'closing';
  pids: Set<number>;
  timer?: NodeJS.Timeout;
}

export interface SessionsOptions {
  graceMs: number;
  /** Called once per expired session with the pids still registered. Must not throw. */
  expire: (pids: number[], session: SessionInfo) => void;
}

export class Sessions {
  private readonly byId = new Map<string, SessionState>();
  private readonly byPid = new Map<number, SessionState>();
  private readonly openByPrincipal = new Map<string, number>();

  constructor(private readonly options: SessionsOptions) {}

  get graceMs(): number {
    return this.options.graceMs;
  }

  /** Opens a session of `principal`; EAGAIN when it already has `max` open ones. */
  open(clientName: string, principal = '', max = Infinity): SessionInfo {
    const open = this.openByPrincipal.get(principal) ?? 0;
    if (open >= max) throw new LimitError('EAGAIN', 'sessions_per_principal', `principal '${principal}' has ${open} open sessions (MSHARE_MAX_SESSIONS_PER_PRINCIPAL)`);
    const session: SessionState = { id: randomUUID(), principal, clientName, state: 'open', pids: new Set() };
    this.byId.set(session.id, session);
    this.openByPrincipal.set(principal, open + 1);
    return info(session);
  }

  /**
   * Resumes a session of `principal` whose stream ended and whose grace period is running (a lost
   * connection, a broker restarted from its state): its expiry is cancelled and it is open again,
   * with its processes. ENOENT when there is no such session; EAGAIN past `max` open sessions.
   */
  resume(id: string, principal = '', max = Infinity): SessionInfo {
    const session = this.byId.get(id);
    if (!session || session.state !== 'closing' || session.principal !== principal) {
      throw new KernelError('ENOENT', `no session '${id}' to resume (unknown, another principal's, still open, or its grace period ran out)`);
    }
    const open = this.openByPrincipal.get(principal) ?? 0;
    if (open >= max) throw new LimitError('EAGAIN', 'sessions_per_principal', `principal '${principal}' has ${open} open sessions (MSHARE_MAX_SESSIONS_PER_PRINCIPAL)`);
    clearTimeout(session.timer);
    session.timer = undefined;
    session.state = 'open';
    this.openByPrincipal.set(principal, open + 1);
    return info(session);
  }

  /**
   * Throws ENOENT unless the session exists, its stream has not ended and (given `principal`) it
   * is that principal's. Changes nothing.
   */
  checkOpen(id: string, principal?: string): void {
    const session = this.byId.get(id);
    if (!session || session.state !== 'open' || (principal !== undefined && session.principal !== principal)) {
      throw new KernelError('ENOENT', `no open session '${id}'`);
    }
  }

  addProcess(id: string, pid: number): void {
    this.checkOpen(id);
    const session = this.byId.get(id)!;
    session.pids.add(pid);
    this.byPid.set(pid, session);
  }

  /** The id of the open session `pid` belongs to, if any. */
  sessionOf(pid: number): string | undefined {
    return this.byPid.get(pid)?.id;
  }

  /** The process exited by other means (Exit): forget it. */
  forgetProcess(pid: number): void {
    const session = this.byPid.get(pid);
    if (session) {
      session.pids.delete(pid);
      this.byPid.delete(pid);
    }
  }

  /** The stream ended: the session's processes exit after the grace period. Idempotent. */
  end(id: string): void {
    const session = this.byId.get(id);
    if (!session || session.state !== 'open') return;
    session.state = 'closing';
    const open = (this.openByPrincipal.get(session.principal) ?? 1) - 1;
    if (open > 0) this.openByPrincipal.set(session.principal, open);
    else this.openByPrincipal.delete(session.principal);
    session.timer = setTimeout(() => this.expire(session), this.options.graceMs);
    // A pending expiry must not keep a shutting-down broker alive.
    session.timer.unref();
  }

  get(id: string): SessionInfo | undefined {
    const session = this.byId.get(id);
    return session && info(session);
  }

  counts(): { open: number; closing: number } {
    let open = 0;
    for (const s of this.byId.values()) if (s.state === 'open') open++;
    return { open, closing: this.byId.size - open };
  }

  /** Every session, open or closing (the state a restart keeps). */
  records(): SessionRecord[] {
    return [...this.byId.values()].map((s) => ({ id: s.id, principal: s.principal, clientName: s.clientName, pids: [...s.pids] }));
  }

  /**
   * Sessions of a broker restored from its state: their streams ended with that broker, so each
   * is closing, and its processes exit after the grace period (counted from now) unless the
   * client resumes it first (resume()). `live` says which pids the restored kernel still has.
   */
  restore(records: readonly SessionRecord[], live: (pid: number) => boolean): void {
    for (const r of records) {
      const session: SessionState = { id: r.id, principal: r.principal, clientName: r.clientName, state: 'open', pids: new Set() };
      this.byId.set(session.id, session);
      this.openByPrincipal.set(r.principal, (this.openByPrincipal.get(r.principal) ?? 0) + 1);
      for (const pid of r.pids) {
        if (!live(pid)) continue;
        session.pids.add(pid);
        this.byPid.set(pid, session);
      }
      this.end(session.id);
    }
  }

  /** Stops every pending expiry (shutdown). Processes stay as they are. */
  dispose(): void {
    for (const s of this.byId.values()) clearTimeout(s.timer);
    this.byId.clear();
    this.byPid.clear();
    this.openByPrincipal.clear();
  }

  private expire(session: SessionState): void {
    this.byId.delete(session.id);
    const pids = [...session.pids];
    for (const pid of pids) this.byPid.delete(pid);
    this.options.expire(pids, info(session));
  }
}

function info(s: SessionState): SessionInfo {
  return Object.freeze({ id: s.id, clientName: s.clientName, state: s.state, pids: Object.freeze([...s.pids]) });
}
