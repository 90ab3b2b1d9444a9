// Signals sent to the daemon, as an administrator (or logrotate) sends them. SIGUSR1 must not
// open node's inspector (127.0.0.1:9229, where any local user could run code as the daemon):
// it reopens the jobs' log files, and the daemon goes on serving.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

// The inodes of TCP sockets listening on port 9229 (IPv4 and IPv6), from the kernel's tables.
function inspectorSockets(): Set<string> {
  const found = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1].endsWith(':2405') && f[3] === '0A') found.add(f[9]);
    }
  }
  return found;
}

// True when pid holds one of those sockets.
function listensOn9229(pid: number): boolean {
  const inodes = inspectorSockets();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1])) return true;
    } catch { /* closed meanwhile */ }
  }
  return false;
}

describe('the daemon\'s own log', () => {
  const h = new TestHome();
  const saved = process.env.APPINIT_DAEMON_LOG_MAX;
  after(async () => {
    await h.cleanup();
    if (saved === undefined) delete process.env.APPINIT_DAEMON_LOG_MAX;
    else process.env.APPINIT_DAEMON_LOG_MAX = saved;
  });

  test('it is rotated past APPINIT_DAEMON_LOG_MAX; SIGUSR1 takes up a file logrotate moved away', async () => {
    process.env.APPINIT_DAEMON_LOG_MAX = '4KB'; // the daemon (started by the first command) inherits it
    await h.up('programs:\n  flap:\n    command: sh -c \'exit 1\'\n    backoff: { initial: 50ms, factor: 1 }\n    crash_loop: { limit: 1000000 }\n');
    const log = join(h.home, 'daemon.log');
    await waitFor('daemon.log.1 made once past 4 KB', () => { try { return readFileSync(`${log}.1`, 'utf8').length >= 4096; } catch { return false; } }, 30_000);
    await waitFor('the new daemon.log begun, saying where the old one is', () => readFileSync(log, 'utf8').includes('daemon log: the one before is'));
    assert.ok(statSync(log).size < 64 * 1024, 'the log stays near its limit');
    // logrotate's way: move the file, then SIGUSR1.
    renameSync(log, `${log}.moved`);
    process.kill(h.daemonPid(), 'SIGUSR1');
    await waitFor('a new daemon.log with the SIGUSR1 line', () => { try { return /SIGUSR1: reopening every job's log file .*and this log/.test(readFileSync(log, 'utf8')); } catch { return false; } });
    await h.cli(['stop', 'flap']);
  });
});

describe('signals to the daemon', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('SIGUSR1 reopens the log files and opens no inspector', async () => {
    await h.up(`programs:\n  talk:\n    command: sh -c 'i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.05; done'\n`);
    await h.waitJob('talk', 'running', (j) => j.state === 'running');
    const log = join(h.home, 'logs', 'talk', 'out.log');
    await waitFor('talk\'s first lines in its log', () => /line-2\n/.test(readFileSync(log, 'utf8')));
    renameSync(log, `${log}.1`); // as logrotate does, then its postrotate: kill -USR1
    const pid = h.daemonPid();
    process.kill(pid, 'SIGUSR1');
    await waitFor('the daemon to say it reopened the logs', () => /SIGUSR1: reopening every job's log file/.test(readFileSync(join(h.home, 'daemon.log'), 'utf8')));
    await waitFor('new lines in a new out.log', () => { try { return /line-\d+\n/.test(readFileSync(log, 'utf8')); } catch { return false; } });
    assert.equal(listensOn9229(pid), false, 'the daemon listens on no inspector port');
    assert.equal((await h.status()).find((j) => j.name === 'talk')?.state, 'running', 'and goes on serving');
  });
});
