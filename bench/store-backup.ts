// What the backup keeper's check of a copy costs on the daemon's thread against in a worker
// thread (src/store/backup.ts: a copy of at most 4 MiB is checked on the thread), for stores of a
// few sizes: the store's schema plus filler rows up to the size. CPU is this process's (all
// threads), so the worker's start (a V8 isolate, better-sqlite3 loaded again) is counted.
// Not in `npm run bench`'s list; run it by hand:
//   node dist/bench/store-backup.js [sizes in MiB, default 1,3,8] [rounds=4]
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupStore, verifyInWorker, verifyStoreFile } from '../src/store/backup.js';
import { openDb } from '../src/store/db.js';

const sizes = (process.argv[2] ?? '1,3,8').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 4);
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

const dir = mkdtempSync(join(tmpdir(), 'appinit-bench-backup-'));
try {
  console.log('store | check on the thread: CPU (wall) | in a worker: CPU (wall) | backupStore as kept: CPU');
  for (const mib of sizes) {
    const path = join(dir, `state-${mib}.db`);
    const db = openDb(path);
    db.exec('CREATE TABLE IF NOT EXISTS bench_filler(x BLOB)');
    const add = db.prepare('INSERT INTO bench_filler(x) VALUES (randomblob(1000))');
    db.transaction(() => { for (let i = 0; i < mib * 1024; i++) add.run(); })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const copy = join(dir, 'copy.db');
    const inline: number[] = [], inlineWall: number[] = [], worker: number[] = [], workerWall: number[] = [], kept: number[] = [];
    for (let r = 0; r < rounds; r++) {
      copyFileSync(path, copy);
      let c = cpuMs(), t = performance.now();
      if (verifyStoreFile(copy, true) !== null) throw new Error('the copy did not verify');
      inline.push(cpuMs() - c); inlineWall.push(performance.now() - t);
      copyFileSync(path, copy);
      c = cpuMs(); t = performance.now();
      if (await verifyInWorker(copy, true) !== null) throw new Error('the copy did not verify in the worker');
      worker.push(cpuMs() - c); workerWall.push(performance.now() - t);
      c = cpuMs();
      await backupStore(db, path);
      kept.push(cpuMs() - c);
    }
    const size = (statSync(path).size / 1048576).toFixed(1);
    console.log(`${size} MiB | ${range(inline)} ms (${range(inlineWall)} ms) | ${range(worker)} ms (${range(workerWall)} ms) | ${range(kept)} ms`);
    db.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
