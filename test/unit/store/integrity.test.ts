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

  test('a checkpoint cut short (the main file shorter than its header says, the WAL whole) is whole', () => {
    // As a full disk leaves it: the checkpoint wrote page 1 (the new page count) and no more.
    const cut = crashedCopy('cut.db');
    const wal = readFileSync(`${cut}-wal`);
    const pageSize = wal.readUInt32BE(8);
    let page1: Buffer | null = null;
    for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) if (wal.readUInt32BE(at) === 1) page1 = wal.subarray(at + 24, at + 24 + pageSize);
    assert.ok(page1, 'the WAL holds page 1');
    const fd = openSync(cut, 'r+');
    writeSync(fd, page1, 0, pageSize, 0);
    closeSync(fd);
    const pages = page1.readUInt32BE(28);
    assert.ok(statSync(cut).size < pages * pageSize, `the main file (${statSync(cut).size} bytes) is shorter than its header's ${pages} pages`);
    assert.equal(mainFileProblem(cut), null);
    const reopened = new Database(cut);
    assert.deepEqual(reopened.pragma('quick_check'), [{ quick_check: 'ok' }]);
    assert.equal((reopened.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 200, 'SQLite reads every row');
    reopened.close();
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
