/**
 * The wire shapes, both directions, in one place (as status.ts is for errors): between the
 * generated proto types (uint64 as decimal strings with `longs: String`, enums as names) and the
 * kernel's values (bigint addresses, plain numbers). `encodeX` writes message X, `decodeX` reads
 * it back; the broker decodes requests and encodes replies, the client does the opposite, and the
 * tests round-trip every pair through the real protobuf serializers.
 *
 * Request decoders validate: a malformed request throws EINVAL here, before the kernel sees it,
 * so it changes nothing. Reply decoders trust the broker. Encoders write uint64 values as decimal
 * strings, so the same objects serve gRPC replies and the HTTP side's JSON.
 */
import type { OomEvent } from '../kernel/oom.js';
import type { OomEvent as OomEventWire } from '../generated/mshare/v1/OomEvent.js';
import { endianness } from 'node:os';
import type { AccessCounts, ExactCounters } from '../kernel/counts.js';
import { KernelError, LimitError } from '../kernel/errors.js';
import type { GeometryName } from '../kernel/geometry.js';
import type { AccessKind, OutcomeName } from '../kernel/uapi.js';
import type {
  AccessResult, ProcStatus, RegionInfo, SeedBaseline, SystemAccounting, TableCounts as KernelTableCounts,
} from '../kernel/types.js';
import type { AccessStreamRequest, AccessStreamRequest__Output } from '../generated/mshare/v1/AccessStreamRequest.js';
import type { AccessStreamResponse, AccessStreamResponse__Output } from '../generated/mshare/v1/AccessStreamResponse.js';
import type { AccessKind as WireAccessKind, AccessKind__Output } from '../generated/mshare/v1/AccessKind.js';
import type { AccessOutcome, AccessOutcome__Output } from '../generated/mshare/v1/AccessOutcome.js';
import type { AccessResponse, AccessResponse__Output } from '../generated/mshare/v1/AccessResponse.js';
import type { GetAccountingResponse, GetAccountingResponse__Output } from '../generated/mshare/v1/GetAccountingResponse.js';
import type { GetGeometryResponse, GetGeometryResponse__Output } from '../generated/mshare/v1/GetGeometryResponse.js';
import type { OutcomeCounts, OutcomeCounts__Output } from '../generated/mshare/v1/OutcomeCounts.js';
import type { ProcStatusResponse, ProcStatusResponse__Output } from '../generated/mshare/v1/ProcStatusResponse.js';
import type { ReadRegionResponse, ReadRegionResponse__Output } from '../generated/mshare/v1/ReadRegionResponse.js';
import type { TableCounts, TableCounts__Output } from '../generated/mshare/v1/TableCounts.js';
import type { TouchResponse, TouchResponse__Output } from '../generated/mshare/v1/TouchResponse.js';

// ---- numbers --------------------------------------------------------------------------------

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff; // prot, flags, oflags, mode: their meaning is the kernel's to judge
/** Linux PID_MAX_LIMIT (4M): no pid is larger. */
const PID_MAX = 4 * 1024 * 1024;

const invalid = (msg: string) => new KernelError('EINVAL', msg);

/** A uint64 the broker writes (kernel figures): a decimal string. */
export const encodeU64 = (n: number | bigint): string => (typeof n === 'bigint' ? n : BigInt(n)).toString();

/** A uint64 a caller passes (addresses, lengths): a bigint in range, refused before sending. */
export function encodeU64Arg(value: bigint, field: string): string {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw invalid(`${field} ${String(value)} is not a u64 bigint`);
  }
  return value.toString();
}

/** A uint64 as grpc-js hands it over (a decimal string with longs: String). */
export function decodeU64(value: string | number, field: string): bigint {
  const s = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : value;
  if (!/^\d{1,20}$/.test(s)) throw invalid(`${field} '${String(value)}' is not an unsigned decimal integer`);
  const n = BigInt(s);
  if (n > U64_MAX) throw invalid(`${field} ${s} is above 2^64-1`);
  return n;
}

export function decodePid(value: number, field = 'pid'): number {
  if (value === 0) throw invalid(`${field} is required (pid 0 is not a process)`);
  if (!Number.isInteger(value) || value < 0 || value > PID_MAX) throw invalid(`${field} ${value} is out of range 1..${PID_MAX}`);
  return value;
}

