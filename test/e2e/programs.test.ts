// `up` refuses files that cannot run, shows its plan (--dry-run), re-reads the last file;
// ad-hoc programs (start/list/describe/scale/delete) survive a daemon restart.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readlinkSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { alive, CLI, TestHome, waitFor } from './harness.js';

describe('up refuses a file that cannot run and changes nothing', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('unknown user, missing cwd, stdout directory and command: file:line:col, exit 1, running program untouched', async () => {
    await h.up('programs:\n  web:\n    command: sleep 1000\n');
    const before = await h.waitJob('web', 'running', (j) => j.pid != null);
    const bad = h.write('bad.yaml', `programs:
  web:
    command: sleep 1001
    user: nosuchuser-appinit
  cwd:
    command: sleep 1
    cwd: /nonexistent-appinit
  out:
    command: sleep 1
    stdout: /nonexistent-appinit/dir/out.log
  exe:
    command: nosuch-command-appinit --flag
`);
    const r = await h.cli(['up', bad]);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      `appinit: ${bad}:4:11: programs.web.user: no user "nosuchuser-appinit" on this system`,
      `appinit: ${bad}:7:10: programs.cwd.cwd: no such directory: /nonexistent-appinit`,
      `appinit: ${bad}:10:13: programs.out.stdout: no such directory: /nonexistent-appinit/dir (for /nonexistent-appinit/dir/out.log)`,
    ]);
    assert.match(lines[3], new RegExp(`^appinit: ${bad}:12:14: programs\\.exe\\.command: command not found: "nosuch-command-appinit" is not in PATH`));
    const now = await h.status();
    assert.deepEqual(now.map((j) => [j.name, j.pid, j.command]), [['web', before.pid, 'sleep 1000']]);
    assert.equal(alive(before.pid!), true);
  });

  test('a link to /dev/zero is refused at once', async () => {
    symlinkSync('/dev/zero', `${h.home}/zero.yaml`);
    const t0 = Date.now();
    const r = await h.cli(['up', `${h.home}/zero.yaml`], { timeoutMs: 10_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /zero\.yaml: a character device, not a regular file/);
    process.stdout.write(`# up of a link to /dev/zero refused in ${Date.now() - t0} ms (CLI start included)\n`);
  });
});

describe('up shows its plan', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('--dry-run prints + ~ - = with changed variables and changes nothing; up without FILE re-reads the last one', async () => {
    const file = h.write('app.yaml', 'programs:\n  web:\n    command: sleep 1000\n    env: { PORT: 80, OLD: x }\n  gone:\n    command: sleep 1001\n');
    await h.cli(['up', file]);
    const web = await h.waitJob('web', 'running', (j) => j.pid != null);
    h.write('.env', 'FROM_FILE=1\n');
    h.write('app.yaml', 'programs:\n  web:\n    command: sleep 1000\n    env: { PORT: 81 }\n    env_file: .env\n  new:\n    command: sleep 1002\n');
    const dry = await h.cli(['up', '--dry-run'], { cwd: '/' });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, new RegExp(`reading ${file} again`));
    assert.deepEqual(dry.stdout.trim().split('\n'), [
      '+ new (added, would be started)',
      '~ web (changed: env +FROM_FILE ~PORT -OLD, env_file; would be restarted)',
      '- gone (removed, would be stopped)',
      '(dry run: nothing changed)',
    ]);
    assert.deepEqual((await h.status()).map((j) => j.name).sort(), ['gone', 'web']);
    assert.equal((await h.status()).find((j) => j.name === 'web')!.pid, web.pid);
    const real = await h.cli(['up'], { cwd: '/' });
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /^~ web \(changed: env \+FROM_FILE ~PORT -OLD, env_file; restarted\)$/m);
    assert.match(real.stdout, /^- gone \(removed, stopped\)$/m);
    assert.deepEqual((await h.status()).map((j) => j.name).sort(), ['new', 'web']);
  });

  test('a file with no programs says it removes every program; an empty file is refused', async () => {
    h.write('app.yaml', 'programs: {}\n');
    const r = await h.cli(['up', `${h.home}/app.yaml`, '--dry-run']);
    assert.match(r.stdout, /has no programs: every program \(2\) would be removed/);
    assert.equal((await h.status()).length, 2);
    // A truncated file (0 bytes, or blank) is not a wish to stop everything.
    h.write('app.yaml', '\n');
    const e = await h.cli(['up', `${h.home}/app.yaml`]);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /app\.yaml:1:1: the file is empty; to remove every program, write programs: \{\}/);
    assert.equal((await h.status()).length, 2, 'nothing changed');
  });

  test('priority orders the start: lower first', async () => {
    // `a` comes first in the file; `z` has the lower priority, so it is spawned first (pids rise in spawn order).
    await h.up('programs:\n  a:\n    command: sleep 1004\n    priority: 5\n  z:\n    command: sleep 1003\n    priority: 1\n', 'prio.yaml');
    const s = await waitFor('both have pids', async () => {
      const s = await h.status();
      return s.length === 2 && s.every((j) => j.pid != null) ? s : null;
    });
    const z = s.find((j) => j.name === 'z')!;
    const a = s.find((j) => j.name === 'a')!;
    assert.ok(z.pid! < a.pid!, `z (priority 1) pid ${z.pid} was spawned after a (priority 5) pid ${a.pid}`);
  });
});

