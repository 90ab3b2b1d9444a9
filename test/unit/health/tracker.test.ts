// The health verdict from probe results, and the maxMemory reason: pure rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryReason } from '../../../src/core/health/memory.js';
import { initialHealth, recordProbe, type Health } from '../../../src/core/health/tracker.js';

function run(results: boolean[], limit = 3): { h: Health; became: (string | null)[] } {
  let h = initialHealth();
  const became: (string | null)[] = [];
  for (const ok of results) {
    const r = recordProbe(h, ok, ok ? 'HTTP 200' : 'connection refused', limit, 0);
    h = r.health;
    became.push(r.became);
  }
  return { h, became };
}

test('unhealthy only after `failures` consecutive failures, once', () => {
  const r = run([false, false, false, false]);
  assert.deepEqual(r.became, [null, null, 'unhealthy', null]);
  assert.equal(r.h.status, 'unhealthy');
  assert.equal(r.h.failures, 4);
  assert.equal(r.h.last, 'connection refused');
});

test('a success in between resets the count; healthy again clears unhealthy', () => {
  assert.equal(run([false, false, true, false, false]).h.status, 'healthy');
  const r = run([true, false, false, false, true]);
  assert.deepEqual(r.became, ['healthy', null, null, 'unhealthy', 'healthy']);
  assert.deepEqual({ ...r.h, checkedAt: null }, { status: 'healthy', failures: 0, last: null, checkedAt: null });
});

test('before any success, failures below the limit leave it starting', () => {
  assert.equal(run([false, false]).h.status, 'starting');
});

test('memory reason: above the limit only, in human units', () => {
  assert.equal(memoryReason(500 * 1024, 500 * 1024 * 1024), null, 'equal is within');
  assert.equal(memoryReason(612 * 1024, 500 * 1024 * 1024), 'memory 612MB above maxMemory 500MB');
  assert.equal(memoryReason(10 ** 9, null), null);
});
