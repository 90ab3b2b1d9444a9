// `appinit monit`: batch frames with each job's CPU, memory and its program's last log lines;
// on a terminal, a live screen that `q` ends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLI, TestHome, waitFor } from './harness.js';
import { Pty } from './pty.js';

describe('monit', () => {
  const h = new TestHome();
  before(async () => {
    await h.up(`programs:
  talker:
    command: sh -c 'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.05; done'
  spinner:
    command: sh -c 'while :; do :; done'
`);
    await waitFor('talker wrote two lines', async () => /line 2/.test((await h.cli(['logs', 'talker'])).stdout));
  });
  after(() => h.cleanup());

  test("-b -n 2: two frames, a row per job with CPU and memory, then each program's last lines", async () => {
    const r = await h.cli(['monit', '-b', '-n', '2', '-d', '0.3', '--lines', '2']);
    assert.equal(r.code, 0, r.stderr);
    const frames = r.stdout.split(/\n(?=appinit monit )/);
    assert.equal(frames.length, 2, r.stdout);
    const last = frames[1];
    assert.match(last, /^appinit monit .* 2 programs, 2 jobs$/m);
    assert.match(last, /^NAME +JOB +PID +STATE +%CPU +MEM +PIDS +RESTARTS +UPTIME$/m);
    const spin = /^spinner +%\d+ +\d+ +running +(\d+\.\d) +(\d+(?:\.\d)?[KMG]B) +1 +0 /m.exec(last);
    assert.ok(spin, `a row for spinner:\n${last}`);
    assert.ok(Number(spin[1]) > 1, `a busy loop uses CPU, got ${spin[1]}%`);
    assert.match(last, /^talker +%\d+ +\d+ +running +\d+\.\d +\d+(\.\d)?[KMG]B +[12] +0 /m);
    const talk = last.slice(last.indexOf('── talker ──')).split('\n').slice(1, 3);
    assert.equal(talk.length, 2);
    for (const l of talk) assert.match(l, /^ {2}(\d\d:\d\d:\d\d )?line \d+$/, 'the last lines, one per line (with their time when the log has one)');
    assert.match(last, /── spinner ──\n {2}\(no output yet\)/);
  });

  test('on a terminal it redraws until q', async () => {
    const p = await Pty.spawn([process.execPath, CLI, 'monit', '-d', '0.2'], { ...h.env, TERM: 'xterm' }, 30, 100);
    try {
      await p.expect(/spinner +%\d+/, 'the job table');
      await p.expect(/q quits/, 'the key hint');
      await p.send('q');
      assert.equal(await p.wait(), 0, 'q ends monit with status 0');
    } finally {
      await p.close();
    }
  });
});
