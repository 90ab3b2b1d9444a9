// The restart policy: one function decides after an exit, and the ticket the helper executes
// says the same thing for a raw status.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay, decideAfterExit, noteRestart, recentCount, recentRestarts, restartTicket, wantsRestart, type History } from '../../../src/core/supervisor/policy.js';
import { termination } from '../../../src/core/supervisor/termination.js';
import { program } from './fixtures.js';

const h = (over: Partial<History> = {}): History => ({ want: 'up', startedMono: 0, attempt: 0, restarts: 0, restartTimes: [], execFailed: false, ticketUsed: false, ...over });

describe('policy', () => {
  test('on-failure restarts anything but a success code; a signal is a failure', () => {
    const p = program({ restart: 'on-failure', successCodes: [0, 2] });
    assert.equal(wantsRestart(p, termination(2, null, false)), false);
    assert.equal(wantsRestart(p, termination(1, null, false)), true);
    assert.equal(wantsRestart(p, termination(null, 9, false)), true);
  });

  test('backoff grows by the factor and is capped', () => {
    const p = program({ backoff: { initial: 100, factor: 3, max: 1000, reset: 1 } });
    assert.deepEqual([0, 1, 2, 3].map((a) => backoffDelay(p, a)), [100, 300, 900, 1000]);
  });

  test('the window keeps only the last limit+1 restarts and drops future ones (another boot)', () => {
    const p = program({ crashLoop: { limit: 2, window: 1000 } });
    assert.deepEqual(recentRestarts(p, [10, 500, 900, 5000], 1000), [500, 900, 1000]);
  });

  test('the window is the same whether the times are in order (sliced) or not (filtered)', () => {
    // The reference: every time inside the window, then now, then the last limit+1.
    const ref = (limit: number, w: number, times: number[], now: number): number[] => {
      const r = [...times.filter((t) => t <= now && now - t < w), now];
      return r.slice(Math.max(0, r.length - Math.max(1, limit + 1)));
    };
    const cases: [number, number, number[], number][] = [
      [2, 1000, [10, 500, 900, 5000], 1000], [1e9, 1000, [1, 2, 3, 1500, 1600, 1999], 2000], [0, 1000, [500, 900], 1000],
      [-1, 1000, [500, 900], 1000], [3, 1000, [], 5], [5, 100, [900, 950, 10, 990], 1000], [5, 100, [950, 2000, 960], 1000],
      [2, 1000, [100, 200, 300, 400, 500], 600], [1e9, 10, [0, 1, 2], 100],
    ];
    for (const [limit, window, times, now] of cases) {
      const p = program({ crashLoop: { limit, window } });
      const copy = [...times];
      assert.deepEqual(recentRestarts(p, times, now), ref(limit, window, times, now), `${limit} ${window} [${times}] ${now}`);
      assert.deepEqual(times, copy, 'the input is not changed');
      // The job's own array, updated in place when in order: the same times as recentRestarts.
      assert.equal(recentCount(p, times, now), ref(limit, window, times, now).length, `count ${limit} ${window} [${times}] ${now}`);
      const own = [...times];
      const kept = noteRestart(p, own, now);
      assert.deepEqual(kept, ref(limit, window, copy, now), `noteRestart ${limit} ${window} [${copy}] ${now}`);
    }
  });

  test('a restart loop with a high limit keeps one array: noteRestart appends in place', () => {
    const p = program({ crashLoop: { limit: 1e9, window: 1000 } });
    let times: number[] = [];
    const first = times;
    for (let now = 0; now < 5000; now += 0.7) times = noteRestart(p, times, now);
    assert.equal(times, first, 'the same array all along');
    assert.ok(times.length >= 1428 && times.length <= 1430, `the last second's restarts only: ${times.length}`);
    assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]), 'in order');
  });

  test('decisions: rest, fatal for exec failures, restart with delay, crash loop', () => {
    const p = program({ crashLoop: { limit: 1, window: 60_000 } });
    assert.equal(decideAfterExit(program({ restart: 'never' }), h(), termination(1, null, false), 10).kind, 'rest');
    assert.equal(decideAfterExit(p, h({ want: 'down' }), termination(1, null, false), 10).kind, 'rest');
    assert.equal(decideAfterExit(p, h({ execFailed: true }), termination(127, null, false), 10).kind, 'fatal');
    const r = decideAfterExit(p, h(), termination(1, null, false), 10);
    assert.deepEqual(r.kind === 'restart' && [r.delay, r.attempt], [100, 1]);
    const f = decideAfterExit(p, h({ restartTimes: [5], restarts: 1 }), termination(1, null, false), 10);
    assert.equal(f.kind, 'fatal');
    assert.match(f.why, /1 restarts within 1m \(limit 1\)/);
  });

  test('the ticket exists only where the decision would be "restart at once", within the budget', () => {
    const zero = { backoff: { initial: 0, factor: 1, max: 0, reset: 10_000 }, crashLoop: { limit: 5, window: 60_000 } };
    assert.equal(restartTicket(program({ ...zero, restart: 'never' }), h(), 0), null);
    assert.equal(restartTicket(program(), h(), 0), null, 'a non-zero backoff is the daemon\'s');
    assert.deepEqual(restartTicket(program({ ...zero, restart: 'on-failure', successCodes: [0, 3] }), h(), 0), { budget: 4, any: false, ok: [0, 3] });
    assert.equal(restartTicket(program(zero), h({ restartTimes: [1, 2, 3, 4] }), 10), null, 'the crash-loop budget is spent');
    assert.equal(restartTicket(program(zero), h({ want: 'down' }), 0), null);
  });
});
