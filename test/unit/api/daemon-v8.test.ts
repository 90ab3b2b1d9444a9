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

  test('otherwise it is set, and V8 takes it in a running process', () => {
    // A child, so that this test's own process keeps V8's defaults.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const { tuneDaemonV8 } = await import(${JSON.stringify(MODULE)}); console.log(tuneDaemonV8([], ''));`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'true');
  });
});
