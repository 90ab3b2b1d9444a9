// pkill as procps has it (the name, or -f the command line; each process signalled is named;
// no pattern can hold the daemon), and bash's `wait` with no argument.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { alive, CLI, TestHome, waitFor } from './harness.js';

describe('pkill and wait', () => {
  const h = new TestHome();
  before(async () => {
    assert.equal((await h.cli(['status'])).code, 0);
  });
  after(() => h.cleanup());

  const bg = async (...argv: string[]) => {
    const r = await h.cli(['run', '--bg', '--', ...argv]);
    assert.equal(r.code, 0, r.stderr);
    const m = /^\[(\d+)\] (\d+)$/m.exec(r.stdout);
    assert.ok(m, `run --bg printed [N] PID: ${r.stdout}`);
    return { job: Number(m[1]), pid: Number(m[2]) };
  };

  test('pkill NAME matches the process name, not a command line that merely contains it', async () => {
    // A service whose command line contains "sleep 2", and a process named sleep inside a shell job.
    await h.up('programs:\n  svc:\n    command: sh -c "while :; do sleep 2; done" # sleep 2\n');
    const svc = await h.waitJob('svc', 'running', (j) => j.state === 'running' && j.pid != null);
    const sh = await bg('sh', '-c', 'sleep 1000; exit 7');
    // Named sleep only once it has exec'd: a child just forked is still named sh.
    const child = await waitFor('the sleep inside the shell job', () => {
      const kids = readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim();
      const kid = kids ? Number(kids.split(' ')[0]) : null;
      return kid && readFileSync(`/proc/${kid}/comm`, 'utf8').trim() === 'sleep' ? kid : null;
    });
    const none = await h.cli(['pkill', 'sleep 2']);
    assert.equal(none.code, 1, 'no process is named "sleep 2"');
    assert.equal(none.stdout, '');
    assert.ok(alive(svc.pid!), 'the service whose command line contains "sleep 2" is untouched');

    const r = await h.cli(['pkill', '-KILL', '^sleep$']);
    assert.equal(r.code, 0, r.stderr);
    // The service's own short sleep may be matched too (it is named sleep); the job's shell is not.
    assert.match(r.stdout, new RegExp(`^sleep \\(pid ${child}, job %${sh.job}\\): sent SIGKILL$`, 'm'));
    assert.doesNotMatch(r.stdout, new RegExp(`pid ${sh.pid},`));
    const w = await h.cli(['wait', `%${sh.job}`]);
    assert.equal(w.code, 7, 'the shell went on after its sleep was killed');
    assert.ok(alive(svc.pid!));
  });

  test('kill -0 (and -s 0) only asks whether a job or pid is there, as bash does; nothing is sent', async () => {
    // The job says when its trap is set: a TERM (or USR1) before it would end it at once, not with 3.
    const trapSet = join(h.home, 'trap-kill0');
    const j = await bg('sh', '-c', `trap "echo got; exit 3" USR1 TERM; : > ${trapSet}; while :; do sleep 0.1; done`);
    await waitFor(`the job's trap set (${trapSet})`, () => existsSync(trapSet));
    for (const argv of [['-0', `%${j.job}`], ['-s', '0', `%${j.job}`], ['-0', String(j.pid)], ['-0', '%?USR1']]) {
      const r = await h.cli(['kill', ...argv]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], `kill ${argv.join(' ')}`);
    }
    assert.ok(alive(j.pid), 'signal 0 sent nothing: the trap did not end the job');
    const none = await h.cli(['kill', '-0', '%99']);
    assert.deepEqual([none.code, none.stderr], [1, 'appinit: kill: %99: no such job\n']);
    assert.equal((await h.cli(['kill', `%${j.job}`])).code, 0);
    assert.equal((await h.cli(['wait', `%${j.job}`])).code, 3);
  });

  test('pkill -f matches the whole command line', async () => {
    const j = await bg('sh', '-c', 'exec sleep 4243');
    // The name pkill reports is the process's own: sleep once sh has exec'd it, not before.
    await waitFor('the job exec\'d sleep', () => readFileSync(`/proc/${j.pid}/comm`, 'utf8').trim() === 'sleep');
    const r = await h.cli(['pkill', '-f', 'sleep 424[0-9]']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `sleep (pid ${j.pid}, job %${j.job}): sent SIGTERM\n`);
    await waitFor('pkill -f reached it', () => !alive(j.pid));
  });

  test('pkill -x matches the whole name only; pkill -0 prints nothing and says by its status whether any matched', async () => {
    const j = await bg('sh', '-c', 'exec sleep 4244');
    await waitFor('the job exec\'d sleep', () => readFileSync(`/proc/${j.pid}/comm`, 'utf8').trim() === 'sleep');
    assert.equal((await h.cli(['pkill', '-x', 'slee'])).code, 1, '-x: slee is not the whole name');
    const zero = await h.cli(['pkill', '-0', '-x', 'sleep']);
    assert.deepEqual([zero.code, zero.stdout], [0, ''], 'matched, nothing sent, nothing said');
    assert.ok(alive(j.pid));
    const x = await h.cli(['pkill', '-x', 'sleep']);
    assert.ok(x.stdout.split('\n').includes(`sleep (pid ${j.pid}, job %${j.job}): sent SIGTERM`), x.stdout);
    await waitFor('pkill -x reached it', () => !alive(j.pid));
    // A name is 15 bytes at most: a longer pattern is warned of, as procps does; -f is not.
    const long = await h.cli(['pkill', '-x', 'averyveryverylongname']);
    assert.equal(long.code, 1);
    assert.match(long.stderr, /pattern that searches for process name longer than 15 characters will result in zero matches\nTry `appinit pkill -f' option/);
    assert.equal((await h.cli(['pkill', '-f', 'averyveryverylongname'])).stderr, '');
  });

  test('an exponential pattern does not hold the daemon: matching is linear', async () => {
    const j = await bg('sh', '-c', 'exec sleep 1000', `${'a'.repeat(60)}b`);
    const r = await h.cli(['pkill', '-f', '(a+)+$'], { timeoutMs: 20_000 });
    assert.equal(r.code, 1, `nothing ends in a: ${r.stdout}${r.stderr}`);
    assert.ok(alive(j.pid));
    const bad = await h.cli(['pkill', '(a)\\1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /backreference or lookaround/);
    await h.cli(['kill', '-9', `%${j.job}`]);
  });

  test('a job whose end wait reported is gone for a second wait, as in bash (no such job, 127)', async () => {
    const a = await bg('sh', '-c', 'exit 5');
    await waitFor('it ended', () => !alive(a.pid));
    const first = await h.cli(['wait', `%${a.job}`]);
    assert.equal(first.code, 5, first.stderr);
    const second = await h.cli(['wait', `%${a.job}`]);
    assert.equal(second.code, 127, second.stdout);
    assert.match(second.stderr, /no such job/);
  });

  test('wait with no argument waits for every job that ends by itself, and returns 0', async () => {
    const a = await bg('sh', '-c', 'sleep 0.3; exit 3');
    const b = await bg('sh', '-c', 'sleep 0.6; exit 4');
    const w = await h.cli(['wait']);
    assert.equal(w.code, 0, w.stderr);
    assert.ok(!alive(a.pid) && !alive(b.pid), 'both jobs had ended when wait returned');
    assert.ok((await h.status()).some((j) => j.name === 'svc' && j.state === 'running'), 'a restarting service is not waited for');
  });

  test('wait -n returns the status of the first job to end (127 when none is left); wait %A %B the last one\'s', async () => {
    await h.cli(['jobs']); // reports, and so forgets, jobs of earlier tests that ended (wait -n would report them first, as bash's)
    // Each job holds until the test removes its gate file: the order of their ends is the test's.
    const gate = (n: number) => join(h.home, `gate-${n}`);
    const gated = async (n: number, code: number) => {
      writeFileSync(gate(n), '');
      return bg('sh', '-c', `while [ -e ${gate(n)} ]; do sleep 0.05; done; exit ${code}`);
    };
    const a = await gated(1, 3);
    const b = await gated(2, 4);
    const c = await gated(3, 5);
    const first = h.cli(['wait', '-n']);
    unlinkSync(gate(2));
    assert.equal((await first).code, 4, 'b ended first');
    const among = h.cli(['wait', '-n', `%${a.job}`, `%${c.job}`]);
    unlinkSync(gate(3));
    assert.equal((await among).code, 5, 'c, the first of a and c');
    unlinkSync(gate(1));
    const both = await h.cli(['wait', `%${a.job}`, '%9999']);
    assert.deepEqual([both.code, both.stderr], [127, 'appinit: wait: %9999: no such job\n'], 'the last id names no job: 127, as bash');
    assert.ok(!alive(a.pid) && !alive(b.pid) && !alive(c.pid));
    assert.equal((await h.cli(['wait', '-n'])).code, 127, 'no job left to wait for');
  });

  test('wait as bash with stopped jobs: wait %N says it is stopped and returns 147, wait returns 0, wait -n 127', async () => {
    await h.cli(['jobs']);
    const s = await bg('sleep', '1000');
    assert.equal((await h.cli(['kill', '-STOP', `%${s.job}`])).code, 0);
    await waitFor('the job stopped', async () => (await (await h.api()).jobs()).find((j) => j.number === s.job)?.status.kind === 'stopped');
    const one = await h.cli(['wait', `%${s.job}`], { timeoutMs: 10_000 });
    assert.deepEqual([one.code, one.stderr], [147, `appinit: wait: job ${s.job} is stopped\n`]);
    const all = await h.cli(['wait'], { timeoutMs: 10_000 });
    assert.deepEqual([all.code, all.stderr], [0, `appinit: wait: job ${s.job} is stopped\n`]);
    assert.equal((await h.cli(['wait', '-n'], { timeoutMs: 10_000 })).code, 127, 'no running job to wait for');
    assert.equal((await h.cli(['kill', '-KILL', `%${s.job}`])).code, 0);
  });

  test('a wait cut short leaves the job and its status; wait -n goes past an id that names no job; wait takes a pid', async () => {
    await h.cli(['jobs']);
    const gate = join(h.home, 'gate-cut');
    writeFileSync(gate, '');
    const j = await bg('sh', '-c', `while [ -e ${gate} ]; do sleep 0.05; done; exit 7`);
    // `timeout 1 appinit wait %N`: the daemon's answer would have taken the job with it.
    const cut = spawn('timeout', ['0.5', process.execPath, CLI, 'wait', `%${j.job}`], { env: h.env, stdio: 'ignore' });
    assert.equal(await new Promise((r) => cut.on('exit', r)), 124);
    const some = h.cli(['wait', '-n', '%9998', `%${j.job}`]);
    unlinkSync(gate);
    const r = await some;
    assert.deepEqual([r.code, r.stderr], [7, 'appinit: wait: %9998: no such job\n'], 'wait -n said the missing one and waited for the other');
    assert.equal((await h.cli(['wait', '-n', '%9997'])).code, 127, 'only ids that name no job: 127, as bash');
    const p = await bg('sh', '-c', 'exit 9');
    assert.equal((await h.cli(['wait', String(p.pid)])).code, 9, 'wait PID, the pid run --bg printed');
  });

  test('a job run in the foreground is not listed again nor taken by wait -n; bg of a running job is a warning', async () => {
    await h.cli(['jobs']);
    assert.equal((await h.cli(['run', '--', 'sh', '-c', 'exit 4'])).code, 4);
    assert.doesNotMatch((await h.cli(['jobs'])).stdout, /exit 4/, 'run told its status: not listed by jobs');
    const gate = join(h.home, 'gate-fg');
    writeFileSync(gate, '');
    const b = await bg('sh', '-c', `while [ -e ${gate} ]; do sleep 0.05; done; exit 6`);
    const bgAgain = await h.cli(['bg', `%${b.job}`]);
    assert.deepEqual([bgAgain.code, bgAgain.stderr], [0, `appinit: bg: job ${b.job} already in background\n`]);
    const n = h.cli(['wait', '-n']);
    unlinkSync(gate);
    assert.equal((await n).code, 6, 'wait -n took the background job, not the one run in the foreground');
  });

  test('jobs -rs: the last of -r and -s wins, as bash; kill -L lists the signals as kill -l; a removed working directory is said in words', async () => {
    await h.cli(['jobs']);
    const run = await bg('sleep', '1001');
    const stop = await bg('sleep', '1002');
    assert.equal((await h.cli(['kill', '-STOP', `%${stop.job}`])).code, 0);
    await waitFor('the second job stopped', async () => (await (await h.api()).jobs()).find((j) => j.number === stop.job)?.status.kind === 'stopped');
    const rs = (await h.cli(['jobs', '-rs'])).stdout;
    assert.match(rs, new RegExp(`^\\[${stop.job}\\][+-] +Stopped +sleep 1002$`, 'm'));
    assert.doesNotMatch(rs, /Running/, '-s came last: stopped jobs only');
    const sr = (await h.cli(['jobs', '-sr'])).stdout;
    assert.match(sr, new RegExp(`^\\[${run.job}\\][+-] +Running +sleep 1001 &$`, 'm'));
    assert.doesNotMatch(sr, /Stopped/, '-r came last: running jobs only');
    assert.equal((await h.cli(['kill', '-L'])).stdout, (await h.cli(['kill', '-l'])).stdout);
    assert.equal((await h.cli(['kill', '-KILL', `%${run.job}`, `%${stop.job}`])).code, 0);
    const gone = join(h.home, 'gone-dir');
    const r = spawnSync('sh', ['-c', `mkdir ${gone} && cd ${gone} && rmdir ${gone} && "${process.execPath}" "${CLI}" run -- true`], { env: h.env, encoding: 'utf8' });
    assert.deepEqual([r.status, r.stderr], [1, 'appinit: the current directory no longer exists (removed under this shell); cd to one that does, or name one (run --cwd DIR)\n']);
  });

  test('a wait survives a kill -9 of the daemon: asked again of the next one, it gets the job\'s status', async () => {
    await h.cli(['jobs']);
    for (const [n, args] of [[1, (job: number) => ['wait', `%${job}`]], [2, () => ['wait', '-n']]] as [number, (job: number) => string[]][]) {
      const gate = join(h.home, `gate-kill-${n}`);
      writeFileSync(gate, '');
      const j = await bg('sh', '-c', `while [ -e ${gate} ]; do sleep 0.05; done; exit ${n + 8}`);
      const w = spawn(process.execPath, [CLI, ...args(j.job)], { env: h.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      w.stderr.on('data', (d) => (err += d));
      const ended = new Promise<number | null>((r) => w.once('exit', (code) => r(code)));
      // Once the daemon has accepted its connection (an accepted socket carries the listener's path
      // in /proc/net/unix, state 03), the kill cuts an open request: it failed so before the retry.
      const sock = join(h.home, 'appinit.sock');
      const accepted = () => readFileSync('/proc/net/unix', 'utf8').split('\n').filter((l) => l.endsWith(` ${sock}`) && l.split(/\s+/)[5] === '03').length;
      await waitFor(`the daemon holds the connection of appinit ${args(j.job).join(' ')}`, () => accepted() > 0);
      process.kill(h.daemonPid(), 'SIGKILL');
      h.reconnect();
      unlinkSync(gate);
      assert.equal(await ended, n + 8, `appinit ${args(j.job).join(' ')}: the job's status; stderr: ${err}`);
    }
  });
});
