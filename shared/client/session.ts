/**
 * A client Session (`BrokerClient.openSession()`): processes spawned through it exit when it is
 * closed or this client dies, after the broker's grace period; regions they shared stay.
 */
import type * as grpc from '@grpc/grpc-js';
import type { SpawnOptions } from '../kernel/types.js';
import { errorFromStatus } from '../grpc/status.js';
import type { SessionRequest } from '../generated/mshare/v1/SessionRequest.js';
import type { SessionResponse__Output } from '../generated/mshare/v1/SessionResponse.js';

type SessionCall = grpc.ClientDuplexStream<SessionRequest, SessionResponse__Output>;

/** What a session needs of the unary client: Spawn with a session id. */
export interface SessionSpawner {
  spawn(opts: SpawnOptions & { sessionId?: string }): Promise<number>;
}

/**
 * Sends `open` on a fresh Session call and waits for its id; rejects after timeoutMs (cancelling
 * the call) or with the broker's error. With `resumeSessionId`, resumes that session (its stream
 * ended, its grace period runs) rather than opening a new one: ENOENT when it is gone.
 */
export async function openSession(
  client: SessionSpawner, call: SessionCall, clientName: string, timeoutMs: number, resumeSessionId = '',
): Promise<BrokerSession> {
  const opened = await new Promise<{ sessionId: string; graceMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      // cancel() ends the call with an 'error' (CANCELLED): without a listener it would be thrown.
      call.on('error', () => {});
      call.cancel();
      reject(new Error('Session: no reply to open'));
    }, timeoutMs);
    const onData = (m: SessionResponse__Output) => {
      if (m.msg !== 'opened' || !m.opened) return;
      cleanup();
      resolve({ sessionId: m.opened.session_id, graceMs: m.opened.grace_ms });
    };
    const onError = (err: grpc.ServiceError) => { cleanup(); reject(errorFromStatus(err)); };
    const cleanup = () => { clearTimeout(timer); call.off('data', onData); call.off('error', onError); };
    call.on('data', onData);
    call.on('error', onError);
    call.write({ open: { client_name: clientName, resume_session_id: resumeSessionId } } satisfies SessionRequest);
  });
  return new BrokerSession(client, call, opened.sessionId, opened.graceMs);
}

/** An open Session: spawn processes tied to it, then close it (or let the process die). */
export class BrokerSession {
  constructor(
    private readonly client: SessionSpawner,
    private readonly call: SessionCall,
    readonly id: string,
    /** How long after the session ends the broker exits its processes. */
    readonly graceMs: number,
  ) {
    // Errors after the open (the broker shut down) end the session; nothing to reject.
    call.on('error', () => {});
    this.ended = new Promise((resolve) => {
      call.once('end', () => resolve());
      call.once('error', () => resolve());
      call.once('close', () => resolve());
    });
  }

  /**
   * Settles when the session's stream has ended, whether this side closed it or the broker went
   * away (shut down, restarted, network lost): the broker exits the session's processes then.
   */
  readonly ended: Promise<void>;

  /** Calls `listener` with each of the session's processes the OOM killer kills (SessionResponse.killed). */
  onKilled(listener: (pid: number, reason: string) => void): void {
    this.call.on('data', (m: { msg?: string; killed?: { pid: number; reason: string } | null }) => {
      if (m.msg === 'killed' && m.killed) listener(m.killed.pid, m.killed.reason);
    });
  }

  spawn(opts: SpawnOptions): Promise<number> {
    return this.client.spawn({ ...opts, sessionId: this.id });
  }

  /** Ends the stream: the broker exits this session's processes after graceMs. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.call.destroyed) return resolve();
      this.call.once('close', () => resolve());
      this.call.once('error', () => resolve());
      this.call.on('data', () => {}); // drain, so 'end' and 'close' arrive
      this.call.end();
    });
  }
}
