// Signals sent to the daemon, as an administrator (or logrotate) sends them. SIGUSR1 must not
// open node's inspector (127.0.0.1:9229, where any local user could run code as the daemon):
// it reopens the jobs' log files, and the daemon goes on serving.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync, renameSync } from 'node:fs';
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
