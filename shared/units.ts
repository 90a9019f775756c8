/**
 * Sizes as people write them ("300GiB", "8GiB", "512MiB", "4096") and as reports print them.
 * One parser for every service and tool, so a size means the same bytes everywhere.
 */

/**
 * Units by lower-case name, all powers of 1024: K, KB and KiB alike (the memory convention,
 * JEDEC, and the RFC's own usage: its "300GB" SGA is 300 GiB, its "512 GB" machine 512 GiB).
 * No unit, or B, is bytes.
 */
export const SIZE_UNITS: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries([
  ['', 1], ['b', 1],
  ...['k', 'm', 'g', 't', 'p'].flatMap((p, i) => [[p, 1024 ** (i + 1)], [`${p}b`, 1024 ** (i + 1)], [`${p}ib`, 1024 ** (i + 1)]]),
]) as Record<string, number>);

/** What parseSize accepts, for --help and error messages. */
export const SIZE_UNITS_HELP = 'bytes, or a number with K, M, G, T, P, KB..PB or KiB..PiB (any case), all powers of 1024';

export class SizeError extends Error {
  constructor(readonly value: string, message: string) {
    super(message);
    this.name = 'SizeError';
  }
}

/**
 * Bytes, with an optional unit: 4096, 300GiB, 300GB, 300g, 1.5TiB, "512 MiB". The result must be a
 * positive whole number of bytes below 2^53. Throws SizeError; callers add the variable or flag.
 */
export function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new SizeError(value, `'${value}' is not a size (${SIZE_UNITS_HELP})`);
  }
  const bytes = Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new SizeError(value, `'${value}' is not a positive whole number of bytes below 2^53`);
  }
  return bytes;
}

/** parseSize with its SizeError turned into the caller's error, which names the variable or flag. */
export function parseSizeAs(value: string, error: (message: string) => Error): number {
  try {
    return parseSize(value);
  } catch (err) {
    if (err instanceof SizeError) throw error(err.message);
    throw err;
  }
}

/** 943718400000 -> "878.9 GiB"; below 1 KiB -> "512 B". */
export function formatBytes(bytes: number, digits = 1): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = Math.abs(bytes);
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  const sign = bytes < 0 ? '-' : '';
  return i === 0 ? `${sign}${value} B` : `${sign}${value.toFixed(digits)} ${units[i]}`;
}

/** 943718400000 -> "943,718,400,000" (exact figures beside the rounded ones). */
export const formatCount = (n: number): string => n.toLocaleString('en-US');
