/**
 * Binding a service's ports, shared by the broker (gRPC and HTTP) and the worker (HTTP). A port
 * that cannot be bound becomes a BindError whose message is one line naming the address, what it
 * is for and the variable that sets it, e.g.
 *
 *   cannot listen on 127.0.0.1:9464 for HTTP (MSHARE_HTTP_ADDR): address already in use
 *
 * main.ts prints it after the service's name and exits 1, with no stack trace.
 */
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import type { HostPort } from './config.js';

const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no such address on this machine',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name not found (resolver unavailable)',
};

export class BindError extends Error {
  constructor(
    readonly address: string,
    readonly purpose: string,
    readonly variable: string,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`cannot listen on ${address} for ${purpose} (${variable}): ${(code && REASONS[code]) ?? detail}`);
    this.name = 'BindError';
  }
}

/** What a port is for, and the variable that sets it (for the message). */
export interface BindTarget {
  readonly addr: HostPort;
  readonly purpose: string;
  readonly variable: string;
}

function bindError(target: BindTarget, err: unknown): BindError {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : /\b(E[A-Z_]+):/.exec(String(e?.message))?.[1];
  return new BindError(target.addr.address, target.purpose, target.variable, code, e?.message ?? String(err));
}

/** Binds a built fastify app; resolves with the port bound (the OS's pick for port 0). */
export async function bindHttp(app: FastifyInstance, target: BindTarget): Promise<number> {
  try {
    await app.listen({ host: target.addr.host, port: target.addr.port });
  } catch (err) {
    throw bindError(target, err);
  }
  const bound = app.server.address();
  return typeof bound === 'object' && bound ? bound.port : target.addr.port;
}

/**
 * Binds a gRPC server; resolves with the port bound. A fixed port is tried with a plain socket
 * first: grpc-js would log its own multi-line error besides rejecting.
 */
export async function bindGrpc(
  server: grpc.Server, target: BindTarget, credentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> {
  if (target.addr.port !== 0) await probe(target);
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(target.addr.address, credentials, (err, port) =>
      err ? reject(bindError(target, err)) : resolve(port));
  });
}

function probe(target: BindTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err) => reject(bindError(target, err)));
    srv.listen({ host: target.addr.host, port: target.addr.port, exclusive: true }, () => srv.close(() => resolve()));
  });
}
