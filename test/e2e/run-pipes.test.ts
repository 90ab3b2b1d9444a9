// `appinit run` without a terminal, in a shell pipeline: the job writes into the pipeline as if it
// were the pipeline's first command. When the reader leaves (`| head -1`) the job gets the broken
// pipe at its next write and ends of SIGPIPE, as the same command would in bash; a Ctrl-C (or
// `timeout`'s TERM) that reaches the CLI reaches the job's process group too.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { alive, CLI, TestHome, waitFor } from './harness.js';
import { pipeline } from './pipeline.js';

describe('run in a pipeline', () => {
  const h = new TestHome();
  before(async () => {
    assert.equal((await h.cli(['status'])).code, 0); // the daemon, started once
  });
  after(() => h.cleanup());

  // How a job's leader ended, from its accounting record: a job `run` ran in the foreground is
  // forgotten once run has told its status (as bash forgets a foreground job).
  const ended = (command: string) => waitFor(`an accounting record of ${command}`, async () => {
    const recs = await (await h.api()).acct({ command: command.split(' ')[0] });
    return recs.filter((r) => r.command === command).at(-1) ?? null;
  });
  const job = async (command: string) => {
    const all = await (await h.api()).jobs();
    const j = all.filter((x) => x.command === command).at(-1);
    assert.ok(j, `a job running ${command}: ${JSON.stringify(all.map((x) => x.command))}`);
    return j;
  };

  test('`run -- yes | head -2`: yes ends of the broken pipe, the pipeline ends', async () => {
    const r = await pipeline(h, 'appinit run -- yes | head -2');
    assert.equal(r.out, 'y\ny\n');
    assert.deepEqual([r.cli, r.last], [141, 0], `statuses as bash gives for yes | head -2; stderr: ${r.err}`);
    const r2 = await ended('yes');
    assert.deepEqual([r2.signal, r2.exitCode], [13, null], 'ended of SIGPIPE ("Broken pipe")');
    assert.doesNotMatch((await h.cli(['jobs'])).stdout, /yes/, 'run told its status: not listed again by jobs');
  });

  // A full disk is a reader gone too: `yes > /dev/full` in bash ends, with status 1. run said the
  // error and exited 1, and yes ran on in the background, blocked on a pipe nobody read.
  test('`run -- yes > /dev/full`: the error is said once, run exits 1, yes ends of its broken pipe', async () => {
    const full = openSync('/dev/full', 'w');
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(process.execPath, [CLI, 'run', '--', 'yes', 'full-disk'], { env: { ...process.env, APPINIT_HOME: h.home }, stdio: ['ignore', full, 'pipe'] });
      let err = '';
      c.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
      const kill = setTimeout(() => c.kill('SIGKILL'), 20_000);
      c.on('close', (code) => { clearTimeout(kill); resolve({ code, err }); });
    });
    closeSync(full);
    assert.equal(r.code, 1, r.err);
    assert.equal(r.err, 'appinit: stdout: ENOSPC: no space left on device, write\n');
    const rec = await ended('yes full-disk');
    assert.equal(rec.signal, 13, 'yes ended of SIGPIPE, not left running');
  });

  // run passes on the TERM it gets (timeout's) to its job: a job that ends of it ends run the same
  // way, quietly, as `timeout 2 sleep 10` prints nothing; a job that ends of its own TERM is said.
  test('`timeout 1 appinit run -- sleep 30` ends quietly (124, no "Terminated"); a job killed by its own TERM is said', () => {
    const env = { ...process.env, APPINIT_HOME: h.home };
    const t = spawnSync('sh', ['-c', `timeout 1 "${process.execPath}" "${CLI}" run -- sleep 30 </dev/null`], { env, encoding: 'utf8', timeout: 30_000 });
    assert.deepEqual([t.status, t.stderr], [124, ''], t.stderr);
    const own = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" run -- sh -c 'kill -TERM $$' </dev/null`], { env, encoding: 'utf8', timeout: 30_000 });
    assert.deepEqual([own.status, own.stderr], [143, 'Terminated\n']);
  });

  // What wrote nothing did not fail: `true > /dev/full` is 0. run made an empty write of its own
  // at its end (to wait for its output to drain), which /dev/full refuses. And `acct --pacct -`
  // into `| head -c 64` (more records than a pipe holds) ends quietly, without claiming all its records were written.
  test('`run -- true > /dev/full` exits 0; `acct --pacct - | head -c 64` says nothing on stderr', () => {
    const env = { ...process.env, APPINIT_HOME: h.home };
    const t = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" run -- true > /dev/full`], { env, encoding: 'utf8' });
    assert.deepEqual([t.status, t.stderr], [0, ''], 'nothing written, nothing failed');
    // What did write and failed still fails, as ls > /dev/full does: a script's `status --json >
    // state.json && deploy` must not go on with an empty file.
    for (const verb of [['status', '--json'], ['ps'], ['info']]) { // (status with no programs writes nothing to stdout)
      const f = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" ${verb.join(' ')} > /dev/full`], { env, encoding: 'utf8' });
      assert.deepEqual([f.status, f.stderr], [1, 'appinit: stdout: ENOSPC: no space left on device, write\n'], verb.join(' '));
    }
    const a = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" run -- sh -c 'for i in $(seq 1500); do /bin/true; done' >/dev/null; "${process.execPath}" "${CLI}" acct --pacct - | head -c 64 | wc -c; echo "\${PIPESTATUS[0]}"`], { env, encoding: 'utf8' });
    assert.equal(a.stdout, '64\n141\n', a.stderr);
    assert.equal(a.stderr, '', 'no "wrote N records" for records that were not written');
  });

  // Node reads the command line as UTF-8: a Latin-1 byte reached the job as U+FFFD (another file
  // name). Refused, naming it, and nothing runs; valid UTF-8 (U+FFFD itself too) passes unchanged.
  test('an argument that is not UTF-8 is refused, not changed', () => {
    const bad = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" run -- printf %s $'caf\\xe9'`], { env: { ...process.env, APPINIT_HOME: h.home }, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, 'appinit: argument 5 ("caf\\xe9") is not valid UTF-8: appinit passes arguments to jobs as text (recode it, e.g. with iconv, or use a file)\n');
    const good = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" run -- printf %s $'caf\\xc3\\xa9 \\xef\\xbf\\xbd'`], { env: { ...process.env, APPINIT_HOME: h.home }, encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
    assert.equal(good.stdout, 'café \uFFFD');
    // A working directory that is not UTF-8: the job got the U+FFFD path ("No such file or directory").
    const dir = `${h.home}/latin1`;
    const cd = spawnSync('bash', ['-c', `mkdir $'${dir}\\xe9' && cd $'${dir}\\xe9' && "${process.execPath}" "${CLI}" run -- pwd; echo "rc=$?"; "${process.execPath}" "${CLI}" status > /dev/null; echo "status=$?"`], { env: { ...process.env, APPINIT_HOME: h.home }, encoding: 'utf8' });
    assert.match(cd.stderr, /^appinit: the working directory \(.*latin1\\xe9\) is not valid UTF-8: appinit passes paths to jobs as text \(cd to another directory, or give --cwd\)$/m);
    assert.match(cd.stdout, /^rc=2\nstatus=0\n$/, 'refused for run; status, which passes no path, runs');
  });

  test('a write after the reader left fails as in bash: the same output, stderr and statuses', async () => {
    // The second echo comes a second after head has left: the job's own write must fail (its
    // output went through the CLI, so only the CLI saw the reader go).
    const script = `echo hi; sleep 1; echo bye; echo after-bye >&2`;
    const bash = await pipeline(h, `sh -c '${script}' | head -1`);
    const ours = await pipeline(h, `appinit run -- sh -c '${script}' | head -1`);
    assert.deepEqual(bash, { out: 'hi\n', err: '', cli: 141, last: 0 }, 'bash itself');
    assert.deepEqual(ours, bash);
    const r = await ended(`sh -c '${script}'`);
    assert.equal(r.signal, 13, 'the job ended at its second echo, of SIGPIPE');
  });

  test('a reader that is behind holds the job back in its write; every line comes through', async () => {
    // ~15 MB, more than the helper queues for a client: the job must wait, as seq | wc -l would.
    const go = join(h.home, 'go');
    const done = pipeline(h, `appinit run -- seq 1 2000000 | (while [ ! -e ${go} ]; do sleep 0.05; done; wc -l)`);
    // Held back: still running, in a write, and the helper no longer reads it (its log stays as
    // it is). A helper that reads on (and queues or drops for the client) lets seq finish instead.
    const log = join(h.home, 'logs', 'seq', 'out.log');
    let size = -1;
    try {
      await waitFor('seq held back in a write while the reader does not read (its log no longer growing)', async () => {
        const j = (await (await h.api()).jobs()).find((x) => x.command === 'seq 1 2000000');
        const pid = j?.status.kind === 'running' ? j.pids[0] : undefined;
        if (pid == null || !readFileSync(`/proc/${pid}/wchan`, 'utf8').includes('pipe_write')) return false;
        const before = size;
        size = statSync(log).size;
        return size === before;
      }, 10_000, 200);
    } finally {
      writeFileSync(go, '');
    }
    const r = await done;
    assert.deepEqual([r.out, r.cli, r.last], ['2000000\n', 0, 0], r.err);
  });

  test('a pipe into run: every byte reaches a job that reads late', async () => {
    // 50 MB and 3,000,000 lines, more than the helper queues for a job's input (1 MB): it dropped
    // the rest (wc -c said 1114112, wc -l 175031).
    const bytes = await pipeline(h, `head -c 50000000 /dev/zero | appinit run -- sh -c 'sleep 1; wc -c'`);
    assert.deepEqual([bytes.out.trim(), bytes.last], ['50000000', 0], bytes.err);
    const lines = await pipeline(h, `seq 1 3000000 | appinit run -- sh -c 'sleep 1; wc -l' | cat`);
    assert.deepEqual([lines.out.trim(), lines.last], ['3000000', 0], lines.err);
  });

  test('a job on a terminal, brought to a pipe with fg: the command ends, the job runs on', async () => {
    const bg = await h.cli(['run', '--bg', '--', 'yes']);
    const n = /^\[(\d+)\]/.exec(bg.stdout)?.[1];
    assert.ok(n, bg.stdout + bg.stderr);
    const r = await pipeline(h, `appinit fg %${n} | head -2`);
    assert.equal(r.cli, 141, r.err);
    const jobs = await h.cli(['jobs', `%${n}`]);
    assert.match(jobs.stdout, /Running +yes &$/m, 'still running, in the background');
    assert.equal((await h.cli(['kill', '-KILL', `%${n}`])).code, 0);
  });

  test('fg into a pipe prints the command line first, as one line, then the job\'s output', async () => {
    const command = 'kill -STOP $$; echo after-fg';
    const bg = await h.cli(['run', '--bg', '--', 'sh', '-c', command]);
    const n = /^\[(\d+)\]/.exec(bg.stdout)?.[1];
    assert.ok(n, bg.stdout + bg.stderr);
    await waitFor('the job to have stopped itself', async () => (await job(`sh -c '${command}'`)).status.kind === 'stopped');
    const r = await pipeline(h, `appinit fg %${n} | cat`);
    assert.equal(r.cli, 0, r.err);
    // bash prints the command, then the job writes; through a pipe a line ends in \n alone (the
    // job's own line comes through its pseudo-terminal, which makes it \r\n).
    assert.equal(r.out, `sh -c '${command}'\nafter-fg\r\n`);
  });

  test('fg of a job that continues and ends at once, and of a job kept through a kill -9 of the helper, returns at its end', async () => {
    // Continued before the attachment was in place, the job's end went nowhere and fg waited for ever.
    const quick = 'kill -STOP $$; exit 6';
    const bg = await h.cli(['run', '--bg', '--', 'sh', '-c', quick]);
    const n = /^\[(\d+)\]/.exec(bg.stdout)?.[1];
    await waitFor('the job to have stopped itself', async () => (await job(`sh -c '${quick}'`)).status.kind === 'stopped');
    const r = await pipeline(h, `appinit fg %${n} | cat`);
    assert.deepEqual([r.out, r.cli], [`sh -c '${quick}'\n`, 6], r.err);
    // A job the next helper adopted: its end is the daemon's to tell (the helper is not its parent).
    const go = join(h.home, 'go-adopted');
    const kept = `while [ ! -e ${go} ]; do sleep 0.05; done; echo ended`;
    const bg2 = await h.cli(['run', '--bg', '--', 'sh', '-c', kept]);
    const n2 = /^\[(\d+)\]/.exec(bg2.stdout)?.[1];
    const old = h.helperPid();
    process.kill(old, 'SIGKILL');
    await waitFor('a new supervise helper', async () => (await h.cli(['info'])).stdout.includes('supervise helper pid') && h.helperPid() !== old);
    const fg = spawn(process.execPath, [CLI, 'fg', `%${n2}`], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      fg.stdout.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => fg.on('exit', (c) => resolve(c)));
      await waitFor('fg to print the command line', () => out.startsWith(`sh -c '${kept}'\n`));
      writeFileSync(go, '');
      const got = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
      assert.notEqual(got, 'timeout', `fg returned once the adopted job ended; its output: ${JSON.stringify(out)}`);
      const jobs = await h.cli(['jobs']);
      assert.doesNotMatch(jobs.stdout, /Running/, 'the job has ended');
    } finally {
      fg.kill('SIGKILL');
    }
  });

  test('Ctrl-Z (SIGTSTP) to run without a terminal stops the job, not only run: 148 and [N]+ Stopped', async () => {
    const command = 'echo up; exec sleep 1000 # TSTP';
    const cli = spawn(process.execPath, [CLI, 'run', '--', 'sh', '-c', command], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      cli.stdout.on('data', (d) => (out += d));
      cli.stderr.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((resolve) => cli.on('exit', (c) => resolve(c)));
      await waitFor('the job\'s first line through the CLI', () => out.includes('up\n'));
      const j = await job(`sh -c '${command}'`);
      cli.kill('SIGTSTP');
      const got = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
      assert.equal(got, 148, `run ends with 148; stderr: ${err}`);
      assert.match(err, new RegExp(`\\[${j.number}\\]\\+  Stopped`));
      await waitFor('the job stopped', async () => (await job(`sh -c '${command}'`)).status.kind === 'stopped');
      assert.equal((await h.cli(['kill', '-KILL', `%${j.number}`])).code, 0);
    } finally {
      cli.kill('SIGKILL');
    }
  });

  // After a Ctrl-C the CLI ends of SIGINT itself, once the job has (bash's "wait and cooperative
  // exit": a shell loop of `appinit run` stops as one of plain commands does); after a TERM it
  // passed on, of SIGTERM too, quietly (the shell sees 143, as for the plain command).
  for (const [sig, want, num] of [['SIGINT', 'SIGINT', 2], ['SIGTERM', 'SIGTERM', 15]] as const) {
    test(`${sig} to the CLI reaches the job; the CLI waits for its end and ends as the job did (${want})`, async () => {
      const command = `echo up; exec sleep 1000 # ${sig}`;
      const cli = spawn(process.execPath, [CLI, 'run', '--', 'sh', '-c', command], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        let out = '';
        cli.stdout.on('data', (d) => (out += d));
        const exited = new Promise<number | string | null>((resolve) => cli.on('exit', (c, s) => resolve(c ?? s)));
        await waitFor('the job\'s first line through the CLI', () => out.includes('up\n'));
        const j = await job(`sh -c '${command}'`);
        cli.kill(sig);
        const got = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
        assert.equal(got, want, 'the CLI ends as the job did');
        const rec = await ended(`sh -c '${command}'`);
        assert.equal(rec.signal, num, `the job ended of ${sig}`);
        for (const pid of j.pids) assert.ok(!alive(pid), `the job's process ${pid} is gone`);
      } finally {
        cli.kill('SIGKILL');
      }
    });
  }
});
