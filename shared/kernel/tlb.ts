/**
 * The per-process translation cache, filled and read by the fault path (fault.ts). Its own
 * module, importing types only, so that a process (mm.ts) holds one without importing the fault
 * path (which imports the process's types: a cycle).
 */
import type { HugeMapping } from './huge.js';
import type { Region } from './mm.js';

/**
 * A process's translation cache (a software TLB): pages [start, end) resolve to one VMA with
 * effective protection `prot` in `region`'s host, or in the process's own mm when null. Valid
 * while `epoch` equals the kernel's layout epoch. Pages [slotStart, slotEnd) are the link slot
 * last found in sync, valid while the host's link epoch is still `linkEpoch`; `slotLinked` is
 * set once the host is known to have a table identity under that slot.
 */
export class TranslationCache {
  epoch = -1;
  start = 0;
  end = 0;
  prot = 0;
  region: Region | null = null;
  slotStart = 0;
  slotEnd = -1;
  linkEpoch = -1;
  /** The mapping's huge pages when [start, end) is mapped by them (huge.ts), else null. */
  huge: HugeMapping | null = null;
  slotLinked = false;
}
