// The job sampler keeps each sampled process's /proc stat, statm and children open between ticks
// (issue 17, idle CPU). On a real daemon: a job's three files are open while it runs, close-on-exec
// (the helper and jobs inherit nothing of the daemon's), still read afresh (history follows the
// job), and closed at the first tick after the job ended; a job that forks gets its child's too.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

process.env.APPINIT_SAMPLE_MS = '200';

// The daemon's descriptors open on /proc/PID/... of one process: fd -> path.
function procFdsOf(daemon: number, pid: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const fd of readdirSync(`/proc/${daemon}/fd`)) {
    try {
      const to = readlinkSync(`/proc/${daemon}/fd/${fd}`);
      if (to.startsWith(`/proc/${pid}/`)) out.set(Number(fd), to);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

test('a job\'s /proc files stay open while it runs, close-on-exec, and close after it ends', async () => {
  const h = new TestHome('appinit-sampler-files-');
  try {
    await h.up(`programs:
  s:
    command: sh -c 'sleep 1000 & wait'
    restart: never
`);
    const j = await h.waitJob('s', 'running', (j) => j.state === 'running' && j.pid != null);
    const daemon = h.daemonPid();
    const leader = j.pid as number;
    const child = await waitFor('the shell forked its sleep', () => Number(readFileSync(`/proc/${leader}/task/${leader}/children`, 'utf8').trim()) || 0);
    const open = await waitFor('the daemon keeps the leader\'s and the child\'s files open', () => {
      const a = procFdsOf(daemon, leader);
      const b = procFdsOf(daemon, child);
      return a.size === 3 && b.size === 3 ? new Map([...a, ...b]) : null;
    });
    assert.deepEqual([...open.values()].filter((p) => p.startsWith(`/proc/${leader}/`)).sort(),
      [`/proc/${leader}/stat`, `/proc/${leader}/statm`, `/proc/${leader}/task/${leader}/children`]);
    for (const fd of open.keys()) {
      const flags = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/${daemon}/fdinfo/${fd}`, 'utf8'))![1];
      assert.ok((parseInt(flags, 8) & 0o2000000) !== 0, `fd ${fd} (${open.get(fd)}) is close-on-exec (flags ${flags})`);
    }
    const helper = h.helperPid();
    assert.equal([...readdirSync(`/proc/${helper}/fd`)].filter((fd) => {
      try { return readlinkSync(`/proc/${helper}/fd/${fd}`).startsWith(`/proc/${leader}/`); } catch { return false; }
    }).length, 0, 'the helper holds none of them');
    // Samples still come, and see both processes (read afresh through the kept descriptors).
    const c = await h.api();
    const hist = await waitFor('two samples of the job with both processes', async () => {
      const r = await c.history('s', 10);
      const both = (r.jobs[0]?.samples ?? []).filter((s) => s.pids === 2);
      return both.length >= 2 ? both : null;
    });
    assert.ok(hist[hist.length - 1].rssKb > 0);
    assert.equal((await h.cli(['stop', 's'])).code, 0);
    await waitFor('the job ended', async () => (await h.status()).find((x) => x.name === 's' && x.pid == null && x.state !== 'running'));
    await waitFor('the daemon closed the ended processes\' files', () => procFdsOf(daemon, leader).size === 0 && procFdsOf(daemon, child).size === 0, 20_000);
  } finally {
    await h.cleanup();
  }
});
