import assert from 'node:assert/strict';
import { parseCli, UsageError } from '../services/loadtest/cli.js';
import { compareJson, formatCompare, runCompare } from '../services/loadtest/compare.js';

const GiB = 2 ** 30;
const PAGE = 4096;

function usage(args: string[]): string {
  try {
    parseCli(args);
  } catch (err) {
    assert.ok(err instanceof UsageError);
    return err.message;
  }
  return 'accepted';
}

describe('load test: --scheme and --compare', function () {
  this.timeout(120_000);

  it('parses --compare alone (every scheme), a list, --scheme, --pti; refuses bad pairs', () => {
    assert.deepEqual(parseCli(['--compare']).compare, ['none', 'mshare', 'ptshare', 'hugetlb', 'hugetlb-1g', 'thp']);
    assert.deepEqual(parseCli(['--compare', '--json']).compare?.length, 6);
    assert.deepEqual(parseCli(['--compare', 'none,hugetlb']).compare, ['none', 'hugetlb']);
    const c = parseCli(['--scheme', 'hugetlb', '--pti']);
    assert.equal(c.options.scheme, 'hugetlb');
    assert.equal(c.options.pti, true);
    assert.equal(c.compare, undefined);
    assert.match(usage(['--compare', '--broker', '127.0.0.1:1']), /--compare/);
    assert.match(usage(['--compare', 'none,bogus']), /--compare/);
    assert.match(usage(['--scheme', 'bogus']), /--scheme/);
    assert.match(usage(['--scheme', 'mshare', '--no-sharing']), /--scheme/);
    assert.match(usage(['--scheme', 'mshare', '--broker', '127.0.0.1:1']), /--scheme/);
  });

  it('runs each scheme on a fresh broker: exact figures, the JSON keys, savings against none', async () => {
    const rows = await runCompare({ clients: 4, workers: 2, sgaBytes: GiB }, ['none', 'mshare', 'hugetlb', 'ptshare']);
    const by = Object.fromEntries(rows.map((r) => [r.scheme, r]));
    // The donor's SGA is 1 GiB, 1 GiB-aligned in its window: 512 PTE + 1 PMD + 1 PUD a client without sharing.
    assert.equal(by.none.per_client_vmpte_bytes, 514 * PAGE);
    assert.equal(by.none.pagetable_bytes, (4 * 514 + 5) * PAGE);
    assert.equal(by.mshare.pagetable_bytes, (514 + 5 + 1) * PAGE);
    assert.equal(by.mshare.syncs, 4);
    // hugetlb: one PMD page once, each client's PUD page (and the PMD in its VmPTE).
    assert.equal(by.hugetlb.per_client_vmpte_bytes, 2 * PAGE);
    assert.equal(by.hugetlb.pagetable_bytes, (1 + 4 + 5) * PAGE);
    assert.equal(by.hugetlb.minor_faults, 512);
    // Its single-scheme report: each client's VmPTE counts the shared PMD page, the page-table
    // figure (meminfo PageTables) counts it once.
    assert.equal(by.hugetlb.report.clients_vmpte_bytes, 4 * 2 * PAGE);
    assert.equal(by.hugetlb.report.pagetable_bytes, (1 + 4 + 5) * PAGE);
    assert.equal(by.hugetlb.report.saved_bytes, by.hugetlb.report.unshared_pagetable_bytes - (1 + 4 + 5) * PAGE);
    // ptshare: the host's 514 pages once, each client's PMD + PUD, a sync per PMD entry.
    assert.equal(by.ptshare.pagetable_bytes, (514 + 4 * 2 + 5 + 1) * PAGE);
    assert.equal(by.ptshare.syncs, 4 * 512);
    for (const r of rows) assert.equal(r.saved_bytes, by.none.pagetable_bytes - r.pagetable_bytes);
    const json = compareJson(rows);
    for (const key of ['scheme', 'pagetable_bytes', 'per_client_vmpte_bytes', 'minor_faults', 'syncs', 'saved_bytes', 'wall_seconds', 'source']) {
      assert.ok(key in json.schemes[0], key);
    }
    assert.ok(!('report' in json.schemes[0]));
    assert.match(formatCompare(rows), /hugetlbfs/);
    // The same schemes in this thread (lanes 0) and in one worker-thread lane: the same figures.
    const figures = (rs: typeof rows) => rs.map((r) => [r.scheme, r.pagetable_bytes, r.per_client_vmpte_bytes, r.minor_faults, r.syncs, r.saved_bytes]);
    const want = figures(rows.filter((r) => r.scheme === 'hugetlb' || r.scheme === 'ptshare'));
    assert.deepEqual(figures(await runCompare({ clients: 4, workers: 2, sgaBytes: GiB }, ['hugetlb', 'ptshare'], undefined, 0)), want);
    assert.deepEqual(figures(await runCompare({ clients: 4, workers: 2, sgaBytes: GiB }, ['hugetlb', 'ptshare'], undefined, 1)), want);
  });
});
