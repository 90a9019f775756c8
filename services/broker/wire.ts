/**
 * Between the wire (generated proto types, uint64 as decimal strings) and the kernel (bigint
 * addresses, plain numbers). Decoders validate: a malformed request throws EINVAL here, before
 * the kernel sees it, so it changes nothing. Encoders write uint64 values as decimal strings, so
 * the same objects serve gRPC replies and the HTTP side's JSON.
 */
import { KernelError } from '../../shared/kernel/errors.js';
import type { AccessKind, OutcomeName } from '../../shared/kernel/uapi.js';
import type { AccessCounts } from '../../shared/kernel/counts.js';
import type {
  ProcStatus, RegionInfo, SeedBaseline, SystemAccounting, TableCounts as KernelTableCounts,
} from '../../shared/kernel/types.js';
import type { AccessKind__Output } from '../../shared/generated/mshare/v1/AccessKind.js';
import type { AccessOutcome } from '../../shared/generated/mshare/v1/AccessOutcome.js';
import type { Region } from '../../shared/generated/mshare/v1/Region.js';
import type { TableCounts } from '../../shared/generated/mshare/v1/TableCounts.js';
import type { OutcomeCounts } from '../../shared/generated/mshare/v1/OutcomeCounts.js';
import type { ProcStatusResponse } from '../../shared/generated/mshare/v1/ProcStatusResponse.js';
import type { GetAccountingResponse } from '../../shared/generated/mshare/v1/GetAccountingResponse.js';

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff; // prot, flags, oflags, mode: their meaning is the kernel's to judge
/** Linux PID_MAX_LIMIT (4M): no pid is larger. */
const PID_MAX = 4 * 1024 * 1024;

const invalid = (msg: string) => new KernelError('EINVAL', msg);

export function decodePid(value: number, field = 'pid'): number {
  if (value === 0) throw invalid(`${field} is required (pid 0 is not a process)`);
  if (!Number.isInteger(value) || value < 0 || value > PID_MAX) throw invalid(`${field} ${value} is out of range 1..${PID_MAX}`);
  return value;
}

/** A uint64 as grpc-js hands it over (a decimal string with longs: String). */
export function decodeU64(value: string | number, field: string): bigint {
  const s = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : value;
  if (!/^\d{1,20}$/.test(s)) throw invalid(`${field} '${String(value)}' is not an unsigned decimal integer`);
  const n = BigInt(s);
  if (n > U64_MAX) throw invalid(`${field} ${s} is above 2^64-1`);
  return n;
}

