// The helper outlives daemon upgrades: a daemon that finds a helper speaking an older protocol
// adopts it, and once it owns no live job asks it to quit and starts this version's helper.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { alive, TestHome, waitFor } from './harness.js';

const OLD_HELPER = fileURLToPath(new URL('../../../test/fixtures/old-helper.py', import.meta.url));

describe('helper protocol versions', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('an older helper with no jobs is drained and replaced; jobs then run under the new one', async () => {
    const fake = spawn('python3', [OLD_HELPER, join(h.home, 'supervise.sock'), join(h.home, 'supervise.pid')], { stdio: 'ignore' });
    const fakePid = fake.pid!;
    const exited = new Promise<number | null>((r) => fake.once('exit', (code) => r(code)));
    try {
      await waitFor('the old helper listens', () => existsSync(join(h.home, 'supervise.sock')), 20_000);
      const r = await h.cli(['info', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await Promise.race([exited, new Promise((res) => setTimeout(() => res('still running'), 10_000))]), 0, 'the old helper was asked to quit');
      const info = await waitFor('a new helper', async () => {
        const i = JSON.parse((await h.cli(['info', '--json'])).stdout) as { helperPid: number };
        return i.helperPid && i.helperPid !== fakePid ? i : null;
      });
      assert.ok(alive(info.helperPid), 'the new helper runs');
      await h.up('programs:\n  s:\n    command: sleep 100\n    ready: 0\n');
      await h.waitJob('s', 'running under the new helper', (j) => j.state === 'running' && j.pid != null);
    } finally {
      if (alive(fakePid)) process.kill(fakePid, 'SIGKILL');
    }
  });
});
