// Scheduling without waiting for a minute boundary: at / atq / atrm / at -c / --resolve, jobs
// due now, `at:` programs, crontab install / -l / -e / -r, cron next, and who may see what
// (the API as a function, with the kernel's peer credentials faked).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MODULES } from '../../src/api/modules.js';
import { createApp, type App } from '../../src/api/app.js';
import type { ApiContext, ApiRequest } from '../../src/api/routes.js';
import { Scheduler, type SchedulerHost } from '../../src/core/scheduler/scheduler.js';
import { openDb, type Db } from '../../src/store/db.js';
import { CLI, TestHome, waitFor, type CliResult } from './harness.js';

/** The CLI with extra environment variables. */
function cliWith(h: TestHome, args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...h.env, ...opts.env }, cwd: opts.cwd ?? h.home });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`appinit ${args.join(' ')} hung`)); }, 30_000);
    child.on('close', (code) => { clearTimeout(t); resolve({ code: code ?? -1, stdout, stderr }); });
    child.stdin.end(opts.input ?? '');
  });
}

const logOf = (h: TestHome, name: string) => {
  // Managed logs are timestamped by default: the tests look at what the program wrote.
  try { return readFileSync(join(h.home, 'logs', name, 'out.log'), 'utf8').replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /gm, ''); } catch { return ''; }
};

