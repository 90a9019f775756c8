/**
 * AccessStream's two messages encoded and decoded by hand, for the batch path's serializers on both
 * sides (the broker's service definition and BrokerClient.accessStream()). The bytes on the wire
 * are protobuf's, as proto/mshare/v1/broker.proto defines them (test/grpc-wire.test.ts checks them
 * against protobufjs both ways); only the work per message changes. proto-loader's serializers
 * build a protobufjs object per message and, with `longs: String`, a Long and a decimal string per
 * uint64 count (five per reply), which the client then parses back: 3.5-5.8 us to decode a reply
 * on this machine against 0.1-0.2 us here (bench/grpc-codecs.ts). A request's addresses stay a view of the
 * received bytes (no copy); a reply decodes straight into the client's BatchResult.
 *
 * Decoders accept what protobuf allows: fields in any order, repeated scalars (the last wins),
 * unknown fields (skipped), absent fields (proto3 defaults). A field of a known number but another
 * wire type is skipped as unknown. Truncated or malformed bytes throw, as protobufjs does; grpc-js
 * then answers INTERNAL ("Error deserializing request").
 */
import type * as grpc from '@grpc/grpc-js';
import type { AccessCounts } from '../kernel/counts.js';
import type { AccessStreamRequest, AccessStreamRequest__Output } from '../generated/mshare/v1/AccessStreamRequest.js';
import type { AccessStreamResponse } from '../generated/mshare/v1/AccessStreamResponse.js';
import type { BatchResult } from './wire.js';
import type { AccessKind__Output } from '../generated/mshare/v1/AccessKind.js';

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;

/** The AccessKind enum by number, and back (proto/mshare/v1/broker.proto). */
const KIND_NAMES: readonly AccessKind__Output[] = ['ACCESS_KIND_UNSPECIFIED', 'ACCESS_KIND_READ', 'ACCESS_KIND_WRITE', 'ACCESS_KIND_EXEC'];
const EMPTY = new Uint8Array(0);

const KIND_NUMBERS: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(KIND_NAMES.map((n, i) => [n, i])));

/** The AccessStream method of a service definition with these codecs in place of proto-loader's. */
export function withBatchCodec<S extends grpc.ServiceDefinition>(service: S, method = 'AccessStream'): S {
  const def = service[method];
  if (!def) throw new Error(`withBatchCodec: the service has no method ${method}`);
  return {
    ...service,
    [method]: {
      ...def,
      requestSerialize: encodeAccessStreamRequest, requestDeserialize: decodeAccessStreamRequest,
      responseSerialize: encodeAccessStreamResponse, responseDeserialize: decodeAccessStreamResponse,
    },
  };
}

// ---- reading ----------------------------------------------------------------------------------

