/**
 * protobufjs decodes `string` fields lossily (an invalid UTF-8 sequence becomes U+FFFD), so two
 * distinct byte names would reach the kernel as the same string. The broker's request
 * deserializers therefore check the raw bytes first: every `string` field, in nested messages
 * too, must be valid UTF-8. A request that is not carries the first bad field's name under
 * INVALID_UTF8, and the handler adapters answer EINVAL for it before anything runs.
 */
import { isUtf8 } from 'node:buffer';
import type * as grpc from '@grpc/grpc-js';
import type * as protoLoader from '@grpc/proto-loader';

export const INVALID_UTF8: unique symbol = Symbol('mshare.invalidUtf8');

interface Shape {
  strings: Map<number, string>;
  messages: Map<number, Shape>;
}

interface FieldDescriptor { name: string; number: number; type: string; typeName: string }

function shapeOf(defs: protoLoader.PackageDefinition, pkg: string, typeName: string, cache: Map<string, Shape>): Shape {
  const full = typeName.startsWith('.') ? typeName.slice(1) : typeName.includes('.') ? typeName : `${pkg}.${typeName}`;
  const cached = cache.get(full);
  if (cached) return cached;
  const shape: Shape = { strings: new Map(), messages: new Map() };
  cache.set(full, shape);
  const def = defs[full] as { type?: unknown } | undefined;
  for (const f of ((def?.type as { field?: FieldDescriptor[] } | undefined)?.field ?? [])) {
    if (f.type === 'TYPE_STRING') shape.strings.set(f.number, f.name);
    else if (f.type === 'TYPE_MESSAGE') shape.messages.set(f.number, shapeOf(defs, pkg, f.typeName, cache));
  }
  return shape;
}

/**
 * A varint at `at`: [value, next position], or value -1 when malformed. A plain function, not a
 * closure per call (tsx names each closure it creates, a cost on every request).
 */
function readVarint(buf: Uint8Array, at: number, end: number, out: [number, number]): void {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 10 && at < end; i++) {
    const b = buf[at++];
    n += (b & 0x7f) * mul;
    if (b < 0x80) { out[0] = n; out[1] = at; return; }
    mul *= 128;
  }
  out[0] = -1;
  out[1] = at;
}

/** The name of the first string field that is not valid UTF-8, or undefined (also for bytes protobufjs will refuse). */
export function firstInvalidUtf8(buf: Uint8Array, shape: Shape, start = 0, end = buf.length): string | undefined {
  const v: [number, number] = [0, start];
  while (v[1] < end) {
    readVarint(buf, v[1], end, v);
    const tag = v[0];
    if (tag < 0) return undefined;
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0: readVarint(buf, v[1], end, v); if (v[0] < 0) return undefined; break;
      case 1: v[1] += 8; break;
      case 5: v[1] += 4; break;
      case 2: {
        readVarint(buf, v[1], end, v);
        const len = v[0];
        const at = v[1];
        if (len < 0 || at + len > end) return undefined;
        const name = shape.strings.get(field);
        if (name !== undefined && !isUtf8(buf.subarray(at, at + len))) return name;
        const nested = shape.messages.get(field);
        const bad = nested && firstInvalidUtf8(buf, nested, at, at + len);
        if (bad) return bad;
        v[1] = at + len;
        break;
      }
      default: return undefined;
    }
  }
  return undefined;
}

/** The service definition with deserializers that mark requests holding invalid UTF-8. */
export function checkingUtf8(
  service: grpc.ServiceDefinition, defs: protoLoader.PackageDefinition, pkg: string,
): grpc.ServiceDefinition {
  const cache = new Map<string, Shape>();
  const out: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const [method, def] of Object.entries(service)) {
    const requestType = (def as unknown as { requestType: { type: { name: string } } }).requestType;
    const shape = shapeOf(defs, pkg, requestType.type.name, cache);
    const decode = (def as grpc.MethodDefinition<object, object>).requestDeserialize;
    out[method] = {
      ...def,
      requestDeserialize(bytes: Buffer) {
        const bad = firstInvalidUtf8(bytes, shape);
        const message = decode(bytes) as Record<PropertyKey, unknown>;
        if (bad !== undefined) message[INVALID_UTF8] = bad;
        return message;
      },
    };
  }
  return out;
}

/** The field a deserialized request marked as invalid UTF-8, if any. */
export const invalidUtf8Field = (request: unknown): string | undefined =>
  (request as Record<PropertyKey, unknown> | null)?.[INVALID_UTF8] as string | undefined;
