/** System-wide page-table accounting and the seed's closed-form baseline. */
import { ENTRY_BYTES, PAGE_SIZE } from './geometry.js';
import type { SeedBaseline } from './types.js';

/**
 * The RFC's figure: every client maps every SGA page with its own PTE. 1500 x 300 GiB ->
 * 943,718,400,000 bytes (878.9 GiB). The upper variant adds one PMD table per 1 GiB and one PUD
 * table per 512 GiB of SGA (an SGA aligned to those boundaries), per client.
 */
export function seedBaseline(clients: number, sgaBytes: number): SeedBaseline {
  const pages = Math.ceil(sgaBytes / PAGE_SIZE);
  const pteTables = Math.ceil(pages / 512);
  const pmdTables = Math.ceil(pteTables / 512);
  const pudTables = Math.ceil(pmdTables / 512);
  return {
    clients,
    sgaBytes,
    pteBytes: clients * pages * ENTRY_BYTES,
    pteWithUpperBytes: clients * (pages * ENTRY_BYTES + (pmdTables + pudTables) * PAGE_SIZE),
  };
}
