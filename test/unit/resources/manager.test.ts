// The lock manager without a daemon: FIFO waiting rooms, undo on a holder's end, deadlock
// refused before anyone waits, signaling waits not mistaken for deadlocks, msgrcv's type rule.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResourceManager, type Holder, type Persist } from '../../../src/core/resources/manager.js';

function memory(): Persist & { events: string[] } {
  let id = 0;
  const events: string[] = [];
  return { events, resource: () => {}, removed: () => {}, holding: () => {}, messageAdded: () => ++id, messageRemoved: () => {}, granted: () => {}, transaction: (fn) => fn(), event: (t) => events.push(t) };
}
const job = (n: number, name: string): Holder => ({ key: `job:${n}`, job: n, pid: 800 + n, label: `job ${name} (pid ${800 + n})` });
const A = job(1, 'a');
const B = job(2, 'b');
const C = job(3, 'c');
const base = { uid: 0, gid: 0, mode: 0o600, maxBytes: 16384 };
const pending = (p: Promise<unknown>) => Promise.race([p.then(() => 'done'), new Promise((r) => setImmediate(() => r('pending')))]);

describe('resource manager', () => {
  test('a mutex: one holder, FIFO waiters, unlock by the holder only', async () => {
    const m = new ResourceManager(memory());
    m.create({ name: 'db', kind: 'mutex', ...base }, 0);
    assert.deepEqual(await m.semop(A, [{ name: 'db', op: 'P', n: 1, undo: true }], true), { ok: true, value: 0 });
    const b = m.semop(B, [{ name: 'db', op: 'P', n: 1, undo: true }], true);
    const c = m.semop(C, [{ name: 'db', op: 'P', n: 1, undo: true }], true);
    assert.equal(await pending(b), 'pending');
    assert.equal((await m.semop(B, [{ name: 'db', op: 'V', n: 1, undo: true }], true)).ok, false, 'B does not hold it');
    assert.deepEqual(await m.semop(B, [{ name: 'db', op: 'P', n: 1, undo: true }], false), { ok: false, code: 'busy', message: 'db: would wait (busy)' });
    await m.semop(A, [{ name: 'db', op: 'V', n: 1, undo: true }], true);
    assert.equal((await b).ok, true, 'B came first');
    assert.equal(await pending(c), 'pending');
    m.release(B.key);
    assert.equal((await c).ok, true, 'B ended: C gets it');
  });

  test('undo: units taken with undo come back when the holder ends; plain P units do not', async () => {
    const persist = memory();
    const m = new ResourceManager(persist);
    m.create({ name: 'gpu', kind: 'semaphore', value: 3, ...base }, 0);
    await m.semop(A, [{ name: 'gpu', op: 'P', n: 2, undo: true }], true);
    await m.semop(B, [{ name: 'gpu', op: 'P', n: 1, undo: false }], true);
    assert.equal(m.get('gpu').value, 0);
    assert.deepEqual(m.release(A.key), ['gpu: 2 unit(s) given back after job a (pid 801) ended']);
    m.release(B.key);
    assert.equal(m.get('gpu').value, 2);
    assert.ok(persist.events.includes('gpu: 2 unit(s) given back after job a (pid 801) ended'));
  });

  test('an atomic acquire takes all or nothing; wait-for-zero waits until the value is 0', async () => {
    const m = new ResourceManager(memory());
    m.create({ name: 'x', kind: 'semaphore', value: 1, ...base }, 0);
    m.create({ name: 'y', kind: 'semaphore', value: 0, ...base }, 0);
    const both = m.semop(A, [{ name: 'x', op: 'P', n: 1, undo: true }, { name: 'y', op: 'P', n: 1, undo: true }], true);
    assert.equal(await pending(both), 'pending');
    assert.equal(m.get('x').value, 1, 'nothing taken while waiting');
    const zero = m.semop(C, [{ name: 'x', op: 'Z', n: 0, undo: false }], true);
    await m.semop(B, [{ name: 'y', op: 'V', n: 1, undo: false }], true);
    assert.equal((await both).ok, true);
    assert.equal((await zero).ok, true, 'x reached 0');
  });

  test('a two-job deadlock is refused at once, in plain words; the other job goes on', async () => {
    const m = new ResourceManager(memory());
    m.create({ name: 'db', kind: 'mutex', ...base }, 0);
    m.create({ name: 'cache', kind: 'mutex', ...base }, 0);
    await m.semop(A, [{ name: 'db', op: 'P', n: 1, undo: true }], true);
    await m.semop(B, [{ name: 'cache', op: 'P', n: 1, undo: true }], true);
    const aWaits = m.semop(A, [{ name: 'cache', op: 'P', n: 1, undo: true }], true);
    assert.equal(await pending(aWaits), 'pending', 'no deadlock yet: a waits for b');
    const r = await m.semop(B, [{ name: 'db', op: 'P', n: 1, undo: true }], true);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'deadlock');
    assert.equal(!r.ok && r.message, 'deadlock: job a (pid 801) holds db, waits for cache; job b (pid 802) holds cache, waits for db');
    m.release(B.key);
    assert.equal((await aWaits).ok, true, 'b gave up: a goes on');
  });

  test('signaling is not a deadlock: a plain P waits for somebody\'s V (PingPong)', async () => {
    const m = new ResourceManager(memory());
    m.create({ name: 'ping', kind: 'semaphore', value: 0, ...base }, 0);
    m.create({ name: 'pong', kind: 'semaphore', value: 0, ...base }, 0);
    const a = m.semop(A, [{ name: 'ping', op: 'P', n: 1, undo: false }], true);
    const b = m.semop(B, [{ name: 'pong', op: 'P', n: 1, undo: false }], true);
    assert.equal(await pending(a), 'pending');
    assert.equal(await pending(b), 'pending');
    await m.semop(C, [{ name: 'ping', op: 'V', n: 1, undo: false }], true);
    assert.equal((await a).ok, true);
  });

  test('message queues: msgrcv\'s type rule (the seed: 3, 1, 2 received with 0, 2, -2 give 3, 2, 1)', async () => {
    const m = new ResourceManager(memory());
    m.create({ name: 'q', kind: 'queue', ...base }, 0);
    for (const t of [3, 1, 2]) await m.send(A, 'q', t, `m${t}`, true, 0);
    const got = [];
    for (const t of [0, 2, -2]) {
      const r = await m.receive(B, 'q', t, false);
      got.push(r.ok ? r.message?.type : r.code);
    }
    assert.deepEqual(got, [3, 2, 1]);
    const none = await m.receive(B, 'q', 0, false);
    assert.equal(!none.ok && none.code, 'no_message');
  });

  test('a full queue makes the sender wait until a receive makes room', async () => {
    const m = new ResourceManager(memory());
    m.create({ name: 'q', kind: 'queue', ...base, maxBytes: 10 }, 0);
    await m.send(A, 'q', 1, '12345678', true, 0);
    const full = await m.send(A, 'q', 1, '123', false, 0);
    assert.equal(!full.ok && full.code, 'busy');
    const s = m.send(A, 'q', 1, '123', true, 0);
    assert.equal(await pending(s), 'pending');
    await m.receive(B, 'q', 0, true);
    assert.equal((await s).ok, true);
    const waitRecv = m.receive(B, 'q', 7, true);
    assert.equal(await pending(waitRecv), 'pending');
    await m.send(A, 'q', 7, 'x', true, 0);
    assert.equal((await waitRecv).ok && (await waitRecv as { message?: { data: string } }).message?.data, 'x');
  });

  test('first come, first served, except behind a waiter that waits for the requester (that would hang)', async () => {
    const m = new ResourceManager(memory());
    m.create({ name: 'x', kind: 'mutex', ...base }, 0);
    m.create({ name: 'y', kind: 'mutex', ...base }, 0);
    await m.semop(A, [{ name: 'x', op: 'P', n: 1, undo: true }], true);
    const b = m.semop(B, [{ name: 'x', op: 'P', n: 1, undo: true }, { name: 'y', op: 'P', n: 1, undo: true }], true);
    assert.equal(await pending(b), 'pending');
    const c = m.semop(C, [{ name: 'y', op: 'P', n: 1, undo: true }], true);
    assert.equal(await pending(c), 'pending', 'C holds nothing: it waits behind B although y is free');
    m.release(C.key);
    // A holds x, which B waits for: B cannot go before A ends, so A may take y now.
    assert.deepEqual(await m.semop(A, [{ name: 'y', op: 'P', n: 1, undo: true }], true), { ok: true, value: 0 });
    m.release(A.key);
    assert.equal((await b).ok, true, 'B gets both once A ended');
  });

  test('a job\'s needs: all at once or it waits in line; granted later through the callback', async () => {
    const m = new ResourceManager(memory());
    m.create({ name: 'gpu', kind: 'semaphore', value: 2, ...base }, 0);
    m.create({ name: 'db', kind: 'mutex', ...base }, 0);
    const ops = (n: number) => [{ name: 'gpu', op: 'P' as const, n, undo: true }, { name: 'db', op: 'P' as const, n: 1, undo: true }];
    assert.equal(m.need(A, ops(1), () => assert.fail('granted at once')), true);
    let granted = 0;
    assert.equal(m.need(B, ops(1), () => granted++), false, 'db is held: B waits');
    assert.equal(m.get('gpu').value, 1, 'nothing taken while B waits');
    assert.equal(m.involves(B.key), true);
    m.release(A.key);
    assert.equal(granted, 1);
    assert.equal(m.holdsAll(B.key, { gpu: 1, db: 1 }), true);
    assert.match(m.differs({ name: 'gpu', kind: 'semaphore', value: 3, maxBytes: 16384, mode: 0o600 }) ?? '', /gpu exists as a semaphore of 2 with mode 0600, this file declares a semaphore of 3/);
    assert.equal(m.differs({ name: 'gpu', kind: 'semaphore', value: 2, maxBytes: 1, mode: 0o600 }), null, 'the initial value counts, not the free units');
  });

  test('a wait for zero does not hold back the P that brings the value to zero (producer/consumer\'s Z)', async () => {
    const m = new ResourceManager(memory());
    m.create({ name: 'empty', kind: 'semaphore', value: 1, ...base }, 0);
    const zero = m.semop(C, [{ name: 'empty', op: 'Z', n: 0, undo: false }], true);
    assert.equal(await pending(zero), 'pending');
    assert.deepEqual(await m.semop(A, [{ name: 'empty', op: 'P', n: 1, undo: false }], true), { ok: true, value: 0 });
    assert.equal((await zero).ok, true);
  });
});
