// The floor under the daemon's idle CPU right after `up`: a node process that does only the work
// the idle daemon must do for N running programs, from its start — a better-sqlite3 store in WAL
// mode and, every 5 s, each program's /proc/PID/stat, statm and task/PID/children read through
// descriptors kept open (opened at the first tick, as the daemon's sampler does), the samples
// stored six ticks at a time. bench/scale.ts runs it with the daemon's node flags beside the
// daemon and measures both over the same window: what is left between them is the daemon's own.
//   node idle-floor.cjs DIR INTERVAL_MS PID...     prints "ready", stays until stdin closes
'use strict';
const { closeSync, openSync, readSync } = require('node:fs');
const { join } = require('node:path');
const [dir, intervalText, ...pidTexts] = process.argv.slice(2);
const pids = pidTexts.map(Number);
const Database = require('better-sqlite3');
const db = new Database(join(dir, 'idle-floor.db'));
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS samples (job INTEGER, seq INTEGER, at INTEGER, cpu INTEGER, rss INTEGER, PRIMARY KEY (job, seq)) WITHOUT ROWID');
const insert = db.prepare('INSERT OR REPLACE INTO samples VALUES (?, ?, ?, ?, ?)');
const store = db.transaction((rows) => { for (const r of rows) insert.run(r[0], r[1], r[2], r[3], r[4]); });
const buf = Buffer.allocUnsafe(4096);
const fds = new Map();
// One /proc file's bytes (n), through a descriptor kept open; -1 when the process is gone.
function read(path) {
  let fd = fds.get(path);
  if (fd === undefined) {
    try { fd = openSync(path, 'r'); } catch { return -1; }
    fds.set(path, fd);
  }
  try { return readSync(fd, buf, 0, buf.length, 0); } catch { closeSync(fd); fds.delete(path); return -1; }
}
// The number of the field that follows the k-th space after `from`.
function field(n, from, k) {
  let at = from;
  for (let s = 0; s < k && at < n; at++) if (buf[at] === 0x20) s++;
  let v = 0;
  for (; at < n && buf[at] >= 0x30 && buf[at] <= 0x39; at++) v = v * 10 + buf[at] - 0x30;
  return v;
}
let pending = [];
let ticks = 0;
let seq = 0;
function tick() {
  seq++;
  const at = Date.now();
  for (let i = 0; i < pids.length; i++) {
    const pid = pids[i];
    let n = read(`/proc/${pid}/stat`);
    if (n < 0) continue;
    let close = n - 1;
    while (close > 0 && buf[close] !== 0x29) close--;
    const cpu = field(n, close + 2, 11) + field(n, close + 2, 12); // utime + stime
    n = read(`/proc/${pid}/statm`);
    if (n < 0) continue;
    const rss = field(n, 0, 1);
    read(`/proc/${pid}/task/${pid}/children`);
    pending.push([i + 1, seq, at, cpu, rss]);
  }
  if (++ticks % 6 === 0) { store(pending); pending = []; }
}
const timer = setInterval(tick, Number(intervalText));
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => { clearInterval(timer); db.close(); });
