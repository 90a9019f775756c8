/**
 * Batched accesses over one AccessStream (`BrokerClient.accessStream()`): addresses as a
 * BigUint64Array or raw little-endian bytes, outcomes back as one byte per address (uapi Outcome
 * codes). Batches are answered in order; several may be in flight. A broker error (ESRCH, EINVAL
 * for a malformed batch ...) ends the stream: every pending and later batch rejects with it.
 */
import type * as grpc from '@grpc/grpc-js';
import type { AccessKind } from '../kernel/uapi.js';
import { errorFromStatus } from '../grpc/status.js';
import { encodeBatch, type BatchResult } from '../grpc/wire.js';
import type { AccessStreamRequest } from '../generated/mshare/v1/AccessStreamRequest.js';

export type { BatchResult };

export class AccessStream {
  private readonly pending: { resolve: (r: BatchResult) => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown;

  /** `call` decodes each reply into a BatchResult (BrokerClient.accessStream: batch-codec.ts). */
  constructor(private readonly call: grpc.ClientDuplexStream<AccessStreamRequest, BatchResult>) {
    call.on('data', (m: BatchResult) => this.pending.shift()?.resolve(m));
    call.on('error', (err: grpc.ServiceError) => this.fail(errorFromStatus(err)));
    call.on('end', () => this.fail(new Error('AccessStream ended')));
  }

  /**
   * Accesses every address of `addrs` (a BigUint64Array, or little-endian u64 bytes) by `pid`.
   * Resolves with the counts and the outcome code of each address (uapi Outcome).
   */
  batch(pid: number, kind: AccessKind, addrs: BigUint64Array | Uint8Array): Promise<BatchResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const request = encodeBatch(pid, kind, addrs);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.call.write(request);
    });
  }

  /** Half-closes the stream; resolves when the broker has answered every batch sent. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure !== undefined) return resolve();
      this.call.once('end', () => resolve());
      this.call.once('error', () => resolve());
      this.call.end();
    });
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }
}
