// Settler (src/api/settle.ts): memory is given back once after a burst of work, never while work
// goes on, never for a trickle, and never after stop().
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Settler } from '../../../src/api/settle.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Settler whose release resolves `released` (or fails the test after 2 s). */
function settler(quietMs: number, burst: number) {
  let calls = 0;
  let resolve!: () => void;
  const released = new Promise<void>((r) => (resolve = r));
  const s = new Settler(() => { calls++; resolve(); }, quietMs, burst);
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
