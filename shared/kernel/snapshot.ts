/**
 * A kernel's whole state as a JSON value, and back (the broker writes it to MSHARE_STATE_DIR on
 * SIGTERM and restores it at start). No I/O: the services read and write the file.
 *
 * What is saved is the kernel's object graph itself, every object reachable from the Kernel: its
 * processes, VMAs, page trees (empty tables, FULL subtrees, shared hugetlb PMD tables and all),
 * regions, link identities, counters, memory figures, hugetlb pools, OOM log and caches. Saving
 * the graph rather than a list of named fields keeps the restore exact (a table with no present
 * page is restored too, which re-touching the present ranges would not do) and keeps this module
 * out of the representation's way: a field added to a class is saved without a change here.
 * Shared objects stay shared (a Process in a region's mappers is the one in the process table).
 *
 * What is not saved: functions. The restore builds a fresh Kernel from the caller's options and
 * fills its objects in place, so the wiring the constructor made (the OOM killer's callbacks,
 * memory's outOfMemory) stays the fresh kernel's; OOM listeners belong to the services, which add
 * theirs again. Frozen objects the constructor makes (geometry, scheme, limits) stay the fresh
 * kernel's: the limits are configuration, so a restart may change them, while the geometry,
 * scheme, PTI and link level must match the snapshot's (refused otherwise). Module constants an
 * object may point at (FULL, a lean PMD table's shared arrays, the counterfactual ledger) are
 * saved by name and restored to the same constants.
 */
import { KernelError } from './errors.js';
import * as fault from './fault.js';
import { geometry } from './geometry.js';
import * as huge from './huge.js';
import { Kernel } from './kernel.js';
import * as linkIds from './link-ids.js';
import * as links from './links.js';
import * as memory from './memory.js';
import * as mm from './mm.js';
import * as msharefs from './msharefs.js';
import * as oomkill from './oomkill.js';
import * as compact from './pagetable/compact.js';
import * as ledger from './pagetable/ledger.js';
import * as tables from './pagetable/tables.js';
import * as tree from './pagetable/tree.js';
import * as tlb from './tlb.js';
import type { KernelOptions } from './types.js';
import * as vma from './vma.js';

export const SNAPSHOT_FORMAT = 'mshare-kernel-snapshot';
export const SNAPSHOT_VERSION = 2;

/** A value in a node: a JSON primitive, or a tagged one (reference, constant, non-JSON number, bigint). */
type Value = null | boolean | string | number | { r: number } | { s: string } | { n: string } | { b: string } | { u: 0 } | { f: 0 }
  | { h: 0 };

/** An array's hole (a sparse PMD table's spare key capacity): kept a hole, not made undefined or null. */
const HOLE = Object.freeze({ h: 0 as const });
const isHole = (v: unknown): boolean => typeof v === 'object' && v !== null && Object.hasOwn(v, 'h');

/**
 * One object of the graph: a class instance or plain object, an array, a Map, a Set or a typed
 * array. `V` is Value when written, unknown when read back (each value is checked as it is used).
 */
type Node<V = Value> =
  | { k: 'o'; c: string; frozen?: true; p: Record<string, V> }
  | { k: 'a'; v: V[] }
  | { k: 'm'; e: [V, V][] }
  | { k: 's'; v: V[] }
  | { k: 't'; c: string; d: string };

export interface KernelSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  /** The kernel's shape: a restore into a kernel of another shape is refused. */
  shape: Shape;
  /** nodes[0] is the Kernel. */
  nodes: Node[];
}

interface Shape {
  geometry: string;
  scheme: string;
  pti: boolean;
  linkLevel: number;
}

/** A snapshot that cannot be restored: unreadable, of another version, or of another kernel shape. */
export class SnapshotError extends KernelError {
  constructor(message: string) {
    super('EINVAL', `kernel snapshot: ${message}`);
    this.name = 'SnapshotError';
  }
}

/** Every class a kernel's graph may hold, by name, from the modules that define them. */
const CLASSES: ReadonlyMap<string, object> = (() => {
  const out = new Map<string, object>();
  for (const ns of [compact, fault, huge, linkIds, links, memory, mm, msharefs, oomkill, ledger, tables, tlb, tree, vma]) {
    for (const value of Object.values(ns)) {
      if (typeof value !== 'function' || !/^class\s/.test(Function.prototype.toString.call(value))) continue;
      const seen = out.get(value.name);
      if (seen !== undefined && seen !== value.prototype) throw new Error(`snapshot: two classes named ${value.name}`);
      out.set(value.name, value.prototype);
    }
  }
  return out;
})();

