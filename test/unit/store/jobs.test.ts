import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../../src/store/db.js';
import { insertJob, JOB_NUMBER_INDEX, liveJobs, removeJob, type JobRow } from '../../../src/store/jobs.js';
import type { Program } from '../../../src/config/program.js';

const row = (): Omit<JobRow, 'id' | 'number'> => ({
  program: 'p', instance: 0, spec: { name: 'p' } as Program, state: 'stopped', want: 'down', pid: null, startTicks: null, startedAt: null,
  restarts: 0, restartTimes: [], attempt: 0, lastExit: null, reason: null, suspended: false, ownerUid: 0, createdAt: 0,
});

function withDb(fn: (db: ReturnType<typeof openDb>) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-jobs-'));
  const db = openDb(join(dir, 'state.db'), [{ name: 'programs', migrations: [JOB_NUMBER_INDEX] }]);
  try {
    fn(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('job numbers: smallest free, as bash; a removed number is reused first', () => {
  withDb((db) => {
    const a = [insertJob(db, row()), insertJob(db, row()), insertJob(db, row()), insertJob(db, row())];
    assert.deepEqual(a.map((j) => j.number), [1, 2, 3, 4]);
    removeJob(db, a[1].id);
    removeJob(db, a[2].id);
    assert.equal(insertJob(db, row()).number, 2);
    assert.equal(insertJob(db, row()).number, 3);
    assert.equal(insertJob(db, row()).number, 5);
    assert.deepEqual(liveJobs(db).map((j) => j.number).sort((x, y) => x - y), [1, 2, 3, 4, 5]);
  });
});

test('a rolled-back removal does not give out a live number twice', () => {
  withDb((db) => {
    const a = insertJob(db, row());
    insertJob(db, row());
    assert.throws(() => db.transaction(() => { removeJob(db, a.id); throw new Error('rollback'); })());
    const c = insertJob(db, row());
    assert.equal(c.number, 3);
    const live = liveJobs(db).map((j) => j.number);
    assert.equal(new Set(live).size, live.length);
  });
});

test('creating jobs is linear: 4,000 in one transaction cost about 4 times 1,000', () => {
  withDb((db) => {
    const time = (n: number) => {
      const t0 = process.hrtime.bigint();
      db.transaction(() => { for (let i = 0; i < n; i++) insertJob(db, row()); })();
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    time(200); // warm up
    const small = time(1000);
    const big = time(4000);
    process.stdout.write(`# insertJob: 1,000 in ${small.toFixed(1)} ms, the next 4,000 in ${big.toFixed(1)} ms (ratio ${(big / small).toFixed(2)}; quadratic would be ~16+)\n`);
    assert.equal(liveJobs(db).length, 5200);
  });
});
