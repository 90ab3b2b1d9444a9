// tuneDaemonV8 (src/api/daemon-v8.ts): the daemon's interrupt budget is set unless node was given one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { tuneDaemonV8 } from '../../../src/api/daemon-v8.js';

const MODULE = fileURLToPath(new URL('../../../src/api/daemon-v8.js', import.meta.url));

describe('tuneDaemonV8', () => {
  test('a budget given to node, on its command line or in NODE_OPTIONS, is left as it is', () => {
    assert.equal(tuneDaemonV8(['--interrupt-budget=1000'], ''), false);
    assert.equal(tuneDaemonV8(['--interrupt_budget', '1000'], ''), false);
    assert.equal(tuneDaemonV8([], '--max-semi-space-size=1 --interrupt-budget=5000'), false);
  });

  test('otherwise it is set, and V8 takes it in a running process: a hot function is optimized later', () => {
    // Children, so that this test's own process keeps V8's defaults. A small function called 6,000
    // times is marked for TurboFan under node's default budget (here after 1,000-3,000 calls) and
    // not under four times it (after 10,000-30,000): --trace-opt says which.
    const script = (tune: boolean) => `
      const { tuneDaemonV8 } = await import(${JSON.stringify(MODULE)});
      if (${tune}) console.log('set', tuneDaemonV8([], ''));
      function hot(a) { return a * 3 + (a >> 1) - (a & 7); }
      let t = 0;
      for (let i = 0; i < 6000; i++) t += hot(i);
      console.log('sum', t);`;
    const marked = (tune: boolean) => {
      const r = spawnSync(process.execPath, ['--trace-opt', '--input-type=module', '-e', script(tune)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      if (tune) assert.match(r.stdout, /^set true$/m);
      return /marking .*<JSFunction hot /.test(r.stdout);
    };
    assert.equal(marked(false), true, 'under the default budget, hot() was not marked for optimization after 6,000 calls');
    assert.equal(marked(true), false, 'with the daemon budget, hot() was marked for optimization after 6,000 calls: the flag did not take');
  });
});
