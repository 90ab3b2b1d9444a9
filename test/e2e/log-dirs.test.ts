// The helper's log directories per new job (issue 17: it made every parent again and listed the
// directory twice per program): a new program's directory is made and its rotations start at .1;
// a directory that already holds rotated files is still listed, so none of them is overwritten.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

// Writes six bursts of 150 lines to stdout and to stderr (~2.5 KB each), 0.2 s apart: a burst the
// helper reads in one go goes into the file whole, so 2 KB files rotate at each burst after the first.
const WRITER = `sh -c 'for c in 1 2 3 4 5 6; do i=0; while [ $i -lt 150 ]; do echo "out-line-$c-$i"; echo "err-line-$c-$i" >&2; i=$((i+1)); done; sleep 0.2; done'`;

describe('log directories of new jobs', () => {
  const h = new TestHome();
  after(() => h.cleanup());
  const dir = (name: string) => join(h.home, 'logs', name);
  // The numbers of a stream's rotated files (out.log.3 -> 3), sorted.
  const rotated = (name: string, stream: string) =>
    readdirSync(dir(name)).filter((f) => f.startsWith(`${stream}.log.`)).map((f) => Number(f.slice(stream.length + 5).replace(/\.gz$/, ''))).sort((a, b) => a - b);

  test('a new directory: made (with its parents), rotations from .1 for out and err; an old one keeps its rotated files', async () => {
    // "kept" already has rotated files from an earlier run: rotations continue after them.
    mkdirSync(dir('kept'), { recursive: true });
    writeFileSync(join(dir('kept'), 'out.log.3'), 'old out\n');
    writeFileSync(join(dir('kept'), 'err.log.5'), 'old err\n');
    const prog = (name: string) => `  ${name}:\n    command: ${WRITER}\n    restart: never\n    log: { maxSize: 2KB, keep: 1000, timestamps: none }\n`;
    await h.up(`programs:\n${prog('fresh')}${prog('kept')}`);
    for (const name of ['fresh', 'kept']) await h.waitJob(name, 'exited', (j) => j.state === 'exited', 30_000);
    await waitFor('fresh rotated both streams', () => rotated('fresh', 'out').length >= 1 && rotated('fresh', 'err').length >= 1, 10_000);
    for (const stream of ['out', 'err']) {
      const got = rotated('fresh', stream);
      assert.deepEqual(got, got.map((_, i) => i + 1), `fresh ${stream}: rotations numbered from 1 without a gap`);
    }
    await waitFor('kept rotated both streams', () => rotated('kept', 'out').length >= 2 && rotated('kept', 'err').length >= 2, 10_000);
    assert.equal(rotated('kept', 'out').find((k) => k !== 3), 4, 'out rotations continue after out.log.3');
    assert.equal(rotated('kept', 'err').find((k) => k !== 5), 6, 'err rotations continue after err.log.5');
    const text = (f: string) => { try { return readFileSync(join(dir('kept'), f), 'utf8'); } catch { return null; } };
    assert.equal(text('out.log.3'), 'old out\n', 'the old rotated out file is untouched');
    assert.equal(text('err.log.5'), 'old err\n', 'the old rotated err file is untouched');
  });
});
