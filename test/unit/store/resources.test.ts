// The resources' store as a restarted daemon reads it: a mutex's value is not written on each
// lock, so it must come back from its holding; messages keep their order after the migration
// that dropped AUTOINCREMENT; a grant committed with BEGIN/COMMIT is there, one that threw is not.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ResourceManager } from '../../../src/core/resources/manager.js';
import { openDb } from '../../../src/store/db.js';
import { grantOf, loadResources, RESOURCE_MIGRATIONS, storePersist } from '../../../src/store/resources.js';

const dir = mkdtempSync(join(tmpdir(), 'appinit-store-res-'));
const holder = { key: 'pid:42:7', job: null, pid: 42, label: 'pid 42 (x)' };

// A manager over a store at path, loaded from what is stored (as a daemon starts).
function open(path: string) {
  const db = openDb(path, [{ name: 'resources', migrations: RESOURCE_MIGRATIONS }]);
  const m = new ResourceManager(storePersist(db, () => {}));
  const s = loadResources(db);
  m.load(s.resources, s.holdings, s.messages);
  return { db, m };
}

describe('store: resources after a restart', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a held mutex comes back held (value 0), an unlocked one free (value 1)', async () => {
    const path = join(dir, 'a.db');
    let { db, m } = open(path);
    m.create({ name: 'db', kind: 'mutex', maxBytes: 0, uid: 0, gid: 0, mode: 0o600 }, 1);
    m.create({ name: 'other', kind: 'mutex', maxBytes: 0, uid: 0, gid: 0, mode: 0o600 }, 1);
    assert.deepEqual(await m.semop(holder, [{ name: 'db', op: 'P', n: 1, undo: true }], false, 'id-1'), { ok: true, value: 0 });
    assert.deepEqual(await m.semop(holder, [{ name: 'other', op: 'P', n: 1, undo: true }], false, 'id-2'), { ok: true, value: 0 });
    assert.deepEqual(await m.semop(holder, [{ name: 'other', op: 'V', n: 1, undo: true }], false, 'id-3'), { ok: true, value: 1 });
    db.close();
    ({ db, m } = open(path));
    assert.equal(m.resources.get('db')!.value, 0);
    assert.equal(m.held('db', holder.key), 1);
    assert.equal(m.resources.get('other')!.value, 1);
    assert.deepEqual(grantOf(db, 'id-1'), { ok: true, value: 0 }, 'the answer is kept for a re-sent id');
    // Someone else waits for the held one: not granted.
    const b = { key: 'pid:43:7', job: null, pid: 43, label: 'pid 43 (y)' };
    assert.equal((await m.semop(b, [{ name: 'db', op: 'P', n: 1, undo: true }], false)).ok, false);
    m.release(holder.key);
    db.close();
    ({ db, m } = open(path));
    assert.equal(m.resources.get('db')!.value, 1, 'given back, and so after a restart');
    db.close();
  });

  test('messages come back in order, each once', async () => {
    const path = join(dir, 'b.db');
    let { db, m } = open(path);
    m.create({ name: 'q', kind: 'queue', maxBytes: 1024, uid: 0, gid: 0, mode: 0o600 }, 1);
    for (const d of ['a', 'b', 'c']) assert.equal((await m.send(holder, 'q', 1, d, false, 1)).ok, true);
    assert.equal(((await m.receive(holder, 'q', 0, false)) as { message: { data: string } }).message.data, 'a');
    assert.equal((await m.send(holder, 'q', 1, 'd', false, 1)).ok, true);
    db.close();
    ({ db, m } = open(path));
    assert.deepEqual(m.queues.get('q')!.map((x) => x.data), ['b', 'c', 'd']);
    db.close();
  });

  test('a transaction that throws leaves nothing behind', () => {
    const { db } = open(join(dir, 'c.db'));
    const p = storePersist(db, () => {});
    assert.throws(() => p.transaction(() => {
      p.granted('id-x', { ok: true });
      throw new Error('boom');
    }), /boom/);
    assert.equal(grantOf(db, 'id-x'), null);
    assert.equal(db.inTransaction, false);
    db.close();
  });
});