/**
 * Module constants objects point at (FULL, the counterfactual ledger, a lean PMD table's shared
 * arrays, a tree's empty leaf cache), saved by name and restored to themselves: a restored object
 * must point at the same constant, since code compares with it. Besides the exported ones, they
 * are found without naming internals: whatever two new instances of a class share is a constant.
 */
const CONSTANTS: ReadonlyMap<string, object> = (() => {
  const out = new Map<string, object>([
    ['FULL', tables.FULL], ['FULL_TABLES', tables.FULL_TABLES], ['COUNTERFACTUAL', ledger.COUNTERFACTUAL],
  ]);
  const g = geometry('x86_64-4level');
  const specimens: [string, () => object][] = [
    ['PageTree', () => new tree.PageTree(g, ledger.COUNTERFACTUAL)], ['PmdTable', () => new tables.PmdTable()],
    ['PmdTable(lean)', () => new tables.PmdTable(true)], ['DirTable', () => new tables.DirTable()],
  ];
  const shared = (a: object, b: object, path: string, depth: number): void => {
    for (const key of Object.keys(a)) {
      const x: unknown = Reflect.get(a, key);
      const y: unknown = Reflect.get(b, key);
      if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) continue;
      if (x === y) out.set(`${path}.${key}`, x);
      else if (depth < 2) shared(x, y, `${path}.${key}`, depth + 1);
    }
  };
  for (const [name, make] of specimens) shared(make(), make(), name, 0);
  return out;
})();
// The first name of each (geometry's spans are reached by two).
const CONSTANT_NAMES = new Map<object, string>();
for (const [name, obj] of CONSTANTS) if (!CONSTANT_NAMES.has(obj)) CONSTANT_NAMES.set(obj, name);

const TYPED_ARRAYS: Readonly<Record<string, (b: Buffer) => ArrayBufferView>> = {
  Int32Array: (b) => new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4),
  Int16Array: (b) => new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2),
  Uint8Array: (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
  Uint32Array: (b) => new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4),
  Float64Array: (b) => new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8),
};

function shapeOf(kernel: Kernel): Shape {
  return { geometry: kernel.geometry.name, scheme: kernel.scheme.name, pti: kernel.pti, linkLevel: kernel.linkLevel };
}

