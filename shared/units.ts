/**
 * Sizes as people write them ("300GiB", "8GiB", "512MiB", "4096") and as reports print them.
 * One parser for every service and tool, so a size means the same bytes everywhere.
 */

/** Binary units only: the seed's figures (300 GiB, 878.9 GiB) are powers of two. */
export const SIZE_UNITS: Readonly<Record<string, number>> = Object.freeze({
  '': 1, B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, PiB: 2 ** 50,
});

export class SizeError extends Error {
  constructor(readonly value: string, message: string) {
    super(message);
    this.name = 'SizeError';
  }
}

/**
 * Bytes, with an optional binary unit: 4096, 300GiB, 1.5TiB, "512 MiB". The result must be a
 * positive whole number of bytes below 2^53. Throws SizeError; callers add the variable or flag.
 */
export function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2]] : undefined;
  if (!m || unit === undefined) {
    throw new SizeError(value, `'${value}' is not a size (bytes, or a number with B, KiB, MiB, GiB, TiB, PiB)`);
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