describe('up - reads the control file from standard input', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('piped text runs; a wrong field is <stdin>:line:col; an empty input is refused and removes nothing', async () => {
    const r = await h.cli(['up', '-'], { input: 'programs:\n  piped:\n    command: sleep 1005\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\+ piped \(added, started\)/);
    const job = await h.waitJob('piped', 'running', (j) => j.pid != null);
    const bad = await h.cli(['up', '-'], { input: 'programs:\n  piped:\n    command: sleep 1006\n    restart: sometimes\n' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /<stdin>:4:14: programs\.piped\.restart: expected one of always, on-failure, never, got "sometimes"/);
    const empty = await h.cli(['up', '-'], { input: '' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /standard input is empty/);
    const after = await h.status();
    assert.deepEqual(after.map((j) => [j.name, j.pid]), [['piped', job.pid]], 'the running program is untouched');
    // up without FILE (in a directory with none): the last one came from standard input; it said "none loaded before".
    mkdirSync(join(h.home, 'nothing-here'), { recursive: true });
    const again = spawnSync(process.execPath, [CLI, 'up'], { cwd: join(h.home, 'nothing-here'), env: h.env, encoding: 'utf8' });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /the last one was read from standard input, which cannot be read again: name the file \(appinit up FILE\)/);
  });

  test('up <(...): a pipe named as FILE is read, its relative paths from the working directory; up without FILE then asks for one', async () => {
    mkdirSync(join(h.home, 'subdir'));
    const sub = spawnSync('bash', ['-c', `node ${CLI} up <(printf 'programs:\\n  subst:\\n    command: sleep 1007\\n    cwd: subdir\\n')`], { cwd: h.home, env: h.env, encoding: 'utf8' });
    assert.equal(sub.status, 0, sub.stderr);
    assert.match(sub.stdout, /\+ subst \(added, started\)/);
    await h.waitJob('subst', 'running', (j) => j.pid != null);
    const again = await h.cli(['up', '--dry-run']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /came through a pipe \(\/dev\/fd\/\d+\); name the file, or pipe it again/);
  });

  test('up FIFO: with no writer yet it says it waits for one (it hung unsaid), then reads what the writer writes', async () => {
    const fifo = join(h.home, 'app.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const up = spawn(process.execPath, [CLI, 'up', fifo], { cwd: h.home, env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    up.stderr!.on('data', (d) => (err += d));
    up.stdout!.on('data', (d) => (out += d));
    const ended = new Promise<number | null>((resolve) => up.on('close', resolve));
    try {
      await waitFor('up to say it waits for a writer', () => /app\.fifo is a FIFO with no writer yet: waiting for one/.test(err));
      writeFileSync(fifo, 'programs:\n  fromfifo:\n    command: sleep 1009\n'); // the writer: opens, writes, closes
      assert.equal(await ended, 0, err);
      assert.match(out, /\+ fromfifo \(added, started\)/);
    } finally {
      up.kill('SIGKILL');
    }
  });

  test('up /dev/stdin is up -: named <stdin>, its relative paths from the working directory (not /dev)', async () => {
    mkdirSync(join(h.home, 'sub2'));
    const text = 'programs:\n  devstdin:\n    command: sleep 1008\n    cwd: sub2\n';
    // in.yaml is a regular file behind /dev/stdin: read as standard input all the same
    writeFileSync(join(h.home, 'in.yaml'), text);
    const ok = spawnSync('bash', ['-c', `node ${CLI} up /dev/stdin < in.yaml`], { cwd: h.home, env: h.env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /\+ devstdin \(added, started\)/);
    const job = await h.waitJob('devstdin', 'running', (j) => j.pid != null);
    assert.equal(readlinkSync(`/proc/${job.pid}/cwd`), join(h.home, 'sub2'));
    const bad = spawnSync('bash', ['-c', `printf 'programs:\\n  devstdin:\\n    command: sleep 1\\n    restart: sometimes\\n' | node ${CLI} up /dev/stdin`], { cwd: h.home, env: h.env, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /<stdin>:4:14: programs\.devstdin\.restart/);
  });
});

describe('up after stop or down', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a program stopped by stop or by down starts again on up; one that ended by itself stays ended', async () => {
    const file = h.write('app.yaml', 'programs:\n  s:\n    command: sleep 1000\n  once:\n    command: "true"\n    restart: never\n');
    assert.equal((await h.cli(['up', file])).code, 0);
    await h.waitJob('s', 'running', (j) => j.state === 'running' && j.pid != null);
    await h.waitJob('once', 'exited', (j) => j.state === 'exited');
    assert.equal((await h.cli(['stop', 's'])).code, 0);
    await h.waitJob('s', 'stopped', (j) => j.state === 'stopped');
    const dry = await h.cli(['up', file, '--dry-run']);
    assert.match(dry.stdout, /^= s \(unchanged, would be started\)$/m);
    assert.equal((await h.waitJob('s', 'stopped', (j) => j.state === 'stopped')).pid, null, 'a dry run started nothing');
    const again = await h.cli(['up', file]);
    assert.match(again.stdout, /^= s \(unchanged, started\)$/m);
    assert.match(again.stdout, /^= once \(unchanged\)$/m);
    await h.waitJob('s', 'running', (j) => j.state === 'running' && j.pid != null);
    assert.equal((await h.cli(['down'])).code, 0);
    const afterDown = await h.cli(['up', file]);
    assert.equal(afterDown.code, 0, afterDown.stderr);
    assert.match(afterDown.stdout, /^= s \(unchanged, started\)$/m);
    const s = await h.waitJob('s', 'running', (j) => j.state === 'running' && j.pid != null);
    assert.equal(alive(s.pid!), true);
    assert.equal((await h.waitJob('once', 'exited', (j) => j.state === 'exited')).restarts, 0, 'the one-shot that had ended was not run again');
    assert.match((await h.cli(['up', file])).stdout, /^= s \(unchanged\)$/m);
  });
});

describe('ad-hoc programs', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  // The kernel runs a script's `#!` interpreter: a bash script started as `start x.sh` ran under
  // sh and crash-looped on its first array. Without a `#!` line, `.sh` is bash, as PM2's.
  test('start SCRIPT honours its #! line; a .sh without one runs under bash', async () => {
    const bashy = h.write('bashy.sh', '#!/bin/bash\narr=(a b c)\necho "n=${#arr[@]}"\nexec sleep 1000\n');
    chmodSync(bashy, 0o755);
    const plain = h.write('plain.sh', 'arr=(x y)\necho "m=${#arr[@]}"\nexec sleep 1000\n'); // no #!, not executable
    const bang = h.write('tool.ext', '#!/bin/sh -e\necho "tool $0"\nexec sleep 1000\n'); // #!, not executable
    for (const [f, name] of [[bashy, 'bashy'], [plain, 'plain'], [bang, 'tool']]) {
      const r = await h.cli(['start', f, '--name', name]);
      assert.equal(r.code, 0, r.stderr);
    }
    const bj = await h.waitJob('bashy', 'running', (j) => j.pid != null);
    assert.equal(bj.command, bashy, 'executed itself: the kernel reads its #!');
    const pj = await h.waitJob('plain', 'running', (j) => j.pid != null);
    assert.match(pj.command, /\/bash \S+\/plain\.sh$/);
    const tj = await h.waitJob('tool', 'running', (j) => j.pid != null);
    assert.equal(tj.command, `/bin/sh -e ${bang}`, 'not executable: run by the interpreter its #! names, with its argument');
    await waitFor('their output', async () => {
      const out = (n: string) => h.cli(['logs', n, '-n', '5']).then((r) => r.stdout);
      return /n=3/.test(await out('bashy')) && /m=2/.test(await out('plain')) && /tool \S+tool\.ext/.test(await out('tool'));
    });
    assert.equal((await h.cli(['delete', 'bashy', 'plain', 'tool'])).code, 0);
  });

  test('start SCRIPT --name, start --name -- CMD, list, describe, scale, delete; up leaves them alone', async () => {
    h.write('app.js', 'setInterval(() => {}, 1000);\n');
    const r1 = await h.cli(['start', 'app.js', '--name', 'api', '--', '--port', '8080']);
    assert.equal(r1.code, 0, r1.stderr);
    const r2 = await h.cli(['start', '--name', 'sl', '--', 'sleep', '1000']);
    assert.equal(r2.code, 0, r2.stderr);
    const api = await h.waitJob('api', 'running', (j) => j.pid != null);
    assert.equal(api.command, `${process.execPath} ${h.home}/app.js --port 8080`);
    const ls = await h.cli(['ls']);
    assert.match(ls.stdout, /^api\s+appinit start\s+-\s+1\s+\d\s+\S+\s+\d+\s+0\s+/m);
    const d = JSON.parse((await h.cli(['describe', 'api', '--json'])).stdout);
    assert.equal(d.adHoc, true);
    assert.deepEqual(d.pids, [api.pid]);
    assert.equal(d.logs.stdout, `${h.home}/logs/api/out.log`);
    const text = (await h.cli(['describe', 'sl'])).stdout;
    assert.match(text, /^command: {4}\S*sleep 1000$/m);
    const sc = await h.cli(['scale', 'sl', '3']);
    assert.equal(sc.code, 0, sc.stderr);
    await waitFor('3 instances of sl running', async () => (await h.status()).filter((j) => j.name === 'sl' && j.pid != null).length === 3);
    // A control file without them does not remove them; one that reuses the name is refused.
    const up = await h.up('programs:\n  filed:\n    command: sleep 1005\n');
    assert.doesNotMatch(up.stdout, /- (api|sl)/);
    const clash = await h.cli(['up', h.write('clash.yaml', 'programs:\n  api:\n    command: sleep 1\n')]);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /clash\.yaml:2:3: programs\.api: "api" is a program started with appinit start/);
    // A name from a control file: the fix is in the file (delete refuses it).
    const taken = await h.cli(['start', '--name', 'filed', '--', 'sleep', '5']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /a program named "filed" exists; choose another --name, or remove it from \S+ and run appinit up/);
    // `start NAME` still starts a known program.
    await h.cli(['stop', 'filed']);
    assert.equal((await h.cli(['start', 'filed'])).code, 0);
    await h.waitJob('filed', 'running again', (j) => j.pid != null);
    const del = await h.cli(['delete', 'sl']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await h.status()).filter((j) => j.name === 'sl').length, 0);
    const nodel = await h.cli(['delete', 'filed']);
    assert.equal(nodel.code, 1);
    assert.match(nodel.stderr, /comes from .*appinit\.yaml: remove it there/);
  });

  test('bad names are refused: "/" and "..", NUL, 300 characters', async () => {
    for (const name of ['../../victim', 'a/b', 'x'.repeat(300)]) {
      const r = await h.cli(['start', '--name', name, '--', 'sleep', '1']);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /name: a name /);
    }
    const r = await h.cli(['start', '--name', 'miss', '--', 'nosuch-command-appinit']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /command: command not found/);
  });

  test('they survive a kill -9 of the daemon', async () => {
    const before = await h.waitJob('api', 'running', (j) => j.pid != null);
    process.kill(h.daemonPid(), 'SIGKILL');
    h.reconnect();
    const ls = await h.cli(['ls', '--json']);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = JSON.parse(ls.stdout) as { name: string; source: string; pids: number[] }[];
    const api = rows.find((r) => r.name === 'api');
    assert.equal(api?.source, 'appinit start');
    assert.deepEqual(api?.pids, [before.pid]);
  });
});

