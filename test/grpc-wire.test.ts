// shared/grpc/wire.ts: every mapping encoded, sent through the real protobuf serializers of the
// method that carries it, and decoded back to the value it started from; requests decoded
// strictly. No server: the serializers are the ones grpc-js uses on both sides.
import assert from 'node:assert/strict';
import type { EnumTypeDefinition } from '@grpc/proto-loader';
import { KernelError } from '../shared/kernel/errors.js';
import type { AccessCounts } from '../shared/kernel/counts.js';
import { OUTCOME_NAMES, Outcome, type AccessKind } from '../shared/kernel/uapi.js';
import type { ProcStatus, RegionInfo } from '../shared/kernel/types.js';
import { loadBrokerProto } from '../shared/grpc/proto.js';
import {
  decodeAccessResult, decodeAccounting, decodeBatch, decodeBatchResult, decodeCounts, decodeGeometry, decodeKind,
  decodeOutcome, decodePid, decodeProcStatus, decodeRegion, decodeStride, decodeTables, decodeTouchResult, decodeU64,
  encodeAccessResult, encodeAccounting, encodeBatch, encodeBatchResult, encodeCounts, encodeGeometry, encodeKind,
  encodeOutcome, encodeProcStatus, encodeRegion, encodeTables, encodeTouchResult, encodeU64, encodeU64Arg,
  type BrokerAccounting, type GeometryInfo,
} from '../shared/grpc/wire.js';
import {
  batchReplyWriter, decodeAccessStreamRequest, decodeAccessStreamResponse, decodeBytesMessage, encodeAccessStreamRequest, encodeAccessStreamResponse,
  encodeBytesMessage,
} from '../shared/grpc/batch-codec.js';

const { packageDefinition, proto } = loadBrokerProto();
const service = proto.mshare.v1.Broker.service;

/** A reply as the client receives it: serialized by the server's encoder, parsed by the client's. */
function reply<M extends keyof typeof service>(method: M, message: Parameters<(typeof service)[M]['responseSerialize']>[0]) {
  const m = service[method];
  return m.responseDeserialize(m.responseSerialize(message as never)) as ReturnType<(typeof service)[M]['responseDeserialize']>;
}

/** A request as the broker receives it. */
function request<M extends keyof typeof service>(method: M, message: Parameters<(typeof service)[M]['requestSerialize']>[0]) {
  const m = service[method];
  return m.requestDeserialize(m.requestSerialize(message as never)) as ReturnType<(typeof service)[M]['requestDeserialize']>;
}

const einval = (e: unknown) => e instanceof KernelError && e.errno === 'EINVAL';

/** Distinct values everywhere, so a swapped field shows; 5-level addresses above 2^53. */
const TABLES = { pte: 153_600, pmd: 300, pud: 1, p4d: 2, pgd: 3 };
const REGION: RegionInfo = {
  name: 'sga', start: 1n << 55n, size: (1n << 48n) * 3n, uid: 1000, gid: 1001, mode: 0o640, accessMode: 2,
  refcount: 7, mappedProcesses: 5, pagetableBytes: 630_374_400, tables: TABLES, vmaCount: 4,
};