/** A cursor over one message's bytes. */
class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, readonly end = buf.length, start = 0) { this.pos = start; }

  /** A varint's low 32 bits (as protobufjs reads uint32 and enum fields); the rest is read and dropped. */
  uint32(): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw new RangeError('protobuf: varint runs past the end');
      const b = buf[this.pos++];
      if (shift < 32) value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
    }
    throw new RangeError('protobuf: varint longer than 10 bytes');
  }

  /** A uint64 varint as a number (exact below 2^53: the broker's counts are). */
  uint64(): number {
    const buf = this.buf;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('protobuf: varint runs past the end');
      const b = buf[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new RangeError('protobuf: varint longer than 10 bytes');
  }

  /** A length-delimited field's bounds: [start, end) within buf. */
  span(): number {
    const len = this.uint32();
    const start = this.pos;
    if (len > this.end - start) throw new RangeError('protobuf: field runs past the end');
    this.pos = start + len;
    return start;
  }

  /** Skips one field of wire type `type` (after its tag). */
  skip(type: number, field: number): void {
    switch (type) {
      case VARINT: this.uint64(); return;
      case FIXED64: this.advance(8); return;
      case LENGTH_DELIMITED: this.span(); return;
      case FIXED32: this.advance(4); return;
      case START_GROUP:
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === END_GROUP) {
            if (tag >>> 3 !== field) throw new Error('protobuf: mismatched end group');
            return;
          }
          this.skip(tag & 7, tag >>> 3);
        }
      default: throw new Error(`protobuf: invalid wire type ${type}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new RangeError('protobuf: field runs past the end');
    this.pos += n;
  }
}

/** A Buffer view of bytes [start, end) of buf (no copy). */
function view(buf: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
}

// ---- writing ----------------------------------------------------------------------------------

/** Bytes of a varint of n (0 <= n < 2^53). */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) { n = Math.floor(n / 128); size++; }
  return size;
}

function writeVarint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 128) {
    buf[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

/** Bytes of field `field` holding varint n, omitted (0 bytes) when n is 0 (proto3's default). */
const varintFieldSize = (n: number): number => (n === 0 ? 0 : 1 + varintSize(n));

function writeVarintField(buf: Uint8Array, at: number, field: number, n: number): number {
  if (n === 0) return at;
  buf[at++] = (field << 3) | VARINT;
  return writeVarint(buf, at, n);
}

const bytesFieldSize = (len: number): number => (len === 0 ? 0 : 1 + varintSize(len) + len);

function writeBytesField(buf: Uint8Array, at: number, field: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return at;
  buf[at++] = (field << 3) | LENGTH_DELIMITED;
  at = writeVarint(buf, at, bytes.length);
  buf.set(bytes, at);
  return at + bytes.length;
}

/** A message of one bytes field: the same framing as a batch's addresses (bench/echo.ts uses it). */
export function encodeBytesMessage(field: number, bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(bytesFieldSize(bytes.length));
  writeBytesField(out, 0, field, bytes);
  return out;
}

/** The bytes of field `field` of a message (the last occurrence, as protobuf merges), a view; empty when absent. */
export function decodeBytesMessage(field: number, buf: Buffer): Buffer {
  const r = new Reader(buf);
  let bytes: Buffer | undefined;
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag >>> 3 === field && (tag & 7) === LENGTH_DELIMITED) {
      const start = r.span();
      bytes = view(buf, start, r.pos);
    } else {
      r.skip(tag & 7, tag >>> 3);
    }
  }
  return bytes ?? Buffer.alloc(0);
}

// ---- AccessStreamRequest ----------------------------------------------------------------------

/** pid = 1 (uint32), kind = 2 (AccessKind), addrs = 3 (bytes). */
export function encodeAccessStreamRequest(m: AccessStreamRequest): Buffer {
  const pid = (m.pid ?? 0) >>> 0;
  const kind = typeof m.kind === 'number' ? m.kind : KIND_NUMBERS[m.kind ?? 'ACCESS_KIND_UNSPECIFIED'] ?? 0;
  const addrs = typeof m.addrs === 'string' ? Buffer.from(m.addrs, 'base64') : m.addrs ?? Buffer.alloc(0);
  const out = Buffer.allocUnsafe(varintFieldSize(pid) + varintFieldSize(kind) + bytesFieldSize(addrs.length));
  let at = writeVarintField(out, 0, 1, pid);
  at = writeVarintField(out, at, 2, kind);
  writeBytesField(out, at, 3, addrs);
  return out;
}

/** As proto-loader would hand it over (enums as names; an unknown enum number stays a number). */
export function decodeAccessStreamRequest(buf: Buffer): AccessStreamRequest__Output {
  const r = new Reader(buf);
  let pid = 0;
  let kind = 0;
  let addrs: Buffer | undefined;
  while (r.pos < r.end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const type = tag & 7;
    if (field === 1 && type === VARINT) pid = r.uint32();
    else if (field === 2 && type === VARINT) kind = r.uint32() | 0;
    else if (field === 3 && type === LENGTH_DELIMITED) {
      const start = r.span();
      addrs = view(buf, start, r.pos);
    } else r.skip(type, field);
  }
  // An unknown number stays a number, as protobufjs leaves it; decodeKind refuses it (EINVAL).
  const kindOut = (KIND_NAMES[kind] ?? kind) as AccessKind__Output;
  return { pid, kind: kindOut, addrs: addrs ?? Buffer.alloc(0) };
}

// ---- AccessStreamResponse ---------------------------------------------------------------------

/** A uint64 of a reply the broker built (encodeBatchResult: plain numbers; a decimal string also does). */
function count(v: number | string | { toString(): string } | undefined): number {
  const n = typeof v === 'number' ? v : v === undefined ? 0 : Number(String(v));
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`protobuf: count ${String(v)} is not a u64 below 2^53`);
  return n;
}

const ENCODED: unique symbol = Symbol('mshare.encodedReply');

/** A reply already in its wire bytes: the serializer sends them as they are. */
export interface EncodedReply extends AccessStreamResponse {
  readonly [ENCODED]: Buffer;
}

/** The most bytes of the counts field and synced after the outcomes: six varints below 2^53 (8 bytes each) and their tags. */
const COUNTS_TAIL_MAX = 1 + 1 + 4 * 9 + 9;

/**
 * A reply written in place, for n addresses: the outcomes field comes first (protobuf takes fields
 * in any order), so the kernel writes its outcome codes straight into the reply's bytes (`outcomes`,
 * a view); `finish` then appends the counts and synced. One buffer per batch, no copy of the codes.
 */
export function batchReplyWriter(n: number): { outcomes: Buffer; finish(c: AccessCounts): EncodedReply } {
  const buf = Buffer.allocUnsafe(bytesFieldSize(n) + COUNTS_TAIL_MAX);
  let at = 0;
  if (n > 0) {
    buf[at++] = (2 << 3) | LENGTH_DELIMITED;
    at = writeVarint(buf, at, n);
  }
  const outcomes = buf.subarray(at, at + n);
  return {
    outcomes,
    finish(c) {
      at += n;
      for (const v of [c.present, c.minorFault, c.sigsegv, c.sigbus, c.synced]) count(v); // in range, or throw
      const countsSize = varintFieldSize(c.present) + varintFieldSize(c.minorFault) + varintFieldSize(c.sigsegv) + varintFieldSize(c.sigbus);
      if (countsSize !== 0) {
        buf[at++] = (1 << 3) | LENGTH_DELIMITED;
        at = writeVarint(buf, at, countsSize);
        at = writeVarintField(buf, at, 1, c.present);
        at = writeVarintField(buf, at, 2, c.minorFault);
        at = writeVarintField(buf, at, 3, c.sigsegv);
        at = writeVarintField(buf, at, 4, c.sigbus);
      }
      at = writeVarintField(buf, at, 3, c.synced);
      return { [ENCODED]: buf.subarray(0, at) };
    },
  };
}

/** counts = 1 (OutcomeCounts: present 1, minor_fault 2, sigsegv 3, sigbus 4), outcomes = 2, synced = 3. */
export function encodeAccessStreamResponse(m: AccessStreamResponse): Buffer {
  const encoded = (m as Partial<EncodedReply>)[ENCODED];
  if (encoded !== undefined) return encoded;
  const c = m.counts ?? {};
  const present = count(c.present);
  const minorFault = count(c.minor_fault);
  const sigsegv = count(c.sigsegv);
  const sigbus = count(c.sigbus);
  const synced = count(m.synced);
  const outcomes = typeof m.outcomes === 'string' ? Buffer.from(m.outcomes, 'base64') : m.outcomes ?? EMPTY;
  const countsSize = varintFieldSize(present) + varintFieldSize(minorFault) + varintFieldSize(sigsegv) + varintFieldSize(sigbus);
  const countsField = countsSize === 0 ? 0 : 1 + varintSize(countsSize) + countsSize;
  const out = Buffer.allocUnsafe(countsField + bytesFieldSize(outcomes.length) + varintFieldSize(synced));
  let at = 0;
  if (countsSize !== 0) {
    out[at++] = (1 << 3) | LENGTH_DELIMITED;
    at = writeVarint(out, at, countsSize);
    at = writeVarintField(out, at, 1, present);
    at = writeVarintField(out, at, 2, minorFault);
    at = writeVarintField(out, at, 3, sigsegv);
    at = writeVarintField(out, at, 4, sigbus);
  }
  at = writeBytesField(out, at, 2, outcomes);
  writeVarintField(out, at, 3, synced);
  return out;
}

/** Straight into the client's result: counts as numbers, outcomes a view of the received bytes. */
export function decodeAccessStreamResponse(buf: Buffer): BatchResult {
  const r = new Reader(buf);
  const reply: BatchResult = { present: 0, minorFault: 0, sigsegv: 0, sigbus: 0, synced: 0, outcomes: EMPTY };
  while (r.pos < r.end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const type = tag & 7;
    if (field === 1 && type === LENGTH_DELIMITED) {
      const start = r.span();
      readCounts(new Reader(buf, r.pos, start), reply);
    } else if (field === 2 && type === LENGTH_DELIMITED) {
      const start = r.span();
      reply.outcomes = view(buf, start, r.pos);
    } else if (field === 3 && type === VARINT) reply.synced = r.uint64();
    else r.skip(type, field);
  }
  return reply;
}

/** OutcomeCounts into `into` (a repeated sub-message merges: fields it carries overwrite). */
function readCounts(r: Reader, into: AccessCounts): void {
  while (r.pos < r.end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const type = tag & 7;
    if (type !== VARINT || field < 1 || field > 4) { r.skip(type, field); continue; }
    const n = r.uint64();
    if (field === 1) into.present = n;
    else if (field === 2) into.minorFault = n;
    else if (field === 3) into.sigsegv = n;
    else into.sigbus = n;
  }
}