/** The kernel's state as a JSON-serialisable value. Reads only. */
export function snapshotKernel(kernel: Kernel): KernelSnapshot {
  const ids = new Map<object, number>();
  const nodes: Node[] = [];
  const value = (v: unknown): Value => {
    switch (typeof v) {
      case 'undefined': return { u: 0 };
      case 'boolean': case 'string': return v;
      case 'number': return Number.isFinite(v) && !Object.is(v, -0) ? v : { n: Object.is(v, -0) ? '-0' : String(v) };
      case 'bigint': return { b: v.toString() };
      case 'function': return { f: 0 };
      case 'symbol': throw new Error('snapshot: a symbol in the kernel state');
      case 'object': return v === null ? null : ref(v);
    }
    throw new Error(`snapshot: a value of type ${typeof v}`);
  };
  const ref = (obj: object): Value => {
    const constant = CONSTANT_NAMES.get(obj);
    if (constant !== undefined) return { s: constant };
    let id = ids.get(obj);
    if (id !== undefined) return { r: id };
    id = nodes.length;
    ids.set(obj, id);
    nodes.push({ k: 'a', v: [] }); // a placeholder: children are numbered after their parent
    nodes[id] = node(obj);
    return { r: id };
  };
  const node = (obj: object): Node => {
    if (ArrayBuffer.isView(obj)) {
      const name = obj.constructor.name;
      if (!(name in TYPED_ARRAYS)) throw new Error(`snapshot: cannot save a ${name}`);
      return { k: 't', c: name, d: Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64') };
    }
    if (Array.isArray(obj)) return { k: 'a', v: Array.from(obj, (v, i) => (i in obj ? value(v) : HOLE)) };
    if (obj instanceof Map) return { k: 'm', e: [...obj].map(([key, v]) => [value(key), value(v)]) };
    // Functions in a Set are listeners (the OOM killer's): the services add theirs again.
    if (obj instanceof Set) return { k: 's', v: [...obj].filter((v) => typeof v !== 'function').map(value) };
    const proto: unknown = Object.getPrototypeOf(obj);
    const name = proto === Object.prototype || proto === null ? 'Object' : obj.constructor.name;
    if (name !== 'Object' && name !== 'Kernel' && CLASSES.get(name) !== proto) {
      throw new Error(`snapshot: class ${name} is not known to shared/kernel/snapshot.ts (add its module to CLASSES)`);
    }
    const p: Record<string, Value> = {};
    for (const [key, v] of Object.entries(obj)) p[key] = value(v);
    return Object.isFrozen(obj) ? { k: 'o', c: name, frozen: true, p } : { k: 'o', c: name, p };
  };
  ref(kernel);
  return { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, shape: shapeOf(kernel), nodes };
}

/**
 * A Kernel built from `options` with the snapshot's state. Throws SnapshotError, naming what was
 * wrong, for anything that is not a snapshot of this version and of a kernel of the same shape.
 */
export function restoreKernel(snapshot: unknown, options: KernelOptions = {}): Kernel {
  const s = checkHeader(snapshot);
  const kernel = new Kernel(options);
  const want = shapeOf(kernel);
  for (const key of ['geometry', 'scheme', 'pti', 'linkLevel'] as const) {
    if (s.shape[key] !== want[key]) {
      throw new SnapshotError(`it was taken with ${key} ${String(s.shape[key])}, and this kernel has ${String(want[key])}`);
    }
  }
  const nodes = s.nodes;
  const made = new Map<number, unknown>();
  const value = (v: unknown, fresh: unknown, where: string): unknown => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
    if (typeof v !== 'object' || Array.isArray(v)) throw new SnapshotError(`bad value at ${where}`);
    if ('r' in v && typeof v.r === 'number') return materialise(v.r, fresh, where);
    if ('s' in v && typeof v.s === 'string' && CONSTANTS.has(v.s)) return CONSTANTS.get(v.s);
    if ('n' in v && (v.n === 'Infinity' || v.n === '-Infinity' || v.n === 'NaN' || v.n === '-0')) return Number(v.n);
    if ('b' in v && typeof v.b === 'string' && /^-?\d+$/.test(v.b)) return BigInt(v.b);
    if ('u' in v) return undefined;
    if ('f' in v) {
      if (typeof fresh !== 'function') throw new SnapshotError(`a function at ${where} has no counterpart in a new kernel`);
      return fresh;
    }
    throw new SnapshotError(`bad value at ${where}`);
  };
  const materialise = (id: number, fresh: unknown, where: string): unknown => {
    if (made.has(id)) return made.get(id);
    const n: unknown = Number.isInteger(id) ? nodes[id] : undefined;
    if (typeof n !== 'object' || n === null || !('k' in n)) throw new SnapshotError(`no node ${id} (at ${where})`);
    const node = parseNode(n, where);
    const into = typeof fresh === 'object' && fresh !== null ? fresh : undefined;
    switch (node.k) {
      case 't': {
        const make = TYPED_ARRAYS[node.c];
        if (make === undefined) throw new SnapshotError(`unknown array type ${node.c} at ${where}`);
        // A copy: the decoded buffer may be a slice of a shared pool.
        const bytes = Uint8Array.from(Buffer.from(node.d, 'base64'));
        const data = make(Buffer.from(bytes.buffer));
        // A fresh array of the same type and length (memory's ledger) is filled in place.
        const fill = into !== undefined && ArrayBuffer.isView(into) && into.constructor === data.constructor && into.byteLength === data.byteLength;
        if (fill) new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(bytes);
        made.set(id, fill ? into : data);
        return made.get(id);
      }
      case 'a': {
        const out: unknown[] = Array.isArray(into) ? into : [];
        made.set(id, out);
        if (Object.isFrozen(out)) {
          // A fresh kernel's constant (geometry's spans): its elements are paired, not written.
          node.v.forEach((v, i) => value(v, out[i], `${where}[${i}]`));
          return out;
        }
        out.length = 0;
        node.v.forEach((v, i) => {
          if (isHole(v)) out.length++;
          else out.push(value(v, undefined, `${where}[${i}]`));
        });
        return out;
      }
      case 'm': {
        const out = into instanceof Map ? into : new Map<unknown, unknown>();
        made.set(id, out);
        out.clear();
        for (const [k, v] of node.e) out.set(value(k, undefined, `${where} key`), value(v, undefined, `${where} value`));
        return out;
      }
      case 's': {
        const out = into instanceof Set ? into : new Set<unknown>();
        made.set(id, out);
        // The fresh kernel's own entries (none but listeners) give way to the snapshot's.
        for (const v of [...out]) if (typeof v !== 'function') out.delete(v);
        for (const v of node.v) out.add(value(v, undefined, `${where} member`));
        return out;
      }
      case 'o': {
        const proto = node.c === 'Object' ? Object.prototype : node.c === 'Kernel' ? Kernel.prototype : CLASSES.get(node.c);
        if (proto === undefined) throw new SnapshotError(`unknown class ${node.c} at ${where}`);
        const reuse = into !== undefined && Object.getPrototypeOf(into) === proto;
        if (reuse && Object.isFrozen(into)) {
          // A fresh kernel's constant (geometry, scheme, limits): kept, its parts paired with the snapshot's.
          made.set(id, into);
          for (const [key, v] of Object.entries(node.p)) value(v, Reflect.get(into, key), `${where}.${key}`);
          return into;
        }
        const out: object = reuse ? into : Object.create(proto);
        made.set(id, out);
        for (const [key, v] of Object.entries(node.p)) {
          const inner = reuse ? Reflect.get(out, key) : undefined;
          Reflect.set(out, key, value(v, inner, `${where}.${key}`));
        }
        if (node.frozen) Object.freeze(out);
        return out;
      }
    }
  };
  const root = materialise(0, kernel, 'kernel');
  if (root !== kernel) throw new SnapshotError('node 0 is not the kernel');
  mm.reserveRegionIds([...kernel.hosts].reduce((last, region) => Math.max(last, region.id), 0));
  linkIds.reshareGroups(made.values()); // copy on write's marks are beside the graph (link-ids.ts)
  return kernel;
}