describe('wire mappings (shared/grpc/wire.ts), through the protobuf serializers', () => {
  it('access kind: each kind round-trips; unknown kinds are EINVAL', () => {
    for (const kind of ['read', 'write', 'exec'] as AccessKind[]) {
      const req = request('Access', { pid: 1, addr: '0', kind: encodeKind(kind) });
      assert.equal(decodeKind(req.kind), kind);
    }
    assert.equal(encodeKind('exec'), 'ACCESS_KIND_EXEC');
    assert.throws(() => decodeKind(request('Access', { pid: 1, addr: '0' }).kind), einval); // UNSPECIFIED
    assert.throws(() => decodeKind(7), einval);
  });

  it('outcome: each outcome round-trips, and the proto enum is the uapi code + 1', () => {
    const enumType = (packageDefinition['mshare.v1.AccessOutcome'] as EnumTypeDefinition).type as { value: { name: string; number: number }[] };
    const values = enumType.value;
    for (const outcome of OUTCOME_NAMES) {
      const r = reply('Access', encodeAccessResult({ outcome, synced: true }));
      assert.deepEqual(decodeAccessResult(r), { outcome, synced: true });
      const number = values.find((v) => v.name === encodeOutcome(outcome))?.number;
      assert.equal(number, OUTCOME_NAMES.indexOf(outcome) + 1, outcome);
    }
    assert.equal(encodeOutcome('minor_fault'), 'ACCESS_OUTCOME_MINOR_FAULT');
    assert.equal(OUTCOME_NAMES.indexOf('sigbus'), Outcome.SIGBUS);
    assert.throws(() => decodeOutcome('ACCESS_OUTCOME_UNSPECIFIED'), /unknown outcome/);
  });

  it('counts: Touch and AccessStream replies round-trip, synced beside the counts, exact to 2^53 - 1', () => {
    const counts: AccessCounts = { present: 2 ** 53 - 1, minorFault: 78_643_200, sigsegv: 3, sigbus: 4, synced: 5 };
    assert.deepEqual(decodeTouchResult(reply('Touch', encodeTouchResult(counts))), counts);
    const outcomes = Uint8Array.from([0, 1, 2, 3, 1]);
    const batch = decodeBatchResult(reply('AccessStream', encodeBatchResult(counts, outcomes)));
    assert.deepEqual({ ...batch, outcomes: [...batch.outcomes] }, { ...counts, outcomes: [0, 1, 2, 3, 1] });
    const { synced: _, ...tally } = counts;
    assert.deepEqual(decodeCounts(reply('Touch', { counts: encodeCounts(tally) }).counts), tally);
    assert.deepEqual(decodeCounts(null), { present: 0, minorFault: 0, sigsegv: 0, sigbus: 0 });
  });

  it('tables and region: the msharefs read round-trips, addresses above 2^53 exactly', () => {
    assert.deepEqual(decodeTables(reply('ReadRegion', { tables: encodeTables(TABLES) }).tables), TABLES);
    const back = decodeRegion(reply('ReadRegion', encodeRegion(REGION)));
    assert.deepEqual(back, REGION);
    assert.equal(encodeRegion(REGION).start, '36028797018963968', 'uint64 as a decimal string (the HTTP JSON too)');
    const list = reply('ListRegions', { regions: [encodeRegion(REGION), encodeRegion({ ...REGION, name: 'other' })] });
    assert.deepEqual(list.regions.map(decodeRegion).map((r) => r.name), ['sga', 'other']);
  });

  it('proc status: VmPTE, counterfactual, faults and VMAs round-trip', () => {
    const status: ProcStatus = {
      pid: 42, uid: 1000, gid: 1001, comm: 'oracle', vmpteBytes: 8192, unsharedVmpteBytes: 630_370_304,
      pgdBytes: 4096, unsharedPgdBytes: 4096, tables: TABLES, minorFaults: 11, unsharedMinorFaults: 78_643_200,
      syncs: 1, regions: ['sga'],
      vmas: [
        { start: 2n << 40n, end: (2n << 40n) + (300n << 30n), prot: 3, flags: 1, file: '', region: 'sga', pageSize: 2 << 20 },
        { start: 1n << 54n, end: (1n << 54n) + 4096n, prot: 1, flags: 2, file: 'lib.so', region: '', pageSize: 4096 },
      ],
    };
    assert.deepEqual(decodeProcStatus(reply('ProcStatus', encodeProcStatus(status))), status);
  });

  it('geometry round-trips', () => {
    const g: GeometryInfo = {
      name: 'x86_64-5level', levels: 5, pageSize: 4096, mshareAlignment: 1n << 48n, userAddressLimit: (1n << 56n) - 4096n,
      levelNames: ['pte', 'pmd', 'pud', 'p4d', 'pgd'], sharing: false, scheme: 'none', pti: true, pgdBytes: 8192,
    };
    assert.deepEqual(decodeGeometry(reply('GetGeometry', encodeGeometry(g))), g);
  });

  it('accounting round-trips, a negative saving included (int64)', () => {
    const a: BrokerAccounting = {
      geometry: 'x86_64-4level', sharing: true, scheme: 'hugetlb', processes: 1501, regions: 1, hostMms: 2,
      pagetableBytes: 636_530_688, unsharedPagetableBytes: 945_573_892_096, savedBytes: -8192, savedRatio: -0.25,
      privateTableBytes: 12_288, hostTableBytes: 630_374_400, pgdBytes: 6_148_096, minorFaults: 78_643_200,
      unsharedMinorFaults: 117_964_800_000, accesses: { present: 117_886_156_800, minorFault: 78_643_200, sigsegv: 1, sigbus: 2 },
      syncs: 300,
      baseline: { clients: 1500, sgaBytes: 300 * 2 ** 30, pteBytes: 943_718_400_000, pteWithUpperBytes: 945_567_744_000 },
    };
    assert.deepEqual(decodeAccounting(reply('GetAccounting', encodeAccounting(a))), a);
  });

  it('a batch request round-trips as its bytes (BigUint64Array or raw), checked for pid and kind', () => {
    const addrs = new BigUint64Array([2n << 40n, (2n << 40n) + 4096n, (1n << 56n) - 1n]);
    const req = request('AccessStream', encodeBatch(7, 'write', addrs));
    const back = decodeBatch(req);
    assert.deepEqual([back.pid, back.kind], [7, 'write']);
    assert.deepEqual(new BigUint64Array(Uint8Array.from(back.addrs).buffer), addrs);
    const raw = Uint8Array.from({ length: 16 }, (_, i) => i);
    assert.deepEqual([...decodeBatch(request('AccessStream', encodeBatch(7, 'read', raw))).addrs], [...raw]);
    assert.throws(() => decodeBatch(request('AccessStream', encodeBatch(0, 'read', raw))), einval);
    assert.throws(() => decodeBatch(request('AccessStream', { pid: 7, addrs: raw })), einval); // no kind
  });

  it('u64 request fields: a bigint in range goes out as decimal and comes back; anything else is EINVAL', () => {
    for (const v of [0n, 4096n, (1n << 64n) - 1n]) {
      assert.equal(decodeU64(request('Munmap', { pid: 1, addr: encodeU64Arg(v, 'addr'), length: '0' }).addr, 'addr'), v);
    }
    for (const bad of [-1n, 1n << 64n, 4096, '4096'] as unknown as bigint[]) assert.throws(() => encodeU64Arg(bad, 'addr'), einval);
    assert.equal(encodeU64(945_573_892_096), '945573892096');
    assert.throws(() => decodePid(request('Exit', {}).pid), einval);
    assert.equal(decodeStride(request('Touch', { pid: 1 }).stride_pages), 1, 'unset stride: every page');
    assert.equal(decodeStride(request('Touch', { pid: 1, stride_pages: 512 }).stride_pages), 512);
    assert.throws(() => decodeStride('9007199254740993'), einval);
  });
});

