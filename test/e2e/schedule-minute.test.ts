// Scheduling across one real minute boundary, two daemons at once:
//   A runs through it: a `* * * * *` program starts within 100 ms of the minute; overlap skip,
//     allow and queue against runs still going; crontab entries of root (environment lines,
//     "%" input) and of another user (run as that user, in their HOME).
//   B is killed -9 before it and started again after it: the at job queued for that minute
//     runs, a `missed: run-once` program runs once, a `missed: skip` one does not, and @reboot
//     runs because the stored boot id is not this boot's (and only once per boot).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { alive, TestHome, waitFor } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logOf = (h: TestHome, name: string, stream = 'out') => {
  // Managed logs are timestamped by default: the tests look at what the program wrote.
  try { return readFileSync(`${h.home}/logs/${name}/${stream}.log`, 'utf8').replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /gm, ''); } catch { return ''; }
};
const times = (text: string) => text.split('\n').filter((l) => /^\d+\.\d+$/.test(l)).map((l) => Number(l) * 1000);

interface ScheduleRow { name: string; skipped: number; pending: boolean; next: string | null; jobs: number[] }

describe('one minute boundary, two daemons', () => {
  const a = new TestHome('appinit-minute-a-');
  const b = new TestHome('appinit-minute-b-');
  const user = `aisch${process.pid % 100000}`;
  let haveUser = false;
  let minute = 0; // the boundary, ms
  let restartedAt = 0;
  let bAt = 0;
  const before0: Record<string, number> = {};

  const ok = async (h: TestHome, args: string[], input?: string) => {
    const r = await h.cli(args, { input });
    assert.equal(r.code, 0, `appinit ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const schedules = async (h: TestHome): Promise<ScheduleRow[]> => JSON.parse((await ok(h, ['cron', 'list', '--json'])).stdout);

  before(async () => {
    haveUser = spawnSync('useradd', ['-m', '-s', '/bin/sh', user]).status === 0;
    // At least 20 s before the boundary for the setup: never cross it half set up.
    if (Date.now() % 60_000 > 40_000) await sleep(60_000 - (Date.now() % 60_000) + 200);
    minute = Math.ceil(Date.now() / 60_000) * 60_000;

    await a.up(`programs:
  tick:
    command: date +%s.%N
    cron: "* * * * *"
  skipper:
    command: sleep 300
    cron: "* * * * *"
    overlap: skip
  allower:
    command: sleep 300
    cron: "* * * * *"
    overlap: allow
  queuer:
    command: sh -c 'date +%s.%N; exec sleep 300'
    cron: "* * * * *"
    overlap: queue
`);
    // The "previous runs", still running when the minute comes.
    await ok(a, ['start', 'skipper', 'allower', 'queuer']);
    for (const n of ['skipper', 'allower', 'queuer']) before0[n] = (await a.waitJob(n, 'running', (j) => j.pid != null)).pid!;
    await ok(a, ['crontab', '-'], 'FOO=bar\n* * * * * cat; echo; echo "$HOME|$PWD|$SHELL|$LOGNAME|$FOO"%line one%line two\n* * * * * date +\\%s.\\%N\n');
    if (haveUser) await ok(a, ['crontab', '-u', user, '-'], '* * * * * id -un; pwd; echo "$HOME $LOGNAME"; date +\\%s.\\%N\n');

    await b.up(`programs:
  catchup:
    command: date +%s.%N
    cron: "* * * * *"
    missed: run-once
  dropper:
    command: "true"
    cron: "* * * * *"
    missed: skip
`);
    await ok(b, ['crontab', '-'], '@reboot echo rebooted\n');
    const q = JSON.parse((await ok(b, ['at', '--json', 'now', '+', '1', 'minute'], 'echo durable\n')).stdout);
    bAt = q.id;
    assert.equal(Date.parse(q.time), minute, 'queued for the coming minute');
    const pid = b.daemonPid();
    process.kill(pid, 'SIGKILL');
    await waitFor('daemon B gone', () => !alive(pid));
    assert.ok(Date.now() < minute - 1000, 'set up before the minute');
    // As if the machine had booted since B last ran.
    const db = new Database(`${b.home}/state.db`);
    db.prepare("UPDATE meta SET value = 'a-previous-boot' WHERE key = 'schedule.boot_id'").run();
    db.close();

    await sleep(minute + 1500 - Date.now()); // the boundary itself is what is under test
    b.reconnect();
    restartedAt = Date.now();
    await ok(b, ['status']);
  }, { timeout: 150_000 });

  after(async () => {
    await Promise.all([a.cleanup(), b.cleanup()]);
    if (haveUser) spawnSync('userdel', ['-r', user]);
  });

  test('a * * * * * program starts within 100 ms of the minute', async (t) => {
    await waitFor('tick printed its start', () => times(logOf(a, 'tick')).length === 1);
    const late = times(logOf(a, 'tick'))[0] - minute;
    t.diagnostic(`tick started ${late.toFixed(1)} ms after the minute`);
    assert.ok(late >= 0 && late < 100, `started ${late.toFixed(1)} ms after the minute`);
    const j = await a.waitJob('tick', 'exited', (x) => x.state === 'exited');
    assert.equal(j.lastExit?.code, 0);
  });

  test('overlap: skip leaves the running one alone and counts the skip', async () => {
    const jobs = (await a.status()).filter((j) => j.name === 'skipper');
    assert.deepEqual(jobs.map((j) => j.pid), [before0.skipper]);
    assert.equal((await schedules(a)).find((s) => s.name === 'skipper')?.skipped, 1);
  });

  test('overlap: allow starts another job beside the running one', async () => {
    const jobs = await waitFor('two allower jobs running', async () => {
      const js = (await a.status()).filter((j) => j.name === 'allower' && j.pid != null);
      return js.length === 2 ? js : null;
    });
    assert.ok(jobs.some((j) => j.pid === before0.allower));
  });

  test('overlap: queue starts the run when the previous one ends', async () => {
    assert.equal((await schedules(a)).find((s) => s.name === 'queuer')?.pending, true);
    assert.equal(times(logOf(a, 'queuer')).length, 1, 'nothing started at the minute');
    const stoppedAt = Date.now();
    await ok(a, ['stop', 'queuer']);
    const j = await a.waitJob('queuer', 'started again', (x) => x.pid != null && x.pid !== before0.queuer);
    assert.ok(j.pid);
    await waitFor('queued run printed', () => times(logOf(a, 'queuer')).length === 2);
    assert.ok(times(logOf(a, 'queuer'))[1] >= stoppedAt - 50);
    assert.equal((await schedules(a)).find((s) => s.name === 'queuer')?.pending, false);
  });

  test('a crontab entry runs with cron\'s environment, its variables and "%" as stdin, on time', async (t) => {
    await waitFor('cron-root-2 ran', () => logOf(a, 'cron-root-2').endsWith('bar\n'));
    // cron ends the % input with a newline: cat prints both lines whole, then echo's empty line.
    assert.equal(logOf(a, 'cron-root-2'), 'line one\nline two\n\n/root|/root|/bin/sh|root|bar\n');
    await waitFor('cron-root-3 ran', () => times(logOf(a, 'cron-root-3')).length === 1);
    const late = times(logOf(a, 'cron-root-3'))[0] - minute;
    t.diagnostic(`cron-root-3 started ${late.toFixed(1)} ms after the minute`);
    assert.ok(late >= 0 && late < 100, `started ${late.toFixed(1)} ms after the minute`);
    const st = (await a.status()).filter((j) => j.name.startsWith('cron-root-'));
    assert.deepEqual(st.map((j) => j.name).sort(), ['cron-root-2', 'cron-root-3'], 'each entry\'s run shows in status');
  });

  test('another user\'s crontab runs as that user, in their HOME', async (t) => {
    if (!haveUser) return t.skip('useradd is not available');
    const name = `cron-${user}-1`;
    await waitFor(`${name} ran`, () => times(logOf(a, name)).length === 1);
    const [who, pwd, env] = logOf(a, name).split('\n');
    assert.equal(who, user);
    assert.equal(pwd, `/home/${user}`);
    assert.equal(env, `/home/${user} ${user}`);
    assert.ok(times(logOf(a, name))[0] - minute < 100);
    const j = (await a.status()).find((x) => x.name === name)!;
    assert.equal(j.user, user);
  });

  test('kill -9 of the daemon: the at job due meanwhile runs when it comes back; the queue is then empty', async () => {
    await waitFor('the at job ran', () => logOf(b, `at-${bAt}`) === 'durable\n');
    await waitFor('queue empty', async () => (await b.cli(['atq'])).stdout === '');
  });

  test('missed: run-once runs once on start; missed: skip does not', async () => {
    await waitFor('catchup ran', () => times(logOf(b, 'catchup')).length >= 1);
    await b.waitJob('catchup', 'exited', (x) => x.state === 'exited');
    const ts = times(logOf(b, 'catchup'));
    assert.equal(ts.length, 1, 'once');
    assert.ok(ts[0] >= restartedAt - 50, 'after the daemon came back');
    const dropper = (await b.status()).find((j) => j.name === 'dropper')!;
    assert.equal(dropper.state, 'stopped');
    assert.equal(dropper.lastExit, null);
    assert.deepEqual(await (await b.api()).acct({ program: 'dropper' }), []);
    const s = (await schedules(b)).find((x) => x.name === 'dropper')!;
    assert.equal(Date.parse(s.next!), minute + 60_000, 'next run at the next minute');
  });

  test('@reboot runs once per boot, not once per start of the daemon', async () => {
    await waitFor('@reboot ran', () => logOf(b, 'cron-root-1') === 'rebooted\n');
    await b.waitJob('cron-root-1', 'exited', (x) => x.state === 'exited');
    const pid = b.daemonPid();
    process.kill(pid, 'SIGKILL');
    await waitFor('daemon B gone', () => !alive(pid));
    b.reconnect();
    await ok(b, ['status']);
    const runs = (await b.status()).filter((j) => j.name === 'cron-root-1');
    assert.equal(runs.length, 1);
    assert.equal(runs[0].state, 'exited', 'not started again');
    assert.equal(logOf(b, 'cron-root-1'), 'rebooted\n');
  });
});
