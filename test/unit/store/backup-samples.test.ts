// Sampled history alone does not make the store "changed" for the backup keeper: an idle daemon
// sampling its jobs every few seconds would otherwise copy and verify its whole store (in a
// worker thread) every backup interval, for ever. Any other write still gets its backup.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BackupKeeper, backupPath } from '../../../src/store/backup.js';
import { openDb } from '../../../src/store/db.js';
import { insertSamples, MONITOR_MIGRATIONS, sampleChangeCount } from '../../../src/store/monitor.js';

const dir = mkdtempSync(join(tmpdir(), 'appinit-backup-samples-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('sample rows do not call for a backup; another write does', async () => {
  const path = join(dir, 'state.db');
  const db = openDb(path, [{ name: 'monitor', migrations: MONITOR_MIGRATIONS }]);
  db.exec('CREATE TABLE other (x INTEGER)');
  const errors: string[] = [];
  const keeper = new BackupKeeper(db, path, 100, (m) => errors.push(m), () => sampleChangeCount(db));
  const mtime = () => { try { return statSync(backupPath(path)).mtimeMs; } catch { return 0; } };
  keeper.start(); // none yet: one now
  await until('the first backup', () => mtime() > 0 && keeper.lastAt != null);
  const first = mtime();
  const seqs = new Map<number, number>();
  for (let i = 0; i < 8; i++) {
    insertSamples(db, [{ job: 1, at: Date.now(), pids: 1, cpu: 0, rssKb: 100, vszKb: 200 }], seqs, 720);
    await sleep(60);
  }
  assert.equal(sampleChangeCount(db), 8);
  assert.equal(mtime(), first, 'samples alone: no new backup over 5 intervals');
  db.prepare('INSERT INTO other VALUES (1)').run();
  await until('a backup after a write that is not a sample', () => mtime() > first);
  await keeper.stop();
  db.close();
  assert.deepEqual(errors, []);
});
