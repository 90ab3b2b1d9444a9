// A fork bomb under `limits: { pids: 30 }`: its leader dies of a failed fork and waits in backoff
// while what it forked lives on. `stop` and `down` must end all of it and return.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

// Processes whose command line is exactly `sleep SECONDS` (this test's marker).
function count(seconds: string): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8') === `sleep\0${seconds}\0`) n++;
    } catch { /* gone */ }
  }
  return n;
}

describe('a bounded fork bomb', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('limits pids bounds it; stop during its backoff and down end every process', async () => {
    const info = JSON.parse((await h.cli(['info', '--json'])).stdout) as { cgroup?: string | null };
    if (!info.cgroup || info.cgroup === 'none') return; // no writable cgroup here: nothing bounds it
    await h.up(`programs:\n  bomb:\n    command: sh -c 'i=0; while [ $i -lt 200 ]; do sleep 3177 & i=$((i+1)); done; wait'\n    limits: { pids: 30 }\n`);
    await h.waitJob('bomb', 'in backoff after a failed fork', (j) => j.state === 'backoff' || j.restarts > 0, 15_000);
    const n = await waitFor('the bomb filled its pids limit', () => { const c = count('3177'); return c >= 25 ? c : 0; });
    assert.ok(n <= 30, `at most 30 processes (saw ${n})`);
    const r = await h.cli(['stop', 'bomb'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(count('3177'), 0, 'stop ended everything the bomb forked');
    await h.cli(['start', 'bomb']);
    await waitFor('the bomb is back', () => count('3177') >= 25);
    const d = await h.cli(['down'], { timeoutMs: 20_000 });
    assert.equal(d.code, 0, d.stderr);
    assert.equal(count('3177'), 0, 'down ended everything');
  });
});
