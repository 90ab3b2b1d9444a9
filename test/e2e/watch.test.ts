// watch end to end: a change under a watched directory restarts the program once per burst;
// changes matching ignore patterns restart nothing.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

describe('watch', () => {
  const h = new TestHome();
  after(() => h.cleanup());
  const src = join(h.home, 'src');
  const restarts = () => readFileSync(join(h.home, 'daemon.log'), 'utf8').split('\n').filter((l) => l.includes('restarting (watch)'));

  test('touching a file restarts once; touching ignored files does not', async () => {
    mkdirSync(join(src, 'tmp'), { recursive: true });
    writeFileSync(join(src, 'a.js'), '1');
    await h.up(`programs:
  dev:
    command: sleep 1000
    watch: { paths: [src/], ignore: ["*.log", "tmp/"], debounce: 300ms }
`);
    const first = await h.waitJob('dev', 'running', (j) => j.state === 'running' && j.pid != null);
    // Two writes in one burst: one restart.
    writeFileSync(join(src, 'a.js'), '2');
    writeFileSync(join(src, 'a.js'), '3');
    const second = await h.waitJob('dev', 'restarted by the change', (j) => j.state === 'running' && j.pid != null && j.pid !== first.pid);
    assert.equal(restarts().length, 1, restarts().join('\n'));
    assert.match(restarts()[0], /dev: .*\/src\/a\.js changed; restarting \(watch\)$/);

    // Ignored files, then one that is not: had the ignored ones counted, they would be in this burst.
    writeFileSync(join(src, 'out.log'), 'x');
    writeFileSync(join(src, 'tmp', 'cache.js'), 'x');
    writeFileSync(join(src, 'b.js'), 'x');
    await waitFor('a restart for b.js', () => restarts().length >= 2);
    const third = await h.waitJob('dev', 'running again', (j) => j.state === 'running' && j.pid != null && j.pid !== second.pid);
    assert.ok(third);
    assert.equal(restarts().length, 2, restarts().join('\n'));
    assert.match(restarts()[1], /dev: .*\/src\/b\.js changed; restarting \(watch\)$/, 'only b.js: the ignored files were not seen');
  });

  test('a stopped program is not started by a change', async () => {
    await h.cli(['stop', 'dev']);
    writeFileSync(join(src, 'c.js'), 'x');
    // `other` watches c.js with a longer debounce than dev's: had dev been watching, it would restart first.
    await h.up(`programs:
  dev:
    command: sleep 1000
    watch: { paths: [src/], ignore: ["*.log", "tmp/"], debounce: 300ms }
  other:
    command: sleep 1000
    watch: { paths: [src/c.js], debounce: 600ms }
`);
    const o = await h.waitJob('other', 'running', (j) => j.state === 'running' && j.pid != null);
    // Stopped again after the `up` (which starts a file's stopped programs, as docker compose up does).
    await h.waitJob('dev', 'started by up', (j) => j.state === 'running');
    await h.cli(['stop', 'dev']);
    await h.waitJob('dev', 'stopped', (j) => j.state === 'stopped');
    writeFileSync(join(src, 'c.js'), 'y');
    await h.waitJob('other', 'restarted by c.js', (j) => j.state === 'running' && j.pid != null && j.pid !== o.pid);
    const dev = (await h.status()).find((j) => j.name === 'dev')!;
    assert.equal(dev.state, 'stopped');
    assert.equal(restarts().length, 3, restarts().join('\n'));
  });
});
