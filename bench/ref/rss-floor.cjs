// The floor under the daemon's RSS: a node process that loads only what the daemon must have and
// then idles. bench/scale.ts runs it with the daemon's node flags and reads its RSS from /proc.
//   node rss-floor.cjs DIR LEVEL      LEVEL: net (better-sqlite3 + a net server on a Unix socket)
//                                     or all (+ koffi, node:http as the API server)
// It writes a WAL store as the daemon opens its own, listens on DIR/floor.sock, prints "ready"
// and stays until stdin closes (the bench measures it in between).
'use strict';
const { join } = require('node:path');
const [dir, level] = process.argv.slice(2);
const Database = require('better-sqlite3');
const db = new Database(join(dir, 'floor.db'));
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, name TEXT, state TEXT)');
const insert = db.prepare('INSERT INTO jobs (name, state) VALUES (?, ?)');
db.transaction(() => { for (let i = 0; i < 50; i++) insert.run(`p${i}`, 'running'); })();
if (level === 'all') require('koffi').load('libc.so.6').func('int getpid()')();
const server = require(level === 'all' ? 'node:http' : 'node:net').createServer(() => {});
server.listen(join(dir, 'floor.sock'), () => process.stdout.write('ready\n'));
process.stdin.resume();
process.stdin.on('end', () => { server.close(); db.close(); });
