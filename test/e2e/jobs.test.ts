// Job control through a real pseudo-terminal: run, Ctrl-Z, fg, Ctrl-C, Ctrl-D, window size,
// jobs as bash prints them, kill, wait, and a job outliving the terminal that started it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { alive, CLI, statField, TestHome, waitFor } from './harness.js';
import { Pty } from './pty.js';

describe('job control', () => {
  const h = new TestHome();
  const open: Pty[] = [];
  const term = async (args: string[], rows = 24, cols = 80) => {
    const p = await Pty.spawn([process.execPath, CLI, ...args], { ...h.env, TERM: 'xterm' }, rows, cols);
    open.push(p);
    return p;
  };
  before(async () => {
    assert.equal((await h.cli(['status'])).code, 0); // the daemon, started once
  });
  after(async () => {
    for (const p of open) await p.close().catch(() => undefined);
    await h.cleanup();
  });

  test('run -- cat: echo, Ctrl-Z gives "Stopped", fg continues it, Ctrl-D ends it with its status', async () => {
    const t = await term(['run', '--', 'cat']);
    // As a person would: type once the job is there (it is attached before it starts).
    await waitFor('cat running', async () => (await (await h.api()).status()).some((j) => j.command === 'cat' && j.state === 'running'));
    await t.send('hello\r');
    await t.expect(/hello\r\nhello\r\n/, 'the echo and cat\'s copy');
    await t.send('\x1a');
    await t.expect(/\[\d+\]\+  Stopped                 cat/, 'the Stopped line');
    assert.equal(await t.wait(), 148, 'run returns 128+SIGTSTP, as a shell');
    const jobs = await h.cli(['jobs']);
    const n = /\[(\d+)\]\+  Stopped                 cat/.exec(jobs.stdout)?.[1];
    assert.ok(n, `jobs shows cat as stopped: ${jobs.stdout}`);
    const f = await term(['fg', `%${n}`]);
    await f.expect(/cat\r\n/, 'fg prints the command');
    await f.send('again\r');
    await f.expect(/again\r\nagain\r\n/, 'cat works again after fg');
    await f.send('\x04');
    assert.equal(await f.wait(), 0, 'Ctrl-D ends cat with status 0');
  });

  test('fg on a terminal of a job started without one: the terminal stays cooked, Ctrl-C interrupts the job', async () => {
    // Its input is a pipe, not a pseudo-terminal: a raw terminal gave it neither Ctrl-C nor Ctrl-Z.
    const command = 'echo started; exec sleep 1000 # no terminal';
    const bare = spawn(process.execPath, [CLI, 'run', '--', 'sh', '-c', command], { env: h.env, stdio: ['ignore', 'ignore', 'ignore'] });
    try {
      const j = await waitFor('the job without a terminal', async () => (await (await h.api()).status()).find((x) => x.command === `sh -c '${command}'` && x.pid != null));
      await waitFor('sleep exec\'d', () => { try { return readFileSync(`/proc/${j.pid}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } });
      const f = await term(['fg', `%${j.job}`]);
      await f.expect(/no terminal'\r\n/, 'fg prints the command (a cooked terminal makes \n \r\n)');
      await f.send('\x03');
      const code = await f.wait();
      const said = code === 130 ? '' : await f.expect(/[\s\S]+/, 'what fg printed', 2).catch((e: Error) => e.message);
      assert.ok(code === 130 || code === 128 + 2, `fg ends as the job did, of SIGINT: ${code}; it printed: ${JSON.stringify(said)}`);
      await waitFor('the job gone', () => !alive(j.pid!));
    } finally {
      bare.kill('SIGKILL');
    }
  });

  test('Ctrl-C interrupts the job\'s process group; the status is 130', async () => {
    const t = await term(['run', '--', 'sh', '-c', 'echo ready; sleep 1000']);
    await t.expect(/ready/, 'the job started');
    // Not at once after `ready`: dash loses a SIGINT that comes before it forks `sleep` (it then
    // waits on; measured in a plain pty without appinit: 8 of 100 at once, 31 of 100 under load).
    // As a person would, Ctrl-C once the job's command runs.
    const sh = await waitFor('the job', async () => (await (await h.api()).status()).find((j) => j.command.includes('echo ready; sleep 1000') && j.pid != null));
    // The child must be `sleep` already, not dash's fork before its exec: that copy still catches
    // SIGINT as its parent does, and swallows it (CI saw "^C" echoed and the job go on).
    await waitFor('sleep under the job\'s sh', () =>
      readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
        .some((c) => { try { return readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } }));
    await t.send('\x03');
    assert.equal(await t.wait(), 130);
  });

  // A script's loop of `appinit run` (bash loop.sh on a terminal): a Ctrl-C stops the loop, as it
  // stops one of plain commands. The job had the keys, so only it got SIGINT; the script's shell
  // never did, and went on to the next iteration after each Ctrl-C.
  test('Ctrl-C stops a script\'s loop of appinit run, as one of plain commands', async () => {
    const loop = h.write('loop.sh', `for i in 1 2 3; do "${process.execPath}" "${CLI}" run -- sh -c 'echo iteration-$0; sleep 1000' $i; done; echo LOOP-END\n`);
    const t = await Pty.spawn(['bash', loop], { ...h.env, TERM: 'xterm' });
    open.push(t);
    await t.expect(/iteration-1/, 'the first iteration');
    const sh = await waitFor('the job', async () => (await (await h.api()).status()).find((j) => j.command.includes('echo iteration-$0') && j.pid != null));
    await waitFor('sleep under the job\'s sh', () =>
      readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
        .some((c) => { try { return readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } }));
    await t.send('\x03');
    const status = await t.wait();
    assert.equal(status, 130, 'the script ended of SIGINT, as bash loop.sh with plain commands');
    const all = await (await h.api()).status();
    assert.equal(all.filter((j) => j.command.includes('echo iteration-$0') && j.state === 'running').length, 0, 'no second iteration started');
  });

  // Only a typed Ctrl-C goes to the script: a job interrupted by `kill -INT` from elsewhere ends
  // alone, and the loop goes on, as it does for a plain command that another shell interrupts.
  test('a job interrupted by kill -INT from elsewhere ends alone: the script\'s loop goes on', async () => {
    const loop = h.write('loop2.sh', `for i in 1 2; do "${process.execPath}" "${CLI}" run -- sh -c 'echo round-$0; sleep 1000' $i; echo "rc=$?"; done; echo LOOP2-END\n`);
    const t = await Pty.spawn(['bash', loop], { ...h.env, TERM: 'xterm' });
    open.push(t);
    for (const round of [1, 2]) {
      await t.expect(new RegExp(`round-${round}`), `round ${round}`);
      const sh = await waitFor(`round ${round}'s job`, async () => (await (await h.api()).status()).find((j) => j.command.includes('echo round-$0') && j.pid != null && j.state === 'running'));
      await waitFor('sleep under the job\'s sh', () =>
        readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
          .some((c) => { try { return readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } }));
      assert.equal((await h.cli(['kill', '-INT', `%${sh.job}`])).code, 0);
      await t.expect(/rc=130/, `round ${round} ended with 130 and the script went on`);
    }
    await t.expect(/LOOP2-END/, 'the loop ran to its end');
    assert.equal(await t.wait(), 0);
  });

  test('the window size reaches the job, and follows a resize', async () => {
    const t = await term(['run', '--', 'sh', '-c', 'trap "stty size" WINCH; stty size; while :; do sleep 0.05; done'], 33, 101);
    await t.expect(/33 101/, 'stty size inside the job');
    await t.resize(40, 120);
    await t.expect(/40 120/, 'the new size after SIGWINCH');
    // Ctrl-C until it ends: one that comes while dash runs no `sleep` of the loop is lost (dash's
    // own behaviour, in a plain pty too), as a person then presses it again.
    for (let i = 0; ; i++) {
      await t.send('\x03');
      try {
        await t.wait(2);
        break;
      } catch (err) {
        if (i === 4) throw err;
      }
    }
  });

  test('keys typed in two reads: Ctrl-\\ then another key reaches the job; Ctrl-\\ then Ctrl-D detaches', async () => {
    // The helper reads the terminal itself (the CLI hands it over): the detach keys are found
    // there too, also when they come in two reads.
    const t = await term(['run', '--', 'sh', '-c', 'stty raw -echo; echo ready; head -c 2 | od -An -tx1; echo done; exec sleep 1000']);
    await t.expect(/ready/, 'the job started');
    await t.send('\x1c');
    // Spacing, not a wait for an event: the next key must come in a read of its own.
    await new Promise((r) => setTimeout(r, 200));
    await t.send('x');
    await t.expect(/1c 78[\s\S]*done/, 'Ctrl-\\ and x reached the job');
    await t.send('\x1c');
    await new Promise((r) => setTimeout(r, 200));
    await t.send('\x04');
    assert.equal(await t.wait(), 0, 'detached');
    const j = (await (await h.api()).jobs()).find((x) => x.command.includes('head -c 2'));
    assert.ok(j && j.pid && alive(j.pid), 'the job is still running after the detach');
    process.kill(j.pid, 'SIGKILL');
  });

  test('a job survives its terminal closing and is taken to the foreground from another one', async () => {
    const t = await term(['run', '--name', 'keeper', '--', 'sh', '-c', 'echo ready; while read l; do echo "got $l"; done']);
    await t.expect(/ready/, 'the job started');
    await t.send('one\r');
    await t.expect(/got one/, 'the job answers');
    await t.send('\x1c\x04'); // detach keys: leave it running
    assert.equal(await t.wait(), 0);
    await t.close();
    const j = (await (await h.api()).jobs()).find((x) => x.command.includes('while read'));
    assert.ok(j && j.pid && alive(j.pid), 'the job is still running');
    const f = await term(['fg', `%${j.number}`]);
    await f.send('two\r');
    await f.expect(/got two/, 'the job answers the new terminal');
    await f.send('\x04');
    assert.equal(await f.wait(), 0);
  });

  test('without a terminal, run relays plain bytes and exits with the job\'s status', async () => {
    const r = await h.cli(['run', '--', 'sh', '-c', 'tr a-z A-Z; exit 7'], { input: 'plain bytes\n', timeoutMs: 15_000 });
    assert.equal(r.stdout, 'PLAIN BYTES\n');
    assert.equal(r.code, 7);
  });

  test('run passes on the caller\'s umask, as a shell\'s child inherits it', async () => {
    const r = spawnSync('sh', ['-c', `umask 077; "${process.execPath}" "${CLI}" run -- sh -c umask`], { env: h.env, encoding: 'utf8', input: '' });
    assert.equal(r.stdout, '0077\n', r.stderr);
  });

  test('run --bg prints [N] PID; jobs, -l, -p match bash; kill -STOP shows Stopped (signal) with -l', async () => {
    for (const j of await (await h.api()).jobs()) if (j.pid) await h.cli(['kill', '-KILL', `%${j.number}`]);
    await h.cli(['jobs']); // report and forget what ended
    const a = await h.cli(['run', '--bg', '--', 'sleep', '100']);
    assert.match(a.stdout, /^\[(\d+)\] (\d+)\n$/);
    const [, na, pa] = /^\[(\d+)\] (\d+)/.exec(a.stdout)!;
    const b = await h.cli(['run', '--bg', '--', 'sleep', '200']);
    const [, nb, pb] = /^\[(\d+)\] (\d+)/.exec(b.stdout)!;
    const c = await h.cli(['run', '--bg', '--', 'sleep', '300']);
    const [, nc, pc] = /^\[(\d+)\] (\d+)/.exec(c.stdout)!;
    const amb = await h.cli(['kill', '%sleep']);
    assert.equal(amb.code, 1);
    assert.match(amb.stderr, /%sleep: ambiguous job spec/);
    assert.equal((await h.cli(['kill', '-STOP', `%${nc}`])).code, 0);
    await waitFor('sleep 300 stopped', async () => (await h.cli(['jobs'])).stdout.includes('Stopped'));
    const jobs = (await h.cli(['jobs'])).stdout;
    assert.equal(jobs, [
      `[${na}]   Running                 sleep 100 &`,
      `[${nb}]-  Running                 sleep 200 &`,
      `[${nc}]+  Stopped                 sleep 300`,
      '',
    ].join('\n'));
    const long = (await h.cli(['jobs', '-l'])).stdout;
    assert.equal(long, [
      `[${na}]  ${pa.padStart(5)} Running                 sleep 100 &`,
      `[${nb}]- ${pb.padStart(5)} Running                 sleep 200 &`,
      `[${nc}]+ ${pc.padStart(5)} Stopped (signal)        sleep 300`,
      '',
    ].join('\n'));
    assert.equal((await h.cli(['jobs', '-p'])).stdout, `${pa}\n${pb}\n${pc}\n`);
    // -r running only, -s stopped only, job specs only those named (one that names none: status 1).
    assert.equal((await h.cli(['jobs', '-r'])).stdout, jobs.split('\n').slice(0, 2).join('\n') + '\n');
    assert.equal((await h.cli(['jobs', '-s', '-p'])).stdout, `${pc}\n`);
    const named = await h.cli(['jobs', '%-', '%9999', '%?300']);
    assert.deepEqual([named.code, named.stdout, named.stderr], [1, `[${nb}]-  Running                 sleep 200 &\n[${nc}]+  Stopped                 sleep 300\n`, 'appinit: jobs: %9999: no such job\n']);
    // bg continues it; kill %- and %?200 name jobs as bash does.
    assert.match((await h.cli(['bg', `%${nc}`])).stdout, new RegExp(`^\\[${nc}\\]\\+ sleep 300 &`));
    assert.equal((await h.cli(['kill', '%?200'])).code, 0);
    assert.equal((await h.cli(['kill', '-9', `%${na}`])).code, 0);
    await waitFor('both ended', () => !alive(Number(pa)) && !alive(Number(pb)));
    const done = (await h.cli(['jobs'])).stdout;
    assert.match(done, new RegExp(`\\[${na}\\]   Killed                  sleep 100\\n`));
    assert.match(done, new RegExp(`\\[${nb}\\]-  Terminated              sleep 200\\n`));
    assert.doesNotMatch((await h.cli(['jobs'])).stdout, /Killed|Terminated/, 'finished jobs are reported once, then forgotten');
    const w = await h.cli(['kill', '%9999']);
    assert.equal(w.code, 1);
    assert.match(w.stderr, /%9999: no such job/);
    await h.cli(['kill', '-9', `%${nc}`]);
  });

  test('wait returns the job\'s status; kill -l lists signals as bash does; pkill -f matches command lines', async () => {
    const r = await h.cli(['run', '--bg', '--', 'sh', '-c', 'sleep 0.3; exit 5']);
    const n = /^\[(\d+)\]/.exec(r.stdout)![1];
    const w = await h.cli(['wait', `%${n}`]);
    assert.equal(w.code, 5);
    const list = (await h.cli(['kill', '-l'])).stdout;
    const bash = spawnSync('bash', ['-c', 'kill -l'], { encoding: 'utf8' }).stdout;
    assert.equal(list, bash);
    // kill -l ARG: a number (or an exit status above 128) names its signal, a name gives its number.
    const args = ['9', '137', 'TERM', 'sigint', 'SIGRTMIN+2', '64'];
    assert.equal((await h.cli(['kill', '-l', ...args])).stdout, spawnSync('bash', ['-c', `kill -l ${args.join(' ')}`], { encoding: 'utf8' }).stdout);
    const bad = await h.cli(['kill', '-l', '99']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /kill: 99: invalid signal specification/);
    const help = await h.cli(['kill', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: appinit kill /);
    const name = await h.cli(['kill', '-9', 'nosuchprogram']);
    assert.equal(name.code, 1);
    assert.match(name.stderr, /nosuchprogram: no program of that name, and not a job spec .* to signal processes by name: appinit pkill nosuchprogram/);
    const p = await h.cli(['run', '--bg', '--', 'sleep', '4242']);
    const pid = Number(/ (\d+)$/m.exec(p.stdout)![1]);
    assert.equal((await h.cli(['pkill', '-KILL', '-f', 'sleep 42'])).code, 0);
    await waitFor('pkill reached it', () => !alive(pid));
  });

  test('wait PID (the $! run --bg printed) returns the job\'s status after jobs reported and forgot the job, as bash\'s bgpids', async () => {
    const r = await h.cli(['run', '--bg', '--', 'sh', '-c', 'sleep 0.3; exit 3']);
    const [, n, pid] = /^\[(\d+)\] (\d+)\n$/.exec(r.stdout)!;
    // Seen ended by a listing that does not report it, so that the plain `jobs` below does.
    await waitFor('the job ended', async () => (await (await h.api()).jobs({ keep: true })).some((j) => j.number === Number(n) && j.status.kind === 'done'));
    assert.equal((await h.cli(['jobs', '-p'])).stdout.split('\n').filter((l) => l === pid).length, 1, 'jobs -p: the ended job\'s pid');
    assert.match((await h.cli(['jobs'])).stdout, new RegExp(`\\[${n}\\][+ -]  Exit 3 {18}sh -c 'sleep 0.3; exit 3'\\n`));
    assert.doesNotMatch((await h.cli(['jobs'])).stdout, /Exit 3/, 'reported once, then forgotten');
    for (let i = 0; i < 2; i++) {
      const w = await h.cli(['wait', pid]);
      assert.deepEqual([w.code, w.stderr], [3, ''], `wait ${pid} (${i + 1}): the job's status, as bash's wait $! after jobs showed it`);
    }
    const gone = await h.cli(['wait', `%${n}`]);
    assert.deepEqual([gone.code, gone.stderr], [127, `appinit: wait: %${n}: no such job\n`], 'the job itself is forgotten, as in bash');
  });

  test('only a listing that printed an ended job reports it: jobs -r, -s, -p, jobs %N of another and a closed pipe leave it to jobs', async () => {
    for (const j of await (await h.api()).jobs()) if (j.pid) await h.cli(['kill', '-KILL', `%${j.number}`]);
    await waitFor('nothing running', async () => (await (await h.api()).jobs({ keep: true })).every((j) => j.status.kind !== 'running'));
    await h.cli(['jobs']); // report and forget what ended
    const [, na, pa] = /^\[(\d+)\] (\d+)/.exec((await h.cli(['run', '--bg', '--', 'sleep', '1001'])).stdout)!;
    const [, nb, pb] = /^\[(\d+)\] (\d+)/.exec((await h.cli(['run', '--bg', '--', 'sh', '-c', 'exit 4'])).stdout)!;
    await waitFor('the second job ended', async () => (await (await h.api()).jobs({ keep: true })).some((j) => j.number === Number(nb) && j.status.kind === 'done'));
    const running = `[${na}]-  Running                 sleep 1001 &\n`;
    const exit4 = `[${nb}]+  Exit 4                  sh -c 'exit 4'\n`;
    try {
      assert.equal((await h.cli(['jobs', '-r'])).stdout, running);
      assert.equal((await h.cli(['jobs', '-s'])).stdout, '');
      // The ended job's pid, not an empty line.
      assert.equal((await h.cli(['jobs', '-p'])).stdout, `${pa}\n${pb}\n`);
      assert.equal((await h.cli(['jobs', `%${na}`])).stdout, running);
      assert.equal((await h.cli(['jobs', '-l', `%${na}`])).stdout, `[${na}]- ${pa.padStart(5)} Running                 sleep 1001 &\n`);
      // A reader gone before anything was written saw no line: nothing is reported. The reader
      // closes its end, then lets jobs go through a FIFO: jobs writes only once nobody reads.
      const gate = join(h.home, 'jobs-gate');
      assert.equal(spawnSync('mkfifo', [gate]).status, 0);
      const piped = spawnSync('sh', ['-c', `{ read _ < "${gate}"; "${process.execPath}" "${CLI}" jobs; } | { exec 0<&-; echo go > "${gate}"; }`], { env: h.env, encoding: 'utf8', timeout: 30_000 });
      assert.equal(piped.status, 0, piped.stderr);
      assert.equal((await h.cli(['jobs'])).stdout, running + exit4, 'the plain jobs reports it');
      assert.equal((await h.cli(['jobs'])).stdout, running.replace(']-', ']+'), 'once');
      // jobs -l %N naming an ended job prints it (with its pid, as bash's) and so reports it.
      const [, nc, pc] = /^\[(\d+)\] (\d+)/.exec((await h.cli(['run', '--bg', '--', 'sh', '-c', 'exit 6'])).stdout)!;
      await waitFor('the third job ended', async () => (await (await h.api()).jobs({ keep: true })).some((j) => j.number === Number(nc) && j.status.kind === 'done'));
      assert.equal((await h.cli(['jobs', '-l', `%${nc}`])).stdout, `[${nc}]+ ${pc.padStart(5)} Exit 6                  sh -c 'exit 6'\n`);
      assert.equal((await h.cli(['jobs'])).stdout, running.replace(']-', ']+'), 'jobs -l %N reported it');
    } finally {
      await h.cli(['kill', '-KILL', `%${na}`]);
    }
  });

  test('a stop from another shell (kill -STOP) comes from the kernel and shows in status', async () => {
    await h.up(`programs:\n  svc:\n    command: sleep 1000\n`);
    const j = await h.waitJob('svc', 'running', (x) => x.state === 'running');
    process.kill(j.pid!, 'SIGSTOP');
    await h.waitJob('svc', 'shown as stopped', (x) => x.suspended);
    assert.match((await h.cli(['status', 'svc'])).stdout, /running\(stopped\)/);
    process.kill(j.pid!, 'SIGCONT');
    await h.waitJob('svc', 'continued', (x) => !x.suspended);
    assert.match((await h.cli(['jobs'])).stdout, /Running {17}sleep 1000 &/);
  });

  test('what a job left in the background runs on after it ends, as under bash (no SIGHUP from its terminal)', async () => {
    const pidFile = h.write('bgkid.pid', '');
    const r = await h.cli(['run', '--bg', '--', 'sh', '-c', `sleep 60 & echo $! > ${pidFile}; exit 3`]);
    assert.equal(r.code, 0, r.stderr);
    const kid = await waitFor('the background sleep\'s pid', () => Number(readFileSync(pidFile, 'utf8')) || 0);
    // The session's leader is the job's keeper: its exit is when the terminal would hang up.
    const keeper = Number(statField(kid, 6));
    await waitFor('the job ended', async () => /Exit 3/.test((await h.cli(['jobs'])).stdout));
    await waitFor('the keeper (the session leader) gone', () => !alive(keeper));
    try {
      assert.ok(alive(kid), 'the background sleep is alive after its job ended');
      // Reported once, as bash reports `Exit 3` once, though its sleep runs on.
      assert.doesNotMatch((await h.cli(['jobs'])).stdout, /Exit 3/, 'not reported a second time');
    } finally {
      try { process.kill(kid, 'SIGKILL'); } catch { /* gone */ }
    }
  });

  test('run on a terminal and wait %N return with the command\'s status while what it left runs on, as bash\'s wait', async () => {
    const pidFile = h.write('bgkid2.pid', '');
    const p = await term(['run', '--', 'sh', '-c', `sleep 60 & echo $! > ${pidFile}; exit 4`]);
    try {
      assert.equal(await p.wait(15), 4, 'run returned the command\'s status, not waiting for its background sleep');
    } finally {
      const kid = Number(readFileSync(pidFile, 'utf8')) || 0;
      if (kid) try { process.kill(kid, 'SIGKILL'); } catch { /* gone */ }
    }
    const pidFile3 = h.write('bgkid3.pid', '');
    const bg = await h.cli(['run', '--bg', '--', 'sh', '-c', `nohup sleep 60 >/dev/null 2>&1 & echo $! > ${pidFile3}; sleep 0.3; exit 5`]);
    const n = Number(/^\[(\d+)\]/.exec(bg.stdout)?.[1]);
    const kid3 = await waitFor('the nohup\'d sleep\'s pid', () => Number(readFileSync(pidFile3, 'utf8')) || 0);
    try {
      const w = await h.cli(['wait', `%${n}`], { timeoutMs: 15_000 });
      assert.equal(w.code, 5, `wait %${n}: the command's status (${w.stderr})`);
      assert.ok(alive(kid3), 'its nohup\'d sleep runs on');
      assert.doesNotMatch((await h.cli(['jobs'])).stdout, /Exit 5/, 'wait took its report');
    } finally {
      try { process.kill(kid3, 'SIGKILL'); } catch { /* gone */ }
    }
  });
});

describe('programs are jobs too', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a tty: true program appears in jobs, is taken to the foreground, and left with the detach keys', async () => {
    await h.up(`programs:\n  repl:\n    command: sh -c 'while read l; do echo "repl=$l"; done'\n    tty: true\n`);
    await h.waitJob('repl', 'running', (j) => j.state === 'running');
    const jobs = (await h.cli(['jobs'])).stdout;
    assert.match(jobs, /\[1\]\+  Running                 sh -c 'while read l; do echo "repl=\$l"; done' &/);
    const f = await Pty.spawn([process.execPath, CLI, 'fg', 'repl'], { ...h.env, TERM: 'xterm' });
    try {
      await f.expect(/while read/, 'fg prints the command');
      await f.send('hi\r');
      await f.expect(/repl=hi/, 'the program answers');
      await f.send('\x1c\x04');
      assert.equal(await f.wait(), 0, 'detached');
      assert.equal((await h.status())[0].state, 'running', 'still running after detach');
    } finally {
      await f.close();
    }
  });
});
