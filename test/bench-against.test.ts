// `npm run bench -- --against REV`: the revision is checked before anything runs, and another
// revision's kernel is extracted where it loads beside this tree's and runs the bench's cases.
import { strict as assert } from 'node:assert';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { extractRevision, resolveRevision } from '../bench/against.js';
import { sga, type KernelClass } from '../bench/core-cases.js';
import { Kernel } from '../shared/kernel/kernel.js';
import { SGA_ADDR } from '../bench/lib.js';

describe('bench --against', () => {
  it('names a revision that is no commit, or no revision name at all', () => {
    assert.throws(() => resolveRevision('no-such-revision'), /'no-such-revision' is not a commit of this repository/);
    assert.throws(() => resolveRevision('--output=/tmp/x'), /'--output=\/tmp\/x' is not a revision name/);
    assert.throws(() => resolveRevision('HEAD; rm -rf /'), /is not a revision name/);
    assert.throws(() => resolveRevision('--all'), /'--all' is not a revision name/);
    assert.match(resolveRevision('HEAD'), /^[0-9a-f]{40}$/);
  });

  it('extracts a revision\'s kernel as a module of its own, which runs the bench\'s cases', async () => {
    const dir = extractRevision(resolveRevision('HEAD'));
    try {
      const url = pathToFileURL(path.join(dir, 'shared/kernel/kernel.ts')).href;
      const other = (await import(url) as { Kernel: KernelClass }).Kernel;
      assert.notEqual(other, Kernel as unknown, 'a second copy, not this tree\'s module');
      for (const K of [other, Kernel as KernelClass]) {
        const s = sga(K, true, false);
        const addrs = new Uint8Array(new BigUint64Array([SGA_ADDR, SGA_ADDR, SGA_ADDR - 4096n]).buffer);
        const counts = s.kernel.accessBatch(s.client, 'write', addrs);
        assert.deepEqual([counts.minorFault, counts.present], [1, 1]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(existsSync(dir), false);
  });
});