/** A count that must fit a JS number (stride). */
export function decodeCount(value: string | number, field: string, min: number): number {
  const n = decodeU64(value, field);
  if (n < BigInt(min) || n > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${field} ${n} is out of range ${min}..2^53-1`);
  return Number(n);
}

/** Touch's stride_pages: 0 (unset) means every page. */
export function decodeStride(value: string | number): number {
  return value === '0' || value === '' || value === 0 ? 1 : decodeCount(value, 'stride_pages', 1);
}

/** A 32-bit bit set (prot, flags, oflags): its meaning is the kernel's to judge. */
export function decodeBits(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) throw invalid(`${field} ${value} is out of range`);
  return value;
}

/** The inverse of a one-to-one table. */
function invert<K extends string, V extends string>(table: Readonly<Record<K, V>>): Readonly<Record<string, K | undefined>> {
  return Object.freeze(Object.fromEntries(Object.entries(table).map(([k, v]) => [v, k])));
}

// ---- access kind ----------------------------------------------------------------------------

const KIND_TO_WIRE: Readonly<Record<AccessKind, WireAccessKind & string>> = Object.freeze({
  read: 'ACCESS_KIND_READ', write: 'ACCESS_KIND_WRITE', exec: 'ACCESS_KIND_EXEC',
});
const KIND_FROM_WIRE = invert(KIND_TO_WIRE);

export const encodeKind = (kind: AccessKind): WireAccessKind => KIND_TO_WIRE[kind];

export function decodeKind(value: AccessKind__Output | number): AccessKind {
  const kind = typeof value === 'string' ? KIND_FROM_WIRE[value] : undefined;
  if (!kind) throw invalid(`kind ${String(value)} is not ACCESS_KIND_READ, ACCESS_KIND_WRITE or ACCESS_KIND_EXEC`);
  return kind;
}

// ---- outcome --------------------------------------------------------------------------------

const OUTCOME_TO_WIRE: Readonly<Record<OutcomeName, AccessOutcome & string>> = Object.freeze({
  present: 'ACCESS_OUTCOME_PRESENT',
  minor_fault: 'ACCESS_OUTCOME_MINOR_FAULT',
  sigsegv: 'ACCESS_OUTCOME_SIGSEGV',
  sigbus: 'ACCESS_OUTCOME_SIGBUS',
});
const OUTCOME_FROM_WIRE = invert(OUTCOME_TO_WIRE);

export const encodeOutcome = (outcome: OutcomeName): AccessOutcome => OUTCOME_TO_WIRE[outcome];

export function decodeOutcome(value: AccessOutcome__Output): OutcomeName {
  const outcome = OUTCOME_FROM_WIRE[value];
  if (!outcome) throw new Error(`broker answered an unknown outcome ${value}`);
  return outcome;
}

export function encodeAccessResult(r: AccessResult): AccessResponse {
  return { outcome: encodeOutcome(r.outcome), synced: r.synced };
}

export function decodeAccessResult(r: AccessResponse__Output): AccessResult {
  return { outcome: decodeOutcome(r.outcome), synced: r.synced };
}

// ---- counts ---------------------------------------------------------------------------------

/** What OutcomeCounts carries: AccessCounts without `synced`, which travels beside it. */
export type OutcomeTally = Omit<AccessCounts, 'synced'>;

/**
 * Counts as plain numbers: exact (below 2^53) and, on the AccessStream path, cheaper for
 * protobufjs to encode than decimal strings it would parse back.
 */
const encodeExactCounts = (c: ExactCounters): OutcomeCounts => ({
  present: encodeU64(c.present), minor_fault: encodeU64(c.minorFault), sigsegv: encodeU64(c.sigsegv), sigbus: encodeU64(c.sigbus),
});

export function encodeCounts(c: OutcomeTally): OutcomeCounts {
  return { present: c.present, minor_fault: c.minorFault, sigsegv: c.sigsegv, sigbus: c.sigbus };
}

export function decodeCounts(c: OutcomeCounts__Output | null | undefined): OutcomeTally {
  return {
    present: Number(c?.present ?? 0),
    minorFault: Number(c?.minor_fault ?? 0),
    sigsegv: Number(c?.sigsegv ?? 0),
    sigbus: Number(c?.sigbus ?? 0),
  };
}

/** Touch's reply: the counts, with `synced` beside them. */
export function encodeTouchResult(c: AccessCounts): TouchResponse {
  return { counts: encodeCounts(c), synced: c.synced };
}

export function decodeTouchResult(r: Pick<TouchResponse__Output, 'counts' | 'synced'>): AccessCounts {
  return { ...decodeCounts(r.counts), synced: Number(r.synced) };
}

// ---- the batch path (AccessStream) ----------------------------------------------------------

const LITTLE_ENDIAN = endianness() === 'LE';

/** One reply of the batch path: counts and one outcome code per address (uapi Outcome). */
export interface BatchResult extends AccessCounts {
  outcomes: Uint8Array;
}

/**
 * One batch: `addrs` as a BigUint64Array (viewed as its bytes, on a little-endian host) or as
 * little-endian u64 bytes, sent as they are. Their length is the kernel's to check (accessBatch).
 */
export function encodeBatch(pid: number, kind: AccessKind, addrs: BigUint64Array | Uint8Array): AccessStreamRequest {
  let bytes: Uint8Array;
  if (addrs instanceof BigUint64Array) {
    if (!LITTLE_ENDIAN) throw new Error('BigUint64Array batches need a little-endian host; pass bytes');
    bytes = new Uint8Array(addrs.buffer, addrs.byteOffset, addrs.byteLength);
  } else {
    bytes = addrs;
  }
  return { pid, kind: encodeKind(kind), addrs: bytes };
}

/**
 * grpc-js hands over a Buffer at any offset of a shared pool; Kernel.accessBatch reads it in
 * place when 4-byte aligned and copies it otherwise, and refuses a length that is not a multiple
 * of 8 (EINVAL) before it accesses anything: the one place a batch's length is checked.
 */
export function decodeBatch(
  req: AccessStreamRequest__Output, maxAddresses = Infinity,
): { pid: number; kind: AccessKind; addrs: Uint8Array } {
  if (req.addrs.length / 8 > maxAddresses) {
    throw new LimitError('EINVAL', 'batch_addresses', `a batch holds at most ${maxAddresses} addresses (MSHARE_MAX_BATCH_ADDRESSES); this one ${Math.floor(req.addrs.length / 8)}`);
  }
  return { pid: decodePid(req.pid), kind: decodeKind(req.kind), addrs: req.addrs };
}

export function encodeBatchResult(c: AccessCounts, outcomes: Uint8Array): AccessStreamResponse {
  return { counts: encodeCounts(c), outcomes, synced: c.synced };
}

export function decodeBatchResult(m: AccessStreamResponse__Output): BatchResult {
  return { ...decodeTouchResult(m), outcomes: m.outcomes };
}

// ---- pages (AIP-158) --------------------------------------------------------------------------

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
const PAGE_TOKEN_PREFIX = 'after:';

/**
 * A page of a name-ordered listing: page_size (0: the default, capped at the maximum) and
 * page_token (the opaque next_page_token of the previous page: the last name returned).
 */
export function decodePage(pageSize: number | string | undefined, pageToken: string | undefined): { size: number; after?: string } {
  const n = Number(pageSize ?? 0);
  if (!Number.isInteger(n) || n < 0) throw invalid(`page_size ${String(pageSize)} is negative or not an integer`);
  const size = n === 0 ? DEFAULT_PAGE_SIZE : Math.min(n, MAX_PAGE_SIZE);
  if (!pageToken) return { size };
  const text = Buffer.from(pageToken, 'base64url').toString('utf8');
  if (!text.startsWith(PAGE_TOKEN_PREFIX) || Buffer.from(text, 'utf8').toString('base64url') !== pageToken) {
    throw invalid('page_token was not issued by this listing');
  }
  return { size, after: text.slice(PAGE_TOKEN_PREFIX.length) };
}

/** One page of `items` sorted by name, after `after`; with the token of the next page ('' on the last). */
export function pageOf<T extends { name: string }>(items: T[], page: { size: number; after?: string }): { items: T[]; next: string } {
  const sorted = items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let from = 0;
  if (page.after !== undefined) {
    const after = page.after;
    while (from < sorted.length && sorted[from].name <= after) from++;
  }
  const out = sorted.slice(from, from + page.size);
  const more = from + page.size < sorted.length;
  return { items: out, next: more ? Buffer.from(PAGE_TOKEN_PREFIX + out[out.length - 1].name, 'utf8').toString('base64url') : '' };
}

/** A ListRegions page (and GET /msharefs) from the region list. */
export function encodeRegionPage(regions: RegionInfo[], pageSize: number | string | undefined, pageToken: string | undefined) {
  const page = pageOf(regions, decodePage(pageSize, pageToken));
  return { regions: page.items.map(encodeRegion), next_page_token: page.next };
}

// ---- tables, region, /proc status -----------------------------------------------------------

export function encodeTables(t: KernelTableCounts): TableCounts {
  return { pte: encodeU64(t.pte), pmd: encodeU64(t.pmd), pud: encodeU64(t.pud), p4d: encodeU64(t.p4d), pgd: encodeU64(t.pgd) };
}

export function decodeTables(t: TableCounts__Output | null | undefined): KernelTableCounts {
  return {
    pte: Number(t?.pte ?? 0), pmd: Number(t?.pmd ?? 0), pud: Number(t?.pud ?? 0),
    p4d: Number(t?.p4d ?? 0), pgd: Number(t?.pgd ?? 0),
  };
}

/** The msharefs read, in the proto's shape; also the JSON of GET /msharefs/:name. */
export function encodeRegion(r: RegionInfo): Required<ReadRegionResponse> {
  return {
    name: r.name,
    start: encodeU64(r.start),
    size: encodeU64(r.size),
    uid: r.uid,
    gid: r.gid,
    mode: r.mode,
    access_mode: r.accessMode,
    refcount: r.refcount,
    mapped_processes: r.mappedProcesses,
    pagetable_bytes: encodeU64(r.pagetableBytes),
    tables: encodeTables(r.tables),
    vma_count: r.vmaCount,
  };
}

export function decodeRegion(r: ReadRegionResponse__Output): RegionInfo {
  return {
    name: r.name,
    start: BigInt(r.start),
    size: BigInt(r.size),
    uid: r.uid,
    gid: r.gid,
    mode: r.mode,
    accessMode: r.access_mode,
    refcount: r.refcount,
    mappedProcesses: r.mapped_processes,
    pagetableBytes: Number(r.pagetable_bytes),
    tables: decodeTables(r.tables),
    vmaCount: r.vma_count,
  };
}

/** With `exact` (the kernel's 64-bit counters), the counters are written exactly past 2^53. */
export function encodeProcStatus(s: ProcStatus, exact?: ExactCounters): ProcStatusResponse {
  return {
    pid: s.pid,
    uid: s.uid,
    gid: s.gid,
    comm: s.comm,
    vmpte_bytes: encodeU64(s.vmpteBytes),
    unshared_vmpte_bytes: encodeU64(s.unsharedVmpteBytes),
    pgd_bytes: encodeU64(s.pgdBytes),
    unshared_pgd_bytes: encodeU64(s.unsharedPgdBytes),
    tables: encodeTables(s.tables),
    minor_faults: encodeU64(exact?.minorFault ?? s.minorFaults),
    unshared_minor_faults: encodeU64(exact?.unsharedMinorFaults ?? s.unsharedMinorFaults),
    syncs: encodeU64(exact?.synced ?? s.syncs),
    regions: [...s.regions],
    vmas: s.vmas.map((v) => ({
      start: encodeU64(v.start), end: encodeU64(v.end), prot: v.prot, flags: v.flags, file: v.file, region: v.region,
      page_size: v.pageSize ?? 4096,
    })),
  };
}

export function decodeProcStatus(r: ProcStatusResponse__Output): ProcStatus {
  return {
    pid: r.pid,
    uid: r.uid,
    gid: r.gid,
    comm: r.comm,
    vmpteBytes: Number(r.vmpte_bytes),
    unsharedVmpteBytes: Number(r.unshared_vmpte_bytes),
    pgdBytes: Number(r.pgd_bytes),
    unsharedPgdBytes: Number(r.unshared_pgd_bytes),
    tables: decodeTables(r.tables),
    minorFaults: Number(r.minor_faults),
    unsharedMinorFaults: Number(r.unshared_minor_faults),
    syncs: Number(r.syncs),
    regions: r.regions,
    vmas: r.vmas.map((v) => ({
      start: BigInt(v.start), end: BigInt(v.end), prot: v.prot, flags: v.flags, file: v.file, region: v.region,
      pageSize: Number(v.page_size),
    })),
  };
}

// ---- geometry and accounting ----------------------------------------------------------------

export interface GeometryInfo {
  name: GeometryName;
  levels: number;
  pageSize: number;
  /** addr and length of mshare() must be multiples of this. */
  mshareAlignment: bigint;
  userAddressLimit: bigint;
  /** Kernel names of the table at each level, leaf first: pte, pmd, pud, [p4d,] pgd. */
  levelNames: string[];
  sharing: boolean;
  /** The sharing scheme (schemes/), with PTI and the PGD size; absent from an older broker. */
  scheme?: string;
  pti?: boolean;
  pgdBytes?: number;
}

export function encodeGeometry(g: GeometryInfo): GetGeometryResponse {
  return {
    name: g.name,
    levels: g.levels,
    page_size: g.pageSize,
    mshare_alignment: encodeU64(g.mshareAlignment),
    user_address_limit: encodeU64(g.userAddressLimit),
    level_names: [...g.levelNames],
    sharing: g.sharing,
    scheme: g.scheme ?? (g.sharing ? 'mshare' : 'none'),
    pti: g.pti ?? false,
    pgd_bytes: g.pgdBytes ?? g.pageSize,
  };
}

export function decodeGeometry(r: GetGeometryResponse__Output): GeometryInfo {
  return {
    name: r.name as GeometryName,
    levels: r.levels,
    pageSize: r.page_size,
    mshareAlignment: BigInt(r.mshare_alignment),
    userAddressLimit: BigInt(r.user_address_limit),
    levelNames: r.level_names,
    sharing: r.sharing,
    scheme: r.scheme === '' ? (r.sharing ? 'mshare' : 'none') : r.scheme,
    pti: r.pti,
    pgdBytes: r.pgd_bytes === 0 ? r.page_size : r.pgd_bytes,
  };
}

/** GetAccounting: the kernel's system figures and the broker's seed baseline. */
export interface BrokerAccounting extends SystemAccounting {
  baseline: SeedBaseline;
}

/** With `exact` (the kernel's 64-bit totals), the counters are written exactly past 2^53. */
export function encodeAccounting(a: BrokerAccounting, exact?: ExactCounters): GetAccountingResponse {
  return {
    geometry: a.geometry,
    sharing: a.sharing,
    scheme: a.scheme ?? (a.sharing ? 'mshare' : 'none'),
    processes: a.processes,
    regions: a.regions,
    host_mms: a.hostMms,
    pagetable_bytes: encodeU64(a.pagetableBytes),
    unshared_pagetable_bytes: encodeU64(a.unsharedPagetableBytes),
    saved_bytes: encodeU64(a.savedBytes),
    saved_ratio: a.savedRatio,
    private_table_bytes: encodeU64(a.privateTableBytes),
    host_table_bytes: encodeU64(a.hostTableBytes),
    pgd_bytes: encodeU64(a.pgdBytes),
    minor_faults: encodeU64(exact?.minorFault ?? a.minorFaults),
    unshared_minor_faults: encodeU64(exact?.unsharedMinorFaults ?? a.unsharedMinorFaults),
    accesses: exact ? encodeExactCounts(exact) : encodeCounts(a.accesses),
    syncs: encodeU64(exact?.synced ?? a.syncs),
    baseline: {
      clients: a.baseline.clients,
      sga_bytes: encodeU64(a.baseline.sgaBytes),
      pte_bytes: encodeU64(a.baseline.pteBytes),
      pte_with_upper_bytes: encodeU64(a.baseline.pteWithUpperBytes),
    },
  };
}

export function decodeAccounting(r: GetAccountingResponse__Output): BrokerAccounting {
  const b = r.baseline;
  return {
    geometry: r.geometry as GeometryName,
    sharing: r.sharing,
    scheme: r.scheme,
    processes: r.processes,
    regions: r.regions,
    hostMms: r.host_mms,
    pagetableBytes: Number(r.pagetable_bytes),
    unsharedPagetableBytes: Number(r.unshared_pagetable_bytes),
    savedBytes: Number(r.saved_bytes),
    savedRatio: r.saved_ratio,
    privateTableBytes: Number(r.private_table_bytes),
    hostTableBytes: Number(r.host_table_bytes),
    pgdBytes: Number(r.pgd_bytes),
    minorFaults: Number(r.minor_faults),
    unsharedMinorFaults: Number(r.unshared_minor_faults),
    accesses: decodeCounts(r.accesses),
    syncs: Number(r.syncs),
    baseline: {
      clients: b?.clients ?? 0,
      sgaBytes: Number(b?.sga_bytes ?? 0),
      pteBytes: Number(b?.pte_bytes ?? 0),
      pteWithUpperBytes: Number(b?.pte_with_upper_bytes ?? 0),
    },
  };
}

/** One OOM kill on the wire (ListOomEvents, GET /oom): u64 fields as decimal strings. */
export function encodeOomEvent(e: OomEvent): Required<OomEventWire> {
  return {
    pid: e.pid, comm: e.comm, uid: e.uid, resident_bytes: String(e.residentBytes), pagetable_bytes: String(e.pagetableBytes),
    unix_time_ns: String(e.unixTimeNs), allocating_pid: e.allocatingPid,
  };
}

/** The kernel log's line for a kill: what SessionResponse.killed.reason says. */
export function oomKillReason(e: OomEvent): string {
  return `Out of memory: Killed process ${e.pid} (${e.comm}) total-vm rss ${e.residentBytes} B, pgtables ${e.pagetableBytes} B, oom invoked by pid ${e.allocatingPid}`;
}
