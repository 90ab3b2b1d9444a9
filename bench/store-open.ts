// Goal: checking the store at start (header, WAL, quick_check) and the verified backup stay
// cheap as the store grows. Builds stores with N accounting records (the table that grows) and
// times: openStore (all checks) against a plain open, and one verified backup.
// Usage: node dist/bench/store-open.js [N=200000]   (or: npm run bench -- store-open)
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODULES } from '../src/api/modules.js';
import { backupStore } from '../src/store/backup.js';
import { openDb } from '../src/store/db.js';
import { openStore } from '../src/store/open.js';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'appinit-bench-store-'));
  try {
    const path = join(dir, 'state.db');
    const db = openDb(path, MODULES);
    const ins = db.prepare(`INSERT INTO records(pid, ppid, job, program, command, comm, uid, gid, start, end, utime, stime, maxrss,
      minflt, majflt, inblock, oublock, nvcsw, nivcsw, exit_code, signal, core, flags, status, note)
      VALUES(?, 1, 1, 'web', 'node server.js --port 8080', 'node', 0, 0, ?, ?, 0.5, 0.1, 50000, 100, 0, 0, 8, 10, 2, 0, NULL, 0, '', 0, NULL)`);
    db.transaction(() => { for (let i = 0; i < n; i++) ins.run(1000 + i, i, i + 1); })();
    db.close();
    const mb = (statSync(path).size / 1048576).toFixed(1);
    let t = performance.now();
    new Database(path).close();
    const plain = performance.now() - t;
    t = performance.now();
    const { db: checked } = openStore(path, MODULES, join(dir, 'supervise.pid'));
    const full = performance.now() - t;
    // The longest the event loop was held during the backup (the daemon answers nothing meanwhile).
    let worst = 0;
    let last = performance.now();
    const tick = setInterval(() => { const now = performance.now(); worst = Math.max(worst, now - last); last = now; }, 1);
    t = performance.now();
    await backupStore(checked, path);
    const backup = performance.now() - t;
    clearInterval(tick);
    checked.close();
    console.log(`store of ${n} records (${mb} MB): plain open ${plain.toFixed(1)} ms; open with header/WAL/quick_check ${full.toFixed(0)} ms; verified backup ${backup.toFixed(0)} ms (asynchronous steps, then a quick_check of the copy in a worker), event loop held at most ${worst.toFixed(0)} ms at a time`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