function checkHeader(snapshot: unknown): { shape: Shape; nodes: unknown[] } {
  if (typeof snapshot !== 'object' || snapshot === null) throw new SnapshotError('not a JSON object');
  const [format, version, shape, nodes] = fields(snapshot, 'format', 'version', 'shape', 'nodes');
  if (format !== SNAPSHOT_FORMAT) throw new SnapshotError(`format is ${JSON.stringify(format)}, not '${SNAPSHOT_FORMAT}'`);
  if (version !== SNAPSHOT_VERSION) {
    throw new SnapshotError(`version ${JSON.stringify(version)} is not the version this broker reads (${SNAPSHOT_VERSION})`);
  }
  if (typeof shape !== 'object' || shape === null || !Array.isArray(nodes) || nodes.length === 0) {
    throw new SnapshotError('the shape or the nodes are missing');
  }
  const [geometry, scheme, pti, linkLevel] = fields(shape, 'geometry', 'scheme', 'pti', 'linkLevel');
  if (typeof geometry !== 'string' || typeof scheme !== 'string' || typeof pti !== 'boolean' || typeof linkLevel !== 'number') {
    throw new SnapshotError('the shape is malformed');
  }
  return { shape: { geometry, scheme, pti, linkLevel }, nodes };
}

/** The named own fields of a parsed JSON object, unchecked. */
function fields(obj: object, ...keys: string[]): unknown[] {
  return keys.map((key): unknown => (Object.hasOwn(obj, key) ? Reflect.get(obj, key) : undefined));
}

/** A node read back, its kind's fields checked. */
function parseNode(n: object, where: string): Node<unknown> {
  const bad = (): never => {
    throw new SnapshotError(`malformed node at ${where}`);
  };
  const [k, c, d, v, e, p, frozen] = fields(n, 'k', 'c', 'd', 'v', 'e', 'p', 'frozen');
  switch (k) {
    case 't': return typeof c === 'string' && typeof d === 'string' ? { k, c, d } : bad();
    case 'a': case 's': return Array.isArray(v) ? { k, v } : bad();
    case 'm': {
      const entries: [unknown, unknown][] = [];
      if (!Array.isArray(e)) return bad();
      for (const x of e) {
        if (!Array.isArray(x) || x.length !== 2) return bad();
        entries.push([x[0], x[1]]);
      }
      return { k, e: entries };
    }
    case 'o': {
      if (typeof c !== 'string' || typeof p !== 'object' || p === null || Array.isArray(p)) return bad();
      const props: Record<string, unknown> = {};
      for (const [key, x] of Object.entries(p)) props[key] = x;
      return frozen === true ? { k, c, frozen, p: props } : { k, c, p: props };
    }
    default: return bad();
  }
}
