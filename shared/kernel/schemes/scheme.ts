/**
 * What a sharing scheme decides, the same few questions for each (one module per scheme beside
 * this one, their names in index.ts): at which level a sharer's tables link to a host's, how a
 * window's memory is mapped, and where the rule comes from.
 */
export interface Scheme {
  readonly name: string;
  /**
   * Level of the table whose entries link a sharer to the host mm's tables ('top': the PGD, the
   * RFC), or null: no host tables, every mapper holds its own (a window is then a shared file
   * every mapper maps at equal offsets).
   */
  readonly linkLevel: number | 'top' | null;
  /** How a window's pages are mapped (huge.ts kinds: 4 KiB, hugetlb 2 MiB / 1 GiB, shmem THP). */
  readonly windowKind: number;
  /** Private anonymous mappings get transparent huge pages (THP enabled=always). */
  readonly thpAnon: boolean;
  /** Whose rule this is, for reports. */
  readonly source: string;
  /** What each sharer's VmPTE counts for the window, in a phrase. */
  readonly vmpte: string;
}
