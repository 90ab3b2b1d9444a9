// Settler (src/api/settle.ts): memory is given back once after a burst of work, not while work
// goes on unless it goes on past the longest wait, never for a trickle, and never after stop().
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Settler } from '../../../src/api/settle.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Settler whose release resolves `released` (or fails the test after 2 s). */
function settler(quietMs: number, burst: number, maxWaitMs = 60_000) {
  let calls = 0;
  let resolve!: () => void;
  const released = new Promise<void>((r) => (resolve = r));
  const s = new Settler(() => { calls++; resolve(); }, quietMs, burst, maxWaitMs);
  const waitRelease = () => Promise.race([released, sleep(2000).then(() => { throw new Error('no release within 2 s of a burst'); })]);
  return { s, waitRelease, calls: () => calls };
}

describe('Settler', () => {
  test('a burst followed by quiet releases once', async () => {
    const { s, waitRelease, calls } = settler(20, 5);
    for (let i = 0; i < 5; i++) s.note();
    await waitRelease();
    await sleep(60);
    assert.equal(calls(), 1);
  });

  test('work that goes on defers the release until it stops', async () => {
    const { s, waitRelease, calls } = settler(40, 3);
    for (let i = 0; i < 10; i++) {
      s.note();
      await sleep(10); // less than the quiet time: still one burst
      assert.equal(calls(), 0, `released during the burst (after note ${i + 1})`);
    }
    await waitRelease();
    assert.equal(calls(), 1);
  });

  test('work that never stops still releases, once per longest wait', async () => {
    const { s, calls } = settler(40, 3, 100);
    const t0 = performance.now();
    while (performance.now() - t0 < 450) {
      s.note();
      await sleep(10); // never quiet for 40 ms
    }
    // 450 ms of work with a longest wait of 100 ms: a release every ~100 ms (timers may be late).
    assert.ok(calls() >= 2 && calls() <= 5, `released ${calls()} times in 450 ms of work`);
  });

  test('a trickle below the burst size releases nothing', async () => {
    const { s, calls } = settler(20, 5);
    s.note();
    s.note();
    await sleep(80);
    assert.equal(calls(), 0);
    s.note(5); // the count starts again after each quiet period: this one is a burst
    await sleep(80);
    assert.equal(calls(), 1);
  });

  test('stop() cancels a pending release and ignores later work', async () => {
    const { s, calls } = settler(20, 1);
    s.note(3);
    s.stop();
    s.note(3);
    await sleep(80);
    assert.equal(calls(), 0);
  });
});
