// The README's Quickstart output sample is what `npm start` prints: every line of the sample
// appears verbatim, and in order, in the stdout of a real `npm start` (the full field case, no
// flags), timings excluded. Whichever change alters the output updates the sample.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { repoPath, repoRoot } from './support/paths.js';

/** The lines of the first bare ``` fence after the Quickstart heading that follows "`npm start` prints". */
function quickstartSample(readme: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Quickstart'));
  assert.ok(section, 'README.md has a Quickstart section');
  const after = section.slice(section.indexOf('`npm start` prints'));
  const m = /^```\n([\s\S]*?)^```$/m.exec(after);
  assert.ok(m, 'the Quickstart has an output sample in a bare ``` fence after "`npm start` prints"');
  return m[1].split('\n').filter((line) => line.trim() !== '');
}

/**
 * Lines that carry timings, which differ from run to run: the Time line, the phases (seconds, and
 * a rate), the rows of the latency table (four figures in ms).
 */
const TIMED = /^Time: |^ {2}(setup|pattern|teardown) +[\d.]+ s, |( +\d+\.\d\d){4}$/;

describe('README Quickstart output sample', function () {
  this.timeout(180_000);

  it('reads the sample from README.md', () => {
    const lines = quickstartSample('## Quickstart\n\n`npm start` prints x:\n\n```\na\n\nb\n```\n## Next\n');
    assert.deepEqual(lines, ['a', 'b']);
    const timed = ['Time: 8.26 s (setup 5.10 s, pattern 1.09 s)', '  setup              5.10 s, 3,050 RPCs', '  Touch                  1,500   146.79   258.39   280.10   295.87'];
    assert.deepEqual(timed.filter((l) => !TIMED.test(l)), []);
    assert.ok(!TIMED.test('  with sharing       607.0 MiB (636,530,688 bytes)   host tables 601.2 MiB'));
  });

  it('every line of the sample appears verbatim and in order in what `npm start` prints', async () => {
    const sample = quickstartSample(readFileSync(repoPath('README.md'), 'utf8')).filter((l) => !TIMED.test(l));
    assert.ok(sample.length >= 10, `a sample of ${sample.length} lines`);
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn('npm', ['start', '--silent'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d) => { out += String(d); });
      const timer = setTimeout(() => { if (child.pid) process.kill(child.pid, 'SIGKILL'); }, 170_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`npm start exited ${code}:\n${out}`));
      });
    });
    const printed = stdout.split('\n');
    let at = 0;
    for (const line of sample) {
      const found = printed.indexOf(line, at);
      assert.ok(found >= 0, `README sample line not printed (in order) by npm start:\n  ${JSON.stringify(line)}\nprinted:\n${stdout}`);
      at = found + 1;
    }
  });
});
