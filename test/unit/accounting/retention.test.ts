// The accounting records kept: the newest APPINIT_ACCT_MAX_RECORDS of at most APPINIT_ACCT_MAX_AGE,
// deleted oldest first in bounded batches, in a real SQLite store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MODULES } from '../../../src/api/modules.js';
import { ACCT_KEEP_DEFAULT, acctRetention } from '../../../src/core/accounting/retention.js';
import { openDb, type Db } from '../../../src/store/db.js';
import { insertRecord, pruneRecords, queryRecords } from '../../../src/store/records.js';

// n records of processes that ended at `ends(i)` (epoch seconds), pids 1000 + i.
function fill(db: Db, n: number, ends: (i: number) => number): void {
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      insertRecord(db, {
        pid: 1000 + i, ppid: 1, job: 1, program: 'p', command: 'true', comm: 'true', uid: 0, gid: 0, start: ends(i) - 1, end: ends(i),
        utime: 0, stime: 0, maxrss: 0, minflt: 0, majflt: 0, inblock: 0, oublock: 0, nvcsw: 0, nivcsw: 0, exitCode: 0, signal: null,
        core: false, flags: '', status: 0, note: null,
      });
    }
  })();
}

const pids = (db: Db) => queryRecords(db, {}).map((r) => r.pid);

describe('accounting records kept', () => {
  test('beyond the count: the oldest go, the newest max stay, in termination order', () => {
    const db = openDb(':memory:', MODULES);
    fill(db, 25, (i) => 1_000_000 + i);
    assert.equal(pruneRecords(db, { max: 10, before: 0 }), 15);
    assert.deepEqual(pids(db), Array.from({ length: 10 }, (_, i) => 1015 + i));
    assert.equal(pruneRecords(db, { max: 10, before: 0 }), 0, 'nothing more to delete');
  });

  test('older than the age: a prefix of the table goes, a newer record stops it', () => {
    const db = openDb(':memory:', MODULES);
    fill(db, 20, (i) => (i < 12 ? 100 + i : 5000 + i));
    assert.equal(pruneRecords(db, { max: 1_000, before: 1000 }), 12);
    assert.equal(pids(db)[0], 1012);
  });

  test('a batch at a time: a backlog goes in several calls, each at most the batch', () => {
    const db = openDb(':memory:', MODULES);
    fill(db, 95, (i) => 1_000_000 + i);
    const rounds: number[] = [];
    for (let n; (n = pruneRecords(db, { max: 5, before: 0 }, 20)) > 0;) rounds.push(n);
    assert.deepEqual(rounds, [20, 20, 20, 20, 10]);
    assert.deepEqual(pids(db), [1090, 1091, 1092, 1093, 1094]);
  });

  test('an empty table, and one within the limits, are left alone', () => {
    const db = openDb(':memory:', MODULES);
    assert.equal(pruneRecords(db, { max: 10, before: Date.now() / 1000 }), 0);
    fill(db, 3, () => Date.now() / 1000);
    assert.equal(pruneRecords(db, { max: 10, before: Date.now() / 1000 - 60 }), 0);
    assert.equal(pids(db).length, 3);
  });

  test('limits from the environment; a wrong one is named and the default kept', () => {
    assert.deepEqual(acctRetention({}), { ...ACCT_KEEP_DEFAULT, bad: [] });
    assert.deepEqual(acctRetention({ APPINIT_ACCT_MAX_RECORDS: '5000', APPINIT_ACCT_MAX_AGE: '12h' }), { max: 5000, ageMs: 12 * 3_600_000, bad: [] });
    const r = acctRetention({ APPINIT_ACCT_MAX_RECORDS: 'lots', APPINIT_ACCT_MAX_AGE: '0' });
    assert.deepEqual([r.max, r.ageMs], [ACCT_KEEP_DEFAULT.max, ACCT_KEEP_DEFAULT.ageMs]);
    assert.match(r.bad[0], /^APPINIT_ACCT_MAX_RECORDS=lots: expected a number of records/);
    assert.match(r.bad[1], /^APPINIT_ACCT_MAX_AGE=0: expected a duration like 30d/);
  });
});