// shared/grpc/batch-codec.ts: AccessStream's hand codecs write and read protobuf's bytes, checked
// both ways against the protobufjs serializers (proto-loader's, as above).
describe('AccessStream hand codecs (shared/grpc/batch-codec.ts), against protobufjs', () => {
  const m = service.AccessStream;
  const addrs = Buffer.from(new BigUint64Array([2n << 40n, (2n << 40n) + 4096n, (1n << 64n) - 1n]).buffer);

  it('requests: hand-encoded bytes parse in protobufjs, and protobufjs bytes decode by hand, defaults included', () => {
    for (const r of [
      { pid: 7, kind: 'ACCESS_KIND_WRITE' as const, addrs },
      { pid: 4_194_304, kind: 'ACCESS_KIND_EXEC' as const, addrs: Buffer.alloc(0) },
      { pid: 0, kind: 'ACCESS_KIND_UNSPECIFIED' as const, addrs },
    ]) {
      assert.deepEqual(m.requestDeserialize(encodeAccessStreamRequest(r)), r, 'protobufjs reads the hand bytes');
      assert.deepEqual(decodeAccessStreamRequest(m.requestSerialize(r)), r, 'the hand decoder reads protobufjs bytes');
    }
    assert.deepEqual(decodeAccessStreamRequest(Buffer.alloc(0)), { pid: 0, kind: 'ACCESS_KIND_UNSPECIFIED', addrs: Buffer.alloc(0) });
    assert.deepEqual(encodeAccessStreamRequest({ pid: 7, kind: 1, addrs }), m.requestSerialize({ pid: 7, kind: 'ACCESS_KIND_READ', addrs }));
    // An unknown enum number stays a number (as protobufjs leaves it): decodeKind refuses it.
    const seven = Buffer.from([0x08, 0x07, 0x10, 0x07]);
    assert.equal(decodeAccessStreamRequest(seven).kind, m.requestDeserialize(seven).kind);
    assert.throws(() => decodeBatch(decodeAccessStreamRequest(seven)), einval);
  });

  it('requests: fields in any order, the last of a repeated scalar wins, unknown fields skipped; addrs a view', () => {
    const unknown = Buffer.from([0x20, 0x96, 0x01, 0x29, 1, 2, 3, 4, 5, 6, 7, 8, 0x35, 1, 2, 3, 4, 0x42, 0x02, 9, 9, 0x4b, 0x50, 0x01, 0x4c]);
    const bytes = Buffer.concat([unknown, m.requestSerialize({ addrs }), m.requestSerialize({ pid: 3, kind: 'ACCESS_KIND_READ' }), Buffer.from([0x08, 0x09])]);
    const back = decodeAccessStreamRequest(bytes);
    assert.deepEqual(back, m.requestDeserialize(bytes));
    assert.equal(back.pid, 9);
    assert.equal(back.addrs.buffer, bytes.buffer, 'addresses are read in place');
  });

  it('malformed requests throw (grpc-js answers INTERNAL), as protobufjs does', () => {
    for (const bad of [[0x1a, 0x05, 1, 2], [0x08], [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x0f], [0x0b, 0x08, 0x01]]) {
      assert.throws(() => decodeAccessStreamRequest(Buffer.from(bad)), `${bad}`);
      assert.throws(() => m.requestDeserialize(Buffer.from(bad)), `protobufjs too: ${bad}`);
    }
  });

  it('replies: hand-encoded bytes parse in protobufjs, protobufjs bytes decode by hand, counts exact to 2^53 - 1', () => {
    const outcomes = Uint8Array.from([0, 1, 2, 3, 1]);
    for (const counts of [
      { present: 2 ** 53 - 1, minorFault: 78_643_200, sigsegv: 3, sigbus: 4, synced: 5 },
      { present: 0, minorFault: 0, sigsegv: 0, sigbus: 0, synced: 0 },
      { present: 1024, minorFault: 0, sigsegv: 0, sigbus: 0, synced: 0 },
    ]) {
      const wire = encodeBatchResult(counts, outcomes);
      const viaProtobufjs = decodeBatchResult(m.responseDeserialize(encodeAccessStreamResponse(wire)));
      const byHand = decodeAccessStreamResponse(m.responseSerialize(wire));
      for (const back of [viaProtobufjs, byHand]) assert.deepEqual({ ...back, outcomes: [...back.outcomes] }, { ...counts, outcomes: [...outcomes] });
    }
    const empty = decodeAccessStreamResponse(Buffer.alloc(0));
    assert.deepEqual({ ...empty, outcomes: [...empty.outcomes] }, { present: 0, minorFault: 0, sigsegv: 0, sigbus: 0, synced: 0, outcomes: [] });
    assert.throws(() => encodeAccessStreamResponse({ counts: { present: 2 ** 53 } }), RangeError);
  });

  it('a reply written in place (outcomes first, then counts) parses in protobufjs and by hand', () => {
    const counts = { present: 2, minorFault: 1, sigsegv: 1, sigbus: 0, synced: 2 ** 40 };
    for (const n of [4, 0]) {
      const w = batchReplyWriter(n);
      w.outcomes.set([0, 1, 2, 0].slice(0, n));
      const bytes = encodeAccessStreamResponse(w.finish(counts));
      const expected = { ...counts, outcomes: [0, 1, 2, 0].slice(0, n) };
      const viaProtobufjs = decodeBatchResult(m.responseDeserialize(bytes));
      for (const back of [viaProtobufjs, decodeAccessStreamResponse(bytes)]) assert.deepEqual({ ...back, outcomes: [...back.outcomes] }, expected);
    }
    assert.throws(() => batchReplyWriter(1).finish({ ...counts, present: -1 }), RangeError);
  });

  it('a one-bytes-field message (the echo benchmark frames its payload alike) reads back as protobufjs writes it', () => {
    assert.deepEqual(m.requestDeserialize(encodeBytesMessage(3, addrs)).addrs, addrs);
    assert.deepEqual(decodeBytesMessage(3, m.requestSerialize({ pid: 1, addrs })), addrs);
    assert.deepEqual(decodeBytesMessage(3, Buffer.from([0x08, 0x01])), Buffer.alloc(0));
  });
});
