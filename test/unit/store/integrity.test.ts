// The store checks find what SQLite would silently accept (an empty or truncated file, a garbage
// WAL) and never flag a store that is merely mid-write (a live WAL copied as a crash leaves it).
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { mainFileProblem, walProblem } from '../../../src/store/integrity.js';

describe('store integrity checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-integrity-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A store as a kill -9 leaves it: the main file and a WAL with committed frames.
  const live = join(dir, 'live.db');
  const db = new Database(live);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (x TEXT)');
  const ins = db.prepare('INSERT INTO t VALUES (?)');
  for (let i = 0; i < 200; i++) ins.run('row '.repeat(50) + i);
  const pristine = join(dir, 'pristine.db');
  copyFileSync(live, pristine);
  copyFileSync(`${live}-wal`, `${pristine}-wal`);
  db.close();
  const crashedCopy = (name: string) => {
    const p = join(dir, name);
    copyFileSync(pristine, p);
    copyFileSync(`${pristine}-wal`, `${p}-wal`);
    return p;
  };

  test('a crashed store with a live WAL is whole', () => {
    const crashed = crashedCopy('crashed.db');
    assert.ok(statSync(`${crashed}-wal`).size > 4096, 'the WAL holds frames');
    assert.equal(mainFileProblem(crashed), null);
    assert.equal(walProblem(`${crashed}-wal`, crashed), null);
    const reopened = new Database(crashed);
    assert.equal((reopened.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 200, 'SQLite reads every row from it');
    reopened.close();
  });

  test('a garbage WAL header, or a damaged first frame, is found', () => {
    const bad = crashedCopy('bad.db');
    const fd = openSync(`${bad}-wal`, 'r+');
    writeSync(fd, Buffer.from([0xde, 0xad]), 0, 2, 32 + 24 + 100); // inside the first frame's page
    closeSync(fd);
    assert.match(walProblem(`${bad}-wal`, bad) ?? '', /damaged first frame/);
    const fd2 = openSync(`${bad}-wal`, 'r+');
    writeSync(fd2, Buffer.alloc(8, 0x41), 0, 8, 0);
    closeSync(fd2);
    assert.match(walProblem(`${bad}-wal`, bad) ?? '', /not a write-ahead log \(bad magic 0x41414141\)/);
  });

  test('a truncated main file, or one that is not SQLite, is found', () => {
    const t = join(dir, 'trunc.db');
    const whole = new Database(t);
    whole.exec('CREATE TABLE t (x TEXT)');
    const i2 = whole.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 500; i++) i2.run('x'.repeat(200));
    whole.close();
    assert.equal(mainFileProblem(t), null);
    truncateSync(t, 8192);
    assert.match(mainFileProblem(t) ?? '', /is truncated \(8192 bytes, its header says \d+ pages of 4096 bytes\)/);
    truncateSync(t, 5000);
    assert.match(mainFileProblem(t) ?? '', /not a whole number of 4096-byte pages/);
    const text = join(dir, 'text.db');
    copyFileSync(new URL(import.meta.url).pathname, text);
    assert.match(mainFileProblem(text) ?? '', /is not an SQLite database/);
    assert.ok(readFileSync(text).length > 0);
  });
});
