/**
 * msharefs (/sys/fs/mshare): the namespace of regions, file names and permission checks.
 */
import { KernelError, einval } from './errors.js';
import type { Region } from './mm.js';
import { O_ACCMODE, O_RDONLY, O_RDWR } from './uapi.js';

export const NAME_MAX = 255;

/** A file name in msharefs: 1 to 255 bytes, no '/' or NUL, not '.' or '..'. */
export function validateName(name: unknown): string {
  if (typeof name !== 'string') throw einval('name must be a string');
  if (name.length === 0) throw einval('name is empty: a region name has 1 to 255 bytes');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > NAME_MAX) throw new KernelError('ENAMETOOLONG', `name is ${bytes} bytes, the limit is ${NAME_MAX}`);
  if (name.includes('/')) throw einval(`name '${name}' contains '/': msharefs is flat`);
  if (name.includes('\0')) throw einval('name contains a NUL byte');
  if (name === '.' || name === '..') throw einval(`name '${name}' is reserved`);
  return name;
}

/**
 * May a process of uid/gid open the region with access mode `accmode`? (generic_permission:
 * uid 0 passes; otherwise the owner, group or other bits of the file mode, in that order).
 */
export function mayOpen(region: Region, uid: number, gid: number, accmode: number): boolean {
  if (uid === 0) return true;
  const shift = uid === region.uid ? 6 : gid === region.gid ? 3 : 0;
  const bits = (region.mode >> shift) & 7;
  const wantRead = accmode === O_RDONLY || accmode === O_RDWR;
  const wantWrite = (accmode & O_ACCMODE) === O_RDWR;
  return (!wantRead || (bits & 4) !== 0) && (!wantWrite || (bits & 2) !== 0);
}

export class Msharefs {
  private readonly regions = new Map<string, Region>();

  get size(): number {
    return this.regions.size;
  }

  lookup(name: string): Region | undefined {
    return this.regions.get(name);
  }

  get(name: string): Region {
    const region = this.regions.get(validateName(name));
    if (!region) throw new KernelError('ENOENT', `no region named '${name}' in msharefs`);
    return region;
  }

  add(region: Region): void {
    this.regions.set(region.name, region);
  }

  remove(region: Region): void {
    if (this.regions.get(region.name) === region) this.regions.delete(region.name);
  }

  /** Regions in no order (for a walk over all of them). */
  values(): IterableIterator<Region> {
    return this.regions.values();
  }

  /** Regions sorted by name (a directory listing). */
  list(): Region[] {
    return [...this.regions.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
