/**
 * The per-message work of the gRPC hot path in process, without the transport: proto-loader's
 * serializers against the hand codecs of shared/grpc/batch-codec.ts, the echo's framing, the unary
 * Access messages, and a labelled prom-client increment. Best of 9 runs of 20,000 calls each (the
 * machine is shared: the minimum is the figure least disturbed). docs/grpc-transport.md quotes it.
 *
 *   npx tsx bench/grpc-codecs.ts
 */
import { Counter, Registry } from 'prom-client';
import { loadBrokerProto } from '../shared/grpc/proto.js';
import { checkingUtf8 } from '../shared/grpc/utf8.js';
import {
  decodeAccessResult, decodeBatch, decodeBatchResult, decodeKind, decodePid, decodeU64, encodeAccessResult, encodeBatch,
  encodeBatchResult, encodeKind, encodeU64Arg,
} from '../shared/grpc/wire.js';
import {
  batchReplyWriter, decodeAccessStreamRequest, decodeAccessStreamResponse, decodeBytesMessage, encodeAccessStreamRequest,
  encodeAccessStreamResponse, encodeBytesMessage,
} from '../shared/grpc/batch-codec.js';
import { loadEcho } from './echo.js';

type Codec = { requestSerialize(m: unknown): Buffer; requestDeserialize(b: Buffer): never; responseSerialize(m: unknown): Buffer; responseDeserialize(b: Buffer): never };
const { proto, packageDefinition } = loadBrokerProto();
const methods = proto.mshare.v1.Broker.service as unknown as Record<string, Codec>;
const checked = checkingUtf8(proto.mshare.v1.Broker.service, packageDefinition, 'mshare.v1') as unknown as Record<string, Codec>;
const echo = loadEcho().service as unknown as Record<string, Codec>;

const addrs = new BigUint64Array(1024).map((_, i) => (1n << 40n) + (BigInt(i) << 12n));
const payload = Buffer.from(addrs.buffer);
const outcomes = Buffer.alloc(1024);
const counts = { present: 1024, minorFault: 0, sigsegv: 0, sigbus: 0, synced: 0 };
const batchBytes = methods.AccessStream.requestSerialize(encodeBatch(7, 'read', addrs));
const replyBytes = methods.AccessStream.responseSerialize(encodeBatchResult(counts, outcomes));
const echoBytes = encodeBytesMessage(1, payload);
const accessRequest = () => ({ pid: 2, addr: encodeU64Arg((1n << 40n) + 123_456_789n * 4096n, 'addr'), kind: encodeKind('read') });
const accessBytes = methods.Access.requestSerialize(accessRequest());
const accessReplyBytes = methods.Access.responseSerialize(encodeAccessResult({ outcome: 'present', synced: false }));
const small = Buffer.alloc(16, 7);
const smallBytes = echo.Unary.requestSerialize({ payload: small });
const counter = new Counter({ name: 'x_total', help: 'x', labelNames: ['grpc_type', 'grpc_service', 'grpc_method'], registers: [new Registry()] });
const labels = { grpc_type: 'bidi_stream', grpc_service: 'mshare.v1.Broker', grpc_method: 'AccessStream' };

const CASES: Record<string, () => unknown> = {
  'batch, client encode request: proto-loader': () => methods.AccessStream.requestSerialize(encodeBatch(7, 'read', addrs)),
  'batch, client encode request: hand': () => encodeAccessStreamRequest(encodeBatch(7, 'read', addrs)),
  'batch, client decode reply: proto-loader': () => decodeBatchResult(methods.AccessStream.responseDeserialize(replyBytes)),
  'batch, client decode reply: hand': () => decodeAccessStreamResponse(replyBytes),
  'batch, broker decode request: proto-loader + UTF-8 scan': () => decodeBatch(checked.AccessStream.requestDeserialize(batchBytes)),
  'batch, broker decode request: hand': () => decodeBatch(decodeAccessStreamRequest(batchBytes)),
  'batch, broker encode reply: proto-loader': () => methods.AccessStream.responseSerialize(encodeBatchResult(counts, outcomes)),
  'batch, broker encode reply: hand, in place': () => encodeAccessStreamResponse(batchReplyWriter(1024).finish(counts)),
  'echo 8 KiB, encode: proto-loader': () => echo.Stream.requestSerialize({ payload }),
  'echo 8 KiB, encode: hand': () => encodeBytesMessage(1, payload),
  'echo 8 KiB, decode: hand': () => decodeBytesMessage(1, echoBytes),
  'Access, client encode request': () => methods.Access.requestSerialize(accessRequest()),
  'Access, broker decode request (UTF-8 scan, u64, kind)': () => {
    const r = checked.Access.requestDeserialize(accessBytes) as { pid: number; addr: string; kind: 'ACCESS_KIND_READ' };
    return [decodePid(r.pid), decodeU64(r.addr, 'addr'), decodeKind(r.kind)];
  },
  'Access, broker encode reply': () => methods.Access.responseSerialize(encodeAccessResult({ outcome: 'present', synced: false })),
  'Access, client decode reply': () => decodeAccessResult(methods.Access.responseDeserialize(accessReplyBytes)),
  'echo 16 B, encode': () => echo.Unary.requestSerialize({ payload: small }),
  'echo 16 B, decode': () => echo.Unary.requestDeserialize(smallBytes),
  'prom-client inc(labels)': () => counter.inc(labels),
};

const best = new Map<string, number>();
for (let round = 0; round < 9; round++) {
  for (const [name, f] of Object.entries(CASES)) {
    const n = 20_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    best.set(name, Math.min(best.get(name) ?? Infinity, Number(process.hrtime.bigint() - t0) / n));
  }
}
for (const [name, ns] of best) console.log(`${name.padEnd(56)} ${(ns / 1000).toFixed(2)} us`);
