// `run` fails at once with the reason, and creates no job (issue 16, defect 2); `kill` of a pid
// that is not one of the caller's jobs says so in bash's words.
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

describe('run fails at once with the reason', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('an unknown user: exit 1, "no such user", no job, with or without --bg', async () => {
    const r = await h.cli(['run', '--user', 'nosuch', '--', 'id'], { timeoutMs: 10_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^appinit: no such user: nosuch$/m);
    assert.equal(r.stdout, '');
    const bg = await h.cli(['run', '--bg', '--user', 'nosuch', '--', 'id'], { timeoutMs: 10_000 });
    assert.equal(bg.code, 1);
    assert.equal(bg.stdout, '', 'no "[8] " line');
    assert.equal(bg.stderr, 'appinit: no such user: nosuch\n');
    assert.deepEqual(await (await h.api()).jobs(), [], 'no job was created');
  });

  test('a command not found: "appinit: nosuchcmd: command not found", exit 127 as bash; not executable: 126', async () => {
    const r = await h.cli(['run', '--', 'nosuchcmd', 'arg'], { timeoutMs: 10_000 });
    assert.equal(r.code, 127);
    assert.equal(r.stderr, 'appinit: nosuchcmd: command not found\n');
    const bg = await h.cli(['run', '--bg', '--', './missing'], { timeoutMs: 10_000 });
    assert.equal(bg.code, 127);
    assert.equal(bg.stderr, 'appinit: ./missing: No such file or directory\n');
    const nx = await h.cli(['run', '--', h.write('not-exec.sh', 'echo hi\n')], { timeoutMs: 10_000 });
    assert.equal(nx.code, 126);
    assert.match(nx.stderr, /not-exec\.sh: Permission denied$/m);
  });

  test('an exec that fails past the check names the #! interpreter, as bash: missing 127, not executable 126', async () => {
    await h.cli(['info']); // the daemon up first: its "started the daemon" line is not run's
    // Both are executable files, so run's own check passes: execve itself fails in the job.
    chmodSync(h.write('badinterp', '#!/nonexistent/interp -x\necho hi\n'), 0o755);
    const ine = h.write('ine', 'echo x\n'); // the interpreter, not executable
    chmodSync(h.write('useine', `#!${ine}\n`), 0o755);
    const bad = await h.cli(['run', '--', './badinterp'], { timeoutMs: 10_000 });
    assert.equal(bad.code, 127);
    assert.equal(bad.stderr, 'appinit: ./badinterp: /nonexistent/interp: bad interpreter: No such file or directory\n');
    const denied = await h.cli(['run', '--', './useine'], { timeoutMs: 10_000 });
    assert.equal(denied.code, 126);
    assert.equal(denied.stderr, `appinit: ./useine: ${ine}: bad interpreter: Permission denied\n`);
    // A CR of a DOS line ending is part of the interpreter's name: shown, not written raw.
    chmodSync(h.write('crlf', '#!/bin/sh\r\necho crlf\r\n'), 0o755);
    const crlf = await h.cli(['run', '--', './crlf'], { timeoutMs: 10_000 });
    assert.equal(crlf.code, 127);
    assert.equal(crlf.stderr, 'appinit: ./crlf: /bin/sh^M: bad interpreter: No such file or directory\n');
  });

  test('a missing directory: the directory named, exit 1', async () => {
    const r = await h.cli(['run', '--cwd', '/nonexistent', '--', 'true'], { timeoutMs: 10_000 });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'appinit: cwd: /nonexistent: No such file or directory\n');
    const f = await h.cli(['run', '--cwd', '/etc/passwd', '--', 'true'], { timeoutMs: 10_000 });
    assert.equal(f.stderr, 'appinit: cwd: /etc/passwd: Not a directory\n');
    assert.deepEqual(await (await h.api()).jobs(), [], 'no job was created');
  });

  test('what can run still runs', async () => {
    const r = await h.cli(['run', '--', 'sh', '-c', 'echo ok; exit 3'], { timeoutMs: 10_000 });
    assert.equal(r.stdout.replace(/\r/g, ''), 'ok\n');
    assert.equal(r.code, 3);
  });

  test('kill of pid 1: "1: not one of your jobs"; of a pid that does not exist: "No such process"', async () => {
    const r = await h.cli(['kill', '1']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'appinit: kill: 1: not one of your jobs\n');
    const n = await h.cli(['kill', '4194303']);
    assert.equal(n.stderr, 'appinit: kill: (4194303) - No such process\n');
  });

  // bash's `kill PID` signals any process one may: a child the job's shell started is the job's.
  test('kill PID of a process of one\'s job that is not its leader signals it', async () => {
    const bg = await h.cli(['run', '--bg', '--', 'sh', '-c', 'sleep 3210 & sleep 3211; wait']);
    assert.equal(bg.code, 0, bg.stderr);
    const child = await waitFor('the job\'s sleep 3210', () => {
      for (const d of readdirSync('/proc')) {
        if (!/^\d+$/.test(d)) continue;
        try { if (readFileSync(`/proc/${d}/cmdline`, 'utf8') === 'sleep\x003210\x00') return Number(d); } catch { /* gone */ }
      }
      return null;
    });
    const k = await h.cli(['kill', String(child)]);
    assert.deepEqual([k.code, k.stderr], [0, '']);
    await waitFor(`sleep 3210 (${child}) ended`, () => { try { return readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1][0] === 'Z'; } catch { return true; } });
    await h.cli(['kill', '-9', '%%']);
  });
});
