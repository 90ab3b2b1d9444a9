// A damaged store is detected and refused, with the way to recover from the verified backup;
// an empty store is never started over jobs of a lost one (issue 18, data loss 3).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { alive, TestHome, waitFor } from './harness.js';

// Backups every 300 ms when the store changed (the default is a minute), so a test sees one.
process.env.APPINIT_BACKUP_MS = '300';

/** The recovery command the refusal printed (the indented line after "To recover"). */
function recoveryCommand(stderr: string): string {
  const m = /To recover from it[^\n]*\n\s+(.+)$/m.exec(stderr);
  assert.ok(m, `a recovery command is printed:\n${stderr}`);
  return m[1];
}

async function killDaemon(h: TestHome): Promise<void> {
  const pid = h.daemonPid();
  process.kill(pid, 'SIGKILL');
  await waitFor('the daemon gone', () => !alive(pid));
  h.reconnect();
}

describe('a damaged store', () => {
  test('a truncated store: refused, naming the backup and the command; after it, the at queue is back', async () => {
    const h = new TestHome();
    try {
      assert.equal((await h.cli(['at', 'noon', 'jan', '1', '2099', '--', 'echo', 'kept'])).code, 0);
      assert.equal((await h.cli(['down'])).code, 0);
      const db = join(h.home, 'state.db');
      assert.ok(existsSync(`${db}.backup`), 'a clean shutdown leaves a verified backup');
      const size = statSync(db).size;
      truncateSync(db, 4096 + 1000);
      const r = await h.cli(['atq']);
      console.log(`# store ${size} bytes truncated to 5096: ${r.stderr.split('\n')[0]}`);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /the store is damaged: .*state\.db is truncated/);
      assert.match(r.stderr, /The daemon did not start and changed nothing/);
      assert.match(r.stderr, new RegExp(`The last verified backup is ${db}\\.backup \\(taken \\d{4}-`));
      assert.equal(statSync(db).size, 5096, 'the damaged store was left as it was');
      const fix = spawnSync('sh', ['-c', recoveryCommand(r.stderr)], { encoding: 'utf8' });
      assert.equal(fix.status, 0, fix.stderr);
      const q = await h.cli(['atq', '--json']);
      assert.equal(q.code, 0, q.stderr);
      assert.equal(JSON.parse(q.stdout).length, 1, 'the queued at job is back');
      assert.ok(existsSync(`${db}.damaged`), 'the damaged file is kept aside');
    } finally {
      await h.cleanup();
    }
  });

  test('a garbage WAL after a kill -9: refused the same way; jobs keep running meanwhile', async () => {
    const h = new TestHome();
    try {
      await h.up('programs:\n  steady:\n    command: sleep 1000\n');
      const job = await h.waitJob('steady', 'running', (j) => j.state === 'running');
      const t = Date.now();
      await waitFor('a backup taken after the job started', () => existsSync(join(h.home, 'state.db.backup')) && statSync(join(h.home, 'state.db.backup')).mtimeMs > t);
      await killDaemon(h);
      const wal = join(h.home, 'state.db-wal');
      assert.ok(statSync(wal).size > 0, 'the WAL holds what was not checkpointed');
      const fd = openSync(wal, 'r+');
      writeSync(fd, Buffer.alloc(64, 'garbage '), 0, 64, 0);
      closeSync(fd);
      const r = await h.cli(['status']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /state\.db-wal is not a write-ahead log/);
      assert.match(r.stderr, new RegExp(`Jobs of it still run under the supervise helper \\(pid \\d+\\): pids .*${job.pid}`));
      assert.ok(alive(job.pid!), 'the job was not touched');
      const fix = spawnSync('sh', ['-c', recoveryCommand(r.stderr)], { encoding: 'utf8' });
      assert.equal(fix.status, 0, fix.stderr);
      assert.equal((await h.cli(['status'])).code, 0);
      const again = await h.waitJob('steady', 'adopted again', (j) => j.state === 'running');
      assert.equal(again.pid, job.pid, 'the running job is adopted again, not started twice');
    } finally {
      await h.cleanup();
    }
  });

  test('a lost store (deleted, no backup) while its jobs run: no empty store is started over them', async () => {
    const h = new TestHome();
    try {
      await h.up('programs:\n  steady:\n    command: sleep 1000\n');
      const job = await h.waitJob('steady', 'running', (j) => j.state === 'running');
      await killDaemon(h);
      for (const f of ['state.db', 'state.db-wal', 'state.db-shm', 'state.db.backup']) rmSync(join(h.home, f), { force: true });
      const r = await h.cli(['status']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /state\.db is missing, but the supervise helper \(pid \d+\) still runs jobs of a previous store/);
      assert.ok(!existsSync(join(h.home, 'state.db')), 'no empty store was made');
      assert.ok(alive(job.pid!));
    } finally {
      await h.cleanup();
    }
  });

  test('a store whose backup exists but which is missing is refused too', async () => {
    const h = new TestHome();
    try {
      assert.equal((await h.cli(['status'])).code, 0);
      assert.equal((await h.cli(['down'])).code, 0);
      rmSync(join(h.home, 'state.db'));
      const r = await h.cli(['status']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /state\.db is missing but a backup of it exists/);
      assert.match(readFileSync(join(h.home, 'state.db.backup')).subarray(0, 15).toString(), /^SQLite format 3/);
    } finally {
      await h.cleanup();
    }
  });
});