describe('up scales', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a change of instances alone stops or starts only the instances it adds or removes; the others run on', async () => {
    const write = (n: number, cmd = 'sleep 1003') => h.write('scale.yaml', `programs:\n  sc:\n    command: ${cmd}\n    instances: ${n}\n    ready: 0\n`);
    const file = write(2);
    assert.equal((await h.cli(['up', '--wait', file])).code, 0);
    const pids = async () => (await h.status()).filter((j) => j.name === 'sc').sort((a, b) => a.instance - b.instance).map((j) => j.pid);
    const two = await pids();
    write(4);
    const dry = await h.cli(['up', '--dry-run', file]);
    assert.match(dry.stdout, /^~ sc \(changed: instances 2 -> 4; 2 instances would be started; the other 2 run on\)$/m);
    const up = await h.cli(['up', '--wait', file]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^~ sc \(changed: instances 2 -> 4; 2 instances started; the other 2 run on\)$/m);
    const four = await pids();
    assert.equal(four.length, 4);
    assert.deepEqual(four.slice(0, 2), two, 'instances 0 and 1 kept their processes');
    assert.ok(four.every((p) => p != null && alive(p)), 'four run');
    write(1);
    const down = await h.cli(['up', file]);
    assert.match(down.stdout, /^~ sc \(changed: instances 4 -> 1; 3 instances stopped; the other runs on\)$/m);
    assert.deepEqual(await pids(), [two[0]], 'instance 0 ran on');
    for (const p of four.slice(1)) assert.ok(!alive(p!), `instance pid ${p} stopped`);
    // Another change with it: every instance restarts, as before.
    write(2, 'sleep 1004');
    const changed = await h.cli(['up', '--wait', file]);
    assert.match(changed.stdout, /^~ sc \(changed: command, instances 1 -> 2; restarted\)$/m);
    assert.ok(!(await pids()).includes(two[0]), 'instance 0 restarted with the new command');
  });
});

describe('start --wait and restart --wait, as supervisorctl start waits', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a program that crashes at once: exit 1 naming it; one that runs: exit 0 once running', async () => {
    const bad = await h.cli(['start', '--name', 'crash', '--wait', '--wait-timeout', '10s', '--', 'sh', '-c', 'exit 3']);
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stderr, /^appinit: start --wait: crash %\d+ (backoff|fatal): exit\(3\)/m);
    const good = await h.cli(['start', '--name', 'runs', '--wait', '--', 'sleep', '1000']);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^1 job running \(waited [\d.]+ s\)$/m);
    const again = await h.cli(['restart', 'runs', '--wait']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await h.status()).find((j) => j.name === 'runs')?.state, 'running', 'running when restart --wait returns');
    const usage = await h.cli(['start', 'runs', '--wait-timeout', '5s']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /start: --wait-timeout is for --wait/);
  });
});