/** A count that must fit a JS number (stride). */
export function decodeCount(value: string | number, field: string, min: number): number {
  const n = decodeU64(value, field);
  if (n < BigInt(min) || n > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${field} ${n} is out of range ${min}..2^53-1`);
  return Number(n);
}

/** A 32-bit bit set (prot, flags, oflags): its meaning is the kernel's to judge. */
export function decodeBits(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) throw invalid(`${field} ${value} is out of range`);
  return value;
}

const KINDS: Readonly<Record<string, AccessKind>> = Object.freeze({
  ACCESS_KIND_READ: 'read', ACCESS_KIND_WRITE: 'write', ACCESS_KIND_EXEC: 'exec',
});

export function decodeKind(value: AccessKind__Output | number): AccessKind {
  const kind = typeof value === 'string' ? KINDS[value] : undefined;
  if (!kind) throw invalid(`kind ${String(value)} is not ACCESS_KIND_READ, ACCESS_KIND_WRITE or ACCESS_KIND_EXEC`);
  return kind;
}

/**
 * The batch's bytes, checked for whole addresses. grpc-js hands over a Buffer at any offset of a
 * shared pool; Kernel.accessBatch reads it in place when 4-byte aligned and copies it otherwise.
 */
export function decodeAddrs(addrs: Uint8Array): Uint8Array {
  if (addrs.length % 8 !== 0) throw invalid(`addrs holds ${addrs.length} bytes, not a multiple of 8`);
  return addrs;
}

const OUTCOMES: Readonly<Record<OutcomeName, AccessOutcome>> = Object.freeze({
  present: 'ACCESS_OUTCOME_PRESENT',
  minor_fault: 'ACCESS_OUTCOME_MINOR_FAULT',
  sigsegv: 'ACCESS_OUTCOME_SIGSEGV',
  sigbus: 'ACCESS_OUTCOME_SIGBUS',
});

export const encodeOutcome = (outcome: OutcomeName): AccessOutcome => OUTCOMES[outcome];

const u64 = (n: number | bigint): string => (typeof n === 'bigint' ? n : BigInt(n)).toString();

/**
 * Counts as plain numbers: exact (below 2^53) and, on the AccessStream path, cheaper for
 * protobufjs to encode than decimal strings it would parse back.
 */
export function encodeCounts(c: Pick<AccessCounts, 'present' | 'minorFault' | 'sigsegv' | 'sigbus'>): OutcomeCounts {
  return { present: c.present, minor_fault: c.minorFault, sigsegv: c.sigsegv, sigbus: c.sigbus };
}

export function encodeTables(t: KernelTableCounts): TableCounts {
  return { pte: u64(t.pte), pmd: u64(t.pmd), pud: u64(t.pud), p4d: u64(t.p4d), pgd: u64(t.pgd) };
}

/** The msharefs read, in the proto's shape; also the JSON of GET /msharefs/:name. */
export function encodeRegion(r: RegionInfo): Required<Region> {
  return {
    name: r.name,
    start: u64(r.start),
    size: u64(r.size),
    uid: r.uid,
    gid: r.gid,
    mode: r.mode,
    access_mode: r.accessMode,
    refcount: r.refcount,
    mapped_processes: r.mappedProcesses,
    pagetable_bytes: u64(r.pagetableBytes),
    tables: encodeTables(r.tables),
    vma_count: r.vmaCount,
  };
}

export function encodeProcStatus(s: ProcStatus): ProcStatusResponse {
  return {
    pid: s.pid,
    uid: s.uid,
    gid: s.gid,
    comm: s.comm,
    vmpte_bytes: u64(s.vmpteBytes),
    unshared_vmpte_bytes: u64(s.unsharedVmpteBytes),
    pgd_bytes: u64(s.pgdBytes),
    unshared_pgd_bytes: u64(s.unsharedPgdBytes),
    tables: encodeTables(s.tables),
    minor_faults: u64(s.minorFaults),
    unshared_minor_faults: u64(s.unsharedMinorFaults),
    syncs: u64(s.syncs),
    regions: [...s.regions],
    vmas: s.vmas.map((v) => ({
      start: u64(v.start), end: u64(v.end), prot: v.prot, flags: v.flags, file: v.file, region: v.region,
    })),
  };
}

export function encodeAccounting(a: SystemAccounting, baseline: SeedBaseline): GetAccountingResponse {
  return {
    geometry: a.geometry,
    sharing: a.sharing,
    processes: a.processes,
    regions: a.regions,
    host_mms: a.hostMms,
    pagetable_bytes: u64(a.pagetableBytes),
    unshared_pagetable_bytes: u64(a.unsharedPagetableBytes),
    saved_bytes: u64(a.savedBytes),
    saved_ratio: a.savedRatio,
    private_table_bytes: u64(a.privateTableBytes),
    host_table_bytes: u64(a.hostTableBytes),
    pgd_bytes: u64(a.pgdBytes),
    minor_faults: u64(a.minorFaults),
    unshared_minor_faults: u64(a.unsharedMinorFaults),
    accesses: encodeCounts(a.accesses),
    syncs: u64(a.syncs),
    baseline: {
      clients: baseline.clients,
      sga_bytes: u64(baseline.sgaBytes),
      pte_bytes: u64(baseline.pteBytes),
      pte_with_upper_bytes: u64(baseline.pteWithUpperBytes),
    },
  };
}