describe('at: time specs, errors, the queue', () => {
  const h = new TestHome('appinit-sched-');
  after(() => h.cleanup());

  test('--resolve prints the time with its offset, from a given time and zone, queuing nothing', async () => {
    const from = ['--from', '2026-11-22T10:00:00+01:00', '--tz', 'Europe/Paris'];
    const cases: [string[], string][] = [
      [['now', '+', '1', 'hour'], '2026-11-22T11:00:00+01:00'],
      [['teatime', 'tomorrow'], '2026-11-23T16:00:00+01:00'],
      [['11:15'], '2026-11-22T11:15:00+01:00'],
      [['9:00'], '2026-11-23T09:00:00+01:00'], // a time already past today is tomorrow
      [['midnight', 'mar', '29'], '2027-03-29T00:00:00+02:00'],
    ];
    for (const [spec, want] of cases) {
      const r = await h.cli(['at', '--resolve', ...spec, ...from]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${want}\n`, spec.join(' '));
    }
    assert.equal(existsSync(join(h.home, 'appinit.sock')), false, '--resolve needs no daemon');
  });

  test('a wrong spec says where the parse stopped, exits 1, and queues nothing', async () => {
    let r = await h.cli(['at', 'now', '+', '1', 'fortnight'], { input: 'true\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^appinit: at: garbled time at "fortnight" \(column 9\)/m);
    r = await h.cli(['at', 'foo'], { input: 'true\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /appinit: at: garbled time at "foo" \(column 1\)/);
    r = await h.cli(['at', '10:00', 'jan', '1', '2020'], { input: 'true\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to create job destined in the past/);
    assert.equal((await h.cli(['atq'])).stdout, '');
  });

  test('at queues; atq shows "N<TAB>date queue user"; --json; at -c prints the job file; atrm removes', async () => {
    const work = mkdtempIn(h.home, 'work');
    const r = await cliWith(h, ['at', '-q', 'b', '11:15', 'dec', '31', '2099'], { input: 'echo "$GREETING"\n', env: { GREETING: "it's a test", TZ: 'UTC' }, cwd: work });
    assert.equal(r.code, 0, r.stderr);
    const m = /^job (\d+) at Thu Dec 31 11:15:00 2099$/m.exec(r.stderr);
    assert.ok(m, `job line on stderr, as at prints it: ${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing on stdout without --json');
    const id = Number(m[1]);
    const r2 = await cliWith(h, ['at', '--json', 'noon', 'jan', '1', '2099', '--', 'echo', 'two words', '$HOME'], { env: { TZ: 'UTC' } });
    assert.equal(r2.code, 0, r2.stderr);
    const j2 = JSON.parse(r2.stdout);
    assert.equal(j2.time, '2099-01-01T12:00:00+00:00');
    const q = await cliWith(h, ['atq'], { env: { TZ: 'UTC' } });
    assert.equal(q.stdout, `${j2.id}\tThu Jan  1 12:00:00 2099 a root\n${id}\tThu Dec 31 11:15:00 2099 b root\n`);
    const qj = JSON.parse((await cliWith(h, ['atq', '--json'], { env: { TZ: 'America/New_York' } })).stdout);
    assert.deepEqual(qj[0], { id: j2.id, time: '2099-01-01T07:00:00-05:00', queue: 'a', user: 'root', command: "echo 'two words' '$HOME'" });
    const c = await h.cli(['at', '-c', String(id)]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /^#!\/bin\/sh\n# atrun uid=0 gid=0\numask [0-7]+\n/);
    assert.match(c.stdout, /^GREETING='it'\\''s a test'; export GREETING$/m);
    assert.match(c.stdout, new RegExp(`^cd ${work.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\|\\| \\{$`, 'm'));
    assert.ok(c.stdout.endsWith('}\necho "$GREETING"\n'), c.stdout.slice(-80));
    const rm = await h.cli(['atrm', String(id), '999']);
    assert.equal(rm.code, 1);
    assert.equal(rm.stderr, 'appinit: atrm: cannot find job 999\n');
    assert.doesNotMatch((await h.cli(['atq'])).stdout, new RegExp(`^${id}\t`, 'm'));
    assert.equal((await h.cli(['atrm', String(j2.id)])).code, 0);
    assert.equal((await h.cli(['atq'])).stdout, '');
    assert.equal((await h.cli(['at', '-c', String(id)])).code, 1);
  });

  test('at -t [[CC]YY]MMDDhhmm[.SS] as POSIX and Debian\'s at read it; a bad one or a time given twice queues nothing', async () => {
    const r = await cliWith(h, ['at', '-t', '209912311115.30'], { input: 'true\n', env: { TZ: 'UTC' } });
    assert.equal(r.code, 0, r.stderr);
    const id = Number(/^job (\d+) at Thu Dec 31 11:15:00 2099$/m.exec(r.stderr)?.[1]);
    assert.ok(id, r.stderr);
    assert.equal((await cliWith(h, ['atq'], { env: { TZ: 'UTC' } })).stdout, `${id}\tThu Dec 31 11:15:00 2099 a root\n`);
    const bad = await cliWith(h, ['at', '-t', '13011030'], { input: 'true\n' });
    assert.deepEqual([bad.code, bad.stderr], [1, 'appinit: at: invalid date format: 13011030\n']);
    const twice = await cliWith(h, ['at', '-t', '12311030', 'now'], { input: 'true\n' });
    assert.deepEqual([twice.code, twice.stderr], [2, 'appinit: at: Cannot give time twice (-t and a TIMESPEC)\n']);
    assert.equal((await h.cli(['atrm', String(id)])).code, 0);
    assert.equal((await h.cli(['atq'])).stdout, '');
  });

  test('a job due now runs at once as an ordinary job: its directory, environment, umask and log; its script stays private', async () => {
    const work = mkdtempIn(h.home, 'here');
    // The job runs on until the test has looked at it running (a `sleep 1` could end first under load).
    const gate = join(h.home, 'at-may-end');
    const script = `pwd\necho "MY=$MYVAR"\numask\ncat /proc/$$/cmdline | tr "\\0" " "; echo\nwhile [ ! -e ${gate} ]; do sleep 0.05; done\necho done\n`;
    const r = await cliWith(h, ['at', 'now'], { input: script, env: { MYVAR: 'value with spaces' }, cwd: work });
    assert.equal(r.code, 0, r.stderr);
    const id = Number(/^job (\d+) at/m.exec(r.stderr)![1]);
    const name = `at-${id}`;
    const running = await h.waitJob(name, 'running', (j) => j.pid != null, 20_000);
    assert.equal(running.user, 'root');
    const spool = join(h.home, 'spool');
    assert.equal(statSync(spool).mode & 0o777, 0o700, 'spool directory private');
    const files = readdirSync(spool);
    assert.deepEqual(files, [name]);
    assert.equal(statSync(join(spool, files[0])).mode & 0o777, 0o600, 'job file private');
    assert.match((await h.cli(['atq'])).stdout, new RegExp(`^${id}\t.* = root$`, 'm'), 'a running job shows in queue "="');
    writeFileSync(gate, '');
    const done = await h.waitJob(name, 'exited', (j) => j.state === 'exited', 10_000);
    assert.equal(done.lastExit?.code, 0);
    const umask = /^Umask:\s+([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1].padStart(4, '0');
    assert.equal(logOf(h, name), `${work}\nMY=value with spaces\n${umask}\n/bin/sh \ndone\n`);
    await waitFor('the job file removed and the queue emptied', async () => readdirSync(spool).length === 0 && (await h.cli(['atq'])).stdout === '');
    const recs = await (await h.api()).acct({ program: name });
    assert.ok(recs.some((x) => x.command.startsWith('pwd')), 'an accounting record under the job\'s name');
  });

  test('a directory that is gone gives at\'s message in the job\'s log', async () => {
    const a = await (await h.api()).atAdd({ spec: 'now', script: 'echo should-not-run\n', cwd: join(h.home, 'no', 'such', 'dir'), env: { PATH: '/usr/bin:/bin' } });
    const j = await h.waitJob(`at-${a.id}`, 'exited', (x) => x.state === 'exited', 10_000);
    assert.equal(j.lastExit?.code, 1);
    assert.match(readFileSync(join(h.home, 'logs', `at-${a.id}`, 'err.log'), 'utf8').replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /gm, ''), /can't cd to .*\nExecution directory inaccessible\n$/);
    assert.equal(logOf(h, `at-${a.id}`), '');
  });
});

describe('batch: at jobs that wait for the load average', () => {
  const h = new TestHome('appinit-batch-');
  after(() => h.cleanup());

  test('batch and at -b queue in b, at -q B is batch too; they wait while the load is at the limit, an at job does not; a daemon with a higher limit runs them', async () => {
    // A limit of 0: no load is below it, so batch jobs wait (as atd -l 0).
    assert.equal((await cliWith(h, ['info'], { env: { APPINIT_BATCH_LOAD: '0' } })).code, 0);
    const queued: number[] = [];
    for (const [args, input] of [[['batch'], 'echo from-batch\n'], [['at', '-b'], 'echo from-at-b\n'], [['at', '-q', 'B', 'now'], 'echo from-B\n']] as [string[], string][]) {
      const r = await cliWith(h, args, { input });
      assert.equal(r.code, 0, r.stderr);
      queued.push(Number(/^job (\d+) at/m.exec(r.stderr)![1]));
    }
    const plain = await cliWith(h, ['at', 'now'], { input: 'echo from-a\n' });
    const a = Number(/^job (\d+) at/m.exec(plain.stderr)![1]);
    await h.waitJob(`at-${a}`, 'exited', (j) => j.state === 'exited', 10_000);
    const q = (await h.cli(['atq'])).stdout;
    assert.deepEqual(q.trim().split('\n').map((l) => l.split('\t')[0] + ' ' + l.slice(-6)), queued.map((id, i) => `${id} ${['b root', 'b root', 'B root'][i]}`), `the batch jobs still wait:\n${q}`);
    const usage = await h.cli(['batch', 'now']);
    assert.deepEqual([usage.code, usage.stderr], [2, 'appinit: batch: takes no time ("now"): it runs when the load average permits; for a batch job from a time: appinit at -q B TIME\n']);
    // Another daemon, a limit no load reaches and no interval: they run, the oldest first.
    assert.equal((await h.cli(['down'])).code, 0);
    assert.equal((await cliWith(h, ['info'], { env: { APPINIT_BATCH_LOAD: '1000', APPINIT_BATCH_INTERVAL: '0' } })).code, 0);
    for (const id of queued) await h.waitJob(`at-${id}`, 'exited', (j) => j.state === 'exited', 10_000);
    assert.deepEqual(queued.map((id) => logOf(h, `at-${id}`)), ['from-batch\n', 'from-at-b\n', 'from-B\n']);
  });
});

function mkdtempIn(dir: string, name: string): string {
  const p = join(dir, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(p);
  return p;
}

describe('at: programs in the control file', () => {
  const h = new TestHome('appinit-sched-');
  after(() => h.cleanup());

  test('`at: now` runs once as soon as the file is loaded, and not again when it is loaded again', async () => {
    const yaml = 'programs:\n  once:\n    command: sh -c \'echo ran-once\'\n    at: now\n';
    await h.up(yaml);
    const j = await h.waitJob('once', 'exited', (x) => x.state === 'exited', 20_000);
    assert.equal(j.lastExit?.code, 0);
    assert.equal(logOf(h, 'once'), 'ran-once\n');
    await h.up(yaml);
    const list = JSON.parse((await h.cli(['cron', 'list', '--json'])).stdout);
    const s = list.find((x: { name: string }) => x.name === 'once');
    assert.equal(s.next, null, 'done: not planned again');
    assert.match(s.last, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00[+-]\d\d:\d\d$/);
    assert.equal(logOf(h, 'once'), 'ran-once\n');
  });

  test('a cron or at the scheduler cannot read is refused by `up`, at its line and column', async () => {
    const r = await h.cli(['up', h.write('bad.yaml', 'programs:\n  a:\n    command: x\n    cron: "*/5 25 * * *"\n  b:\n    command: y\n    at: now + 1 fortnight\n')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.yaml:4:16: programs\.a\.cron: hour 25 is out of range: hours go from 0 to 23/);
    assert.match(r.stderr, /bad\.yaml:7:17: programs\.b\.at: garbled time at "fortnight" \(column 9\)/);
  });
});

describe('crontab', () => {
  const h = new TestHome('appinit-sched-');
  after(() => h.cleanup());
  const good = 'SHELL=/bin/sh\n# a comment\n*/5 * * * * echo five\n@daily echo daily%with input\n';

  test('install from a file; -l prints it back; cron list shows each entry with its next run', async () => {
    const r = await h.cli(['crontab', h.write('tab', good)]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning|error/);
    const l = await h.cli(['crontab', '-l']);
    assert.equal(l.stdout, good);
    const list = JSON.parse((await h.cli(['cron', 'list', '--json'])).stdout);
    assert.deepEqual(list.map((s: { name: string; schedule: string }) => [s.name, s.schedule]), [['cron-root-3', '*/5 * * * *'], ['cron-root-4', '@daily']]);
    for (const s of list) assert.match(s.next, /:00[+-]\d\d:\d\d$/);
  });

  test('a wrong line: every error as file:line:col, exit 1, nothing changes', async () => {
    const r = await h.cli(['crontab', h.write('bad', '* * * * * ok\n5 25 * * * bad hour\n* * * mon * bad month\n')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /appinit: crontab: .*bad:2:3: hour 25 is out of range/);
    assert.match(r.stderr, /appinit: crontab: .*bad:3:7: month "mon"/);
    assert.match(r.stderr, /nothing was installed/);
    assert.equal((await h.cli(['crontab', '-l'])).stdout, good);
  });

  test('a NUL byte in a crontab is placed as file:line:col; in an at script by line and column; nothing changes', async () => {
    const r = await h.cli(['crontab', h.write('nul', '* * * * * echo a\n* * * * * echo \0b\n')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /appinit: crontab: .*nul:2:16: a NUL byte is not allowed in a crontab/);
    assert.equal((await h.cli(['crontab', '-l'])).stdout, good);
    const before = (await h.cli(['atq'])).stdout;
    const a = await h.cli(['at', 'now + 1 hour'], { input: 'echo a\necho \0x\n' });
    assert.notEqual(a.code, 0);
    assert.match(a.stderr, /script: may not contain a NUL byte \(line 2, column 6\)/);
    assert.equal((await h.cli(['atq'])).stdout, before, 'nothing queued');
  });

  test('six time fields are refused as Debian\'s crontab does, naming the field too many; nothing changes', async () => {
    const r = await h.cli(['crontab', '-'], { input: '* * * * * * echo six fields\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stdin:1:11: bad command: "\*" is one field too many: cron has five time fields/);
    assert.equal((await h.cli(['crontab', '-l'])).stdout, good);
  });

  test('a device or an endless input is refused at once; a pipe (crontab <(...)) is read; a long bad line is quoted short', async () => {
    const dev = await h.cli(['crontab', '/dev/zero'], { timeoutMs: 10_000 });
    assert.equal(dev.code, 1);
    assert.match(dev.stderr, /crontab: cannot read \/dev\/zero: a character device, not a regular file or a pipe/);
    const at = await h.cli(['at', '-f', '/dev/zero', 'now', '+', '1', 'hour'], { timeoutMs: 10_000 });
    assert.equal(at.code, 1);
    assert.match(at.stderr, /at: cannot read \/dev\/zero: a character device/);
    const long = await h.cli(['crontab', '-'], { input: `${'a'.repeat(5 * 1024 * 1024)}\n`, timeoutMs: 20_000 });
    assert.equal(long.code, 1);
    assert.match(long.stderr, /crontab: standard input is over the 4MB limit/);
    const wide = await h.cli(['crontab', '-'], { input: `${'b'.repeat(100_000)}\n` });
    assert.equal(wide.code, 1);
    assert.match(wide.stderr, /got "b{60}\.\.\."\n/, 'the line is quoted short');
    assert.ok(wide.stderr.length < 1000, `a short error, not the whole line (${wide.stderr.length} bytes)`);
    const fifo = join(h.home, 'tab.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const writer = spawn('sh', ['-c', `printf '%s\\n' '*/5 * * * * echo five' > ${fifo}`]);
    try {
      const r = await h.cli(['crontab', fifo]);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      writer.kill();
    }
    assert.equal((await h.cli(['crontab', '-l'])).stdout, '*/5 * * * * echo five\n');
    assert.equal((await h.cli(['crontab', h.write('tab', good)])).code, 0, 'the table the tests after expect');
  });

  test('-e edits with $EDITOR and installs; a bad edit keeps the old crontab and the edit', async () => {
    const editor = h.write('ed.sh', '#!/bin/sh\nprintf "0 4 * * * echo edited\\n" >> "$1"\n');
    chmodSync(editor, 0o755);
    let r = await cliWith(h, ['crontab', '-e'], { env: { EDITOR: editor, VISUAL: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await h.cli(['crontab', '-l'])).stdout, `${good}0 4 * * * echo edited\n`);
    const bad = h.write('bad-ed.sh', '#!/bin/sh\necho "61 * * * * nope" >> "$1"\n');
    chmodSync(bad, 0o755);
    r = await cliWith(h, ['crontab', '-e'], { env: { VISUAL: bad } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /:6:1: minute 61 is out of range/);
    const kept = /your edit is kept in (\S+);/.exec(r.stderr)![1];
    assert.match(readFileSync(kept, 'utf8'), /61 \* \* \* \* nope/);
    rmSync(join(kept, '..'), { recursive: true });
    assert.equal((await h.cli(['crontab', '-l'])).stdout, `${good}0 4 * * * echo edited\n`);
    r = await cliWith(h, ['crontab', '-e'], { env: { VISUAL: 'true' } });
    assert.equal(r.code, 0);
    assert.match(r.stderr, /no changes made/);
  });

  test('-ri asks first, as Debian\'s crontab: n keeps, anything else asks again, y removes; no answer keeps it', async () => {
    const ask = "crontab: really delete root's crontab? (y/n) ";
    const n = await h.cli(['crontab', '-ri'], { input: 'n\n' });
    assert.deepEqual([n.code, n.stderr], [0, ask]);
    assert.equal((await h.cli(['crontab', '-l'])).code, 0, 'kept');
    const none = await h.cli(['crontab', '-ri'], { input: '' });
    assert.deepEqual([none.code, none.stderr], [1, `${ask}appinit: crontab: no answer; root's crontab is kept\n`]);
    const y = await h.cli(['crontab', '-r', '-i'], { input: 'maybe\nY\n' });
    assert.deepEqual([y.code, y.stderr], [0, `${ask}Please enter Y or N: `]);
    assert.equal((await h.cli(['crontab', '-l'])).code, 1, 'removed');
    const again = h.write('again.cron', '0 0 * * * true\n');
    assert.equal((await h.cli(['crontab', again])).code, 0);
    // -i alone is no replace from standard input (it installed an empty crontab from </dev/null).
    const alone = await h.cli(['crontab', '-i'], { input: '' });
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /-i asks before deleting: use it with -r/);
    assert.equal((await h.cli(['crontab', '-l'])).stdout, '0 0 * * * true\n', 'the crontab is as it was');
  });

  test('-r removes; then -l and -r say there is none; -u with an unknown user fails', async () => {
    assert.equal((await h.cli(['crontab', '-r'])).code, 0);
    const l = await h.cli(['crontab', '-l']);
    assert.equal(l.code, 1);
    assert.equal(l.stderr, 'appinit: crontab: no crontab for root\n');
    assert.equal((await h.cli(['crontab', '-r'])).code, 1);
    const u = await h.cli(['crontab', '-u', 'no-such-user-here', '-l']);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /user "no-such-user-here" unknown/);
    assert.deepEqual(JSON.parse((await h.cli(['cron', 'list', '--json'])).stdout), []);
  });

  test('cron list: entries in line order (2 before 10), fields separated by tabs shown with one space', async () => {
    const lines = Array.from({ length: 11 }, (_, i) => `0\t${i}\t*\t*\t*\ttrue`).join('\n') + '\n';
    assert.equal((await h.cli(['crontab', h.write('tabs.cron', lines)])).code, 0);
    const t = (await h.cli(['cron', 'list'])).stdout;
    assert.doesNotMatch(t, /\t/, 'no raw tab in the table');
    const names = t.split('\n').slice(1).filter(Boolean).map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(names, Array.from({ length: 11 }, (_, i) => `cron-root-${i + 1}`));
    assert.match(t, /^cron-root-3 +crontab +0 2 \* \* \* /m);
    assert.equal((await h.cli(['crontab', '-r'])).code, 0);
  });
});

describe('cron next', () => {
  const h = new TestHome('appinit-sched-');
  after(() => h.cleanup());

  test('the next runs, one ISO 8601 time with offset per line, in a zone, across a DST change', async () => {
    let r = await h.cli(['cron', 'next', '*/15 9-17 * * mon-fri', '-n', '3', '--tz', 'America/New_York', '--from', '2026-11-22T10:00:00Z']);
    assert.equal(r.stdout, '2026-11-23T09:00:00-05:00\n2026-11-23T09:15:00-05:00\n2026-11-23T09:30:00-05:00\n');
    // 02:30 does not exist on 2026-03-29 in Berlin: a fixed-time job runs once, at the jump (cronie).
    r = await h.cli(['cron', 'next', '30 2 * * *', '-n', '3', '--tz', 'Europe/Berlin', '--from', '2026-03-28T12:00:00+01:00']);
    assert.equal(r.stdout, '2026-03-29T03:00:00+02:00\n2026-03-30T02:30:00+02:00\n2026-03-31T02:30:00+02:00\n');
    r = await h.cli(['cron', 'next', '61 * * * *']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'appinit: cron next: "61 * * * *" (column 1): minute 61 is out of range: minutes go from 0 to 59\n');
    assert.equal((await h.cli(['cron', 'next', '* * * * *', '-n', 'x'])).code, 2);
    assert.equal(existsSync(join(h.home, 'appinit.sock')), false, 'a pure query: no daemon');
  });
});

describe('who sees what: the API as a function, with the peer the kernel would report', () => {
  let db: Db;
  let ctx: ApiContext;
  let app: App;
  let scheduler: Scheduler;
  const dir = join(tmpdir(), `appinit-sched-api-${process.pid}`);
  before(() => {
    mkdirSync(dir, { recursive: true });
    db = openDb(join(dir, 'state.db'), MODULES);
    // A scheduler whose timer never fires and whose host has no jobs: only the routes are tested.
    const host = { jobs: new Map(), on() {}, off() {}, start() {}, forget() {} } as unknown as SchedulerHost;
    scheduler = new Scheduler(host, db, dir, { clock: { now: () => Date.now(), setTimer: () => null, clearTimer: () => {} } }).start();
    ctx = { db, services: { schedule: scheduler }, sup: host } as unknown as ApiContext;
    app = createApp(ctx);
  });
  after(() => {
    scheduler.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // A response, or (for an error status) a rejection with its message, as the client gives it.
  const as = async (uid: number, method: string, path: string, body: Record<string, unknown> = {}, query = '') => {
    const r = await app.handle({ method, path, query: new URLSearchParams(query), body, peer: { uid, gid: uid, pid: 1 } } satisfies ApiRequest);
    if (r.status >= 400) throw new Error(`${r.status}: ${(r.body as { error: { message: string } }).error.message}`);
    return r;
  };
  const ALICE = 4242;
  const BOB = 4343;

  test('an at job belongs to the user who queued it; others cannot see, read or remove it; root can', async () => {
    const r = await as(ALICE, 'POST', '/v1/at', { spec: 'noon jan 1 2099', script: 'echo secret\n', cwd: '/tmp', env: { A: '1' }, tz: 'UTC' });
    assert.equal(r.status, 200);
    const id = (r.body as { id: number }).id;
    assert.equal((r.body as { uid: number }).uid, ALICE);
    assert.deepEqual((await as(BOB, 'GET', '/v1/at')).body, []);
    await assert.rejects(as(BOB, 'GET', '/v1/at/job', {}, `id=${id}`), /cannot find job/);
    assert.deepEqual((await as(BOB, 'POST', '/v1/at/remove', { ids: [id] })).body, { removed: [], errors: [{ id, message: `cannot find job ${id}` }] });
    assert.equal(((await as(0, 'GET', '/v1/at')).body as unknown[]).length, 1);
    const job = (await as(ALICE, 'GET', '/v1/at/job', {}, `id=${id}`)).body as { script: string };
    assert.match(job.script, /^# atrun uid=4242 gid=4242$/m, 'the job runs as its owner');
    assert.deepEqual((await as(ALICE, 'POST', '/v1/at/remove', { ids: [id] })).body, { removed: [id], errors: [] });
  });

  test('each user has one crontab; only root may name another user', async () => {
    assert.equal((await as(ALICE, 'POST', '/v1/crontab', { text: '0 1 * * * alice\n' })).status, 200);
    assert.equal((await as(BOB, 'POST', '/v1/crontab', { text: '0 2 * * * bob\n' })).status, 200);
    assert.equal(((await as(ALICE, 'GET', '/v1/crontab')).body as { text: string }).text, '0 1 * * * alice\n');
    assert.equal(((await as(BOB, 'GET', '/v1/crontab')).body as { text: string }).text, '0 2 * * * bob\n');
    await assert.rejects(as(BOB, 'GET', '/v1/crontab', {}, 'user=root'), /must be privileged to use -u/);
    await assert.rejects(as(BOB, 'POST', '/v1/crontab', { user: 'root', text: '' }), /must be privileged/);
    await assert.rejects(as(0, 'GET', '/v1/crontab', {}, 'user=root'), /no crontab for root/);
    await assert.rejects(as(ALICE, 'POST', '/v1/crontab', { text: '* * * * * ok\nbad line\n' }), /crontab:2:1: expected five time fields/);
    assert.equal(((await as(ALICE, 'GET', '/v1/crontab')).body as { text: string }).text, '0 1 * * * alice\n', 'unchanged');
  });
});
