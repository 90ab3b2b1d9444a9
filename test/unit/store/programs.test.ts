// The programs of the file loaded last: replaced whole by an `up`, and not written at all by an
// `up` that changed nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../../src/store/db.js';
import { loadedPrograms, replacePrograms, scheduledPrograms } from '../../../src/store/programs.js';
import { program } from '../supervisor/fixtures.js';

function withDb(fn: (db: Db) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-programs-'));
  const db = openDb(join(dir, 'state.db'), []);
  try {
    fn(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Rows inserted, updated or deleted on this connection so far (SQLite's total_changes()).
const writes = (db: Db) => (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;

test('an up that changed nothing writes nothing; a changed program, order or file replaces the rows', () => {
  withDb((db) => {
    const ps = [program({ name: 'a' }), program({ name: 'b' })];
    replacePrograms(db, ps, '/f.yaml');
    const first = writes(db);
    assert.ok(first > 0);
    // The same programs as new objects (as the next `up` reads them): nothing written.
    replacePrograms(db, [program({ name: 'a' }), program({ name: 'b' })], '/f.yaml');
    assert.equal(writes(db), first);
    for (const [what, next, file] of [
      ['a changed setting', [program({ name: 'a', argv: ['other'] }), program({ name: 'b' })], '/f.yaml'],
      ['another order', [program({ name: 'b' }), program({ name: 'a' })], '/f.yaml'],
      ['another file', [program({ name: 'b' }), program({ name: 'a' })], '/g.yaml'],
      ['one program fewer', [program({ name: 'a' })], '/g.yaml'],
    ] as const) {
      const before = writes(db);
      replacePrograms(db, [...next], file);
      assert.ok(writes(db) > before, `${what}: written`);
      assert.deepEqual(loadedPrograms(db).map((p) => [p.name, p.argv]), next.map((p) => [p.name, p.argv]), what);
    }
  });
});

test('a user\'s programs on a system daemon: only their names are compared and replaced', () => {
  withDb((db) => {
    replacePrograms(db, [program({ name: 'mine' }), program({ name: 'theirs' })], '/f.yaml');
    const first = writes(db);
    replacePrograms(db, [program({ name: 'mine' })], '/f.yaml', ['mine']);
    assert.equal(writes(db), first, 'unchanged: nothing written');
    replacePrograms(db, [program({ name: 'mine', argv: ['x'] })], '/f.yaml', ['mine']);
    assert.deepEqual(loadedPrograms(db).map((p) => [p.name, p.argv]), [['theirs', ['web']], ['mine', ['x']]]);
  });
});

test('the scheduler reads back only the programs with a schedule, in file order', () => {
  withDb((db) => {
    replacePrograms(db, [
      program({ name: 'web' }),
      program({ name: 'nightly', schedule: { kind: 'cron', expr: '0 3 * * *', tz: null } }),
      program({ name: 'worker' }),
      program({ name: 'once', schedule: { kind: 'at', spec: 'now + 1 hour' } }),
    ], '/f.yaml');
    assert.deepEqual(scheduledPrograms(db).map((p) => [p.name, p.schedule.kind]), [['nightly', 'cron'], ['once', 'at']]);
  });
});
