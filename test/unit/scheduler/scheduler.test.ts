// The scheduler's timer loop on a fake clock, with a real store and a stand-in for the
// supervisor that records what it is asked to create and start: an hour of schedule in
// milliseconds. (The e2e tests run the same scheduler inside a real daemon on the real clock.)
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MODULES } from '../../../src/api/modules.js';
import type { Program } from '../../../src/config/program.js';
import { PREPARE_AHEAD, Scheduler, spoolDir, STAGE_AHEAD, type Clock, type SchedulerHost } from '../../../src/core/scheduler/scheduler.js';
import type { Job } from '../../../src/core/supervisor/runtime.js';
import { lookupUser } from '../../../src/os/proc/index.js';
import { openDb, type Db } from '../../../src/store/db.js';

/** A clock that moves only when told, firing the timer that falls due on the way. */
class FakeClock implements Clock {
  private timer: { at: number; fn: () => void } | null = null;
  constructor(public t: number) {}
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => (this.timer = { at: this.t + ms, fn });
  clearTimer = (x: unknown) => { if (x === this.timer) this.timer = null; };
  /** Moves to `to`, firing each timer due before it at its own time. */
  advance(to: number): void {
    for (let n = 0; this.timer && this.timer.at <= to; n++) {
      assert.ok(n < 10_000, 'the timer loop re-arms without end');
      const { at, fn } = this.timer;
      this.timer = null;
      this.t = Math.max(this.t, at);
      fn();
    }
    this.t = to;
  }
  /** When the armed timer fires. */
  get armedAt(): number | null {
    return this.timer?.at ?? null;
  }
}

/** What the scheduler asks of the supervisor, recorded; started jobs run until ended by the test.
 *  Runs are started a little ahead of their second with their spawn requests held until it
 *  (holdSpawns): a job counts as started once that instant has come on the clock. */
class Host extends EventEmitter {
  jobs = new Map<number, Job>();
  private runs: { job: Job; at: number }[] = [];
  private held = 0;
  /** Each hold asked for, in ms, with the clock's time when asked. */
  holds: { at: number; ms: number }[] = [];
  private id = 0;
  constructor(private readonly clock: FakeClock) {
    super();
  }
  get started(): Job[] {
    return this.runs.filter((r) => r.at <= this.clock.now()).map((r) => r.job);
  }
  holdSpawns(ms: number): void {
    this.holds.push({ at: this.clock.now(), ms });
    this.held = this.clock.now() + ms;
  }
  createJob(spec: Program, instance: number, ownerUid: number, program: string | null): Job {
    const id = ++this.id;
    const j = { id, number: id, spec, instance, ownerUid, program, state: 'stopped', pid: null, others: new Set(), startedAt: null, lastExit: null } as unknown as Job;
    this.jobs.set(id, j);
    return j;
  }
  start(jobs: Job[]): void {
    for (const j of jobs) Object.assign(j, { state: 'running', pid: 10_000 + j.id, startedAt: Date.now() });
    const at = Math.max(this.held, this.clock.now());
    this.held = 0;
    this.runs.push(...jobs.map((job) => ({ job, at })));
  }
  async stop(): Promise<void> {}
  forget(j: Job): void {
    this.jobs.delete(j.id);
  }
  /** The job ends: it rests, and the scheduler hears it as from the supervisor. */
  end(j: Job): void {
    Object.assign(j, { state: 'exited', pid: null, lastExit: { code: 0, signal: null, core: false, text: 'exit(0)' } });
    this.emit('rest', j);
  }
}

const tick = () => new Promise((r) => setImmediate(r));

// The job file is removed without waiting for it (10,000 removals must not block): bounded wait.
async function waitFile(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ok(), `timed out waiting for ${what}`);
}

describe('the scheduler on a fake clock', () => {
  const uid = process.getuid?.() ?? 0;
  const user = lookupUser(uid)!.name;
  let dir: string;
  let db: Db;
  let clock: FakeClock;
  let host: Host;
  let s: Scheduler;
  const notes: string[] = [];
  const T0 = Date.parse('2030-01-01T00:00:30Z');

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'appinit-sched-unit-'));
    db = openDb(join(dir, 'state.db'), MODULES);
    clock = new FakeClock(T0);
    host = new Host(clock);
    s = new Scheduler(host as unknown as SchedulerHost, db, dir, { clock, note: (l) => notes.push(l) }).start();
  });
  after(() => {
    s.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a crontab entry: staged just before its minute, started at it, once per minute', async () => {
    s.setCrontab({ uid, user, text: 'CRON_TZ=UTC\n* * * * * echo tick\n' });
    await tick(); // the timer is re-armed once per turn of the event loop
    assert.equal(clock.armedAt, Date.parse('2030-01-01T00:01:00Z') - STAGE_AHEAD, 'it sleeps until the staging second');
    clock.advance(Date.parse('2030-01-01T00:00:59.500Z'));
    assert.equal(host.jobs.size, 1, 'the run\'s job exists ahead of its second');
    assert.equal(host.started.length, 0, 'and is not started yet');
    clock.advance(Date.parse('2030-01-01T00:01:00Z'));
    assert.equal(host.started.length, 1, 'started at its second');
    assert.match(host.started[0].spec.commandText, /echo tick/);
    host.end(host.started[0]);
    await tick();
    clock.advance(Date.parse('2030-01-01T01:00:00.500Z'));
    // One run per minute from 00:01 to 01:00 (the fake hour takes no real time).
    assert.equal(host.started.length, 60, `60 runs in the hour, got ${host.started.length}`);
    assert.deepEqual(notes, []);
    for (const j of host.started) if (j.pid != null) host.end(j);
    await tick();
    assert.ok(s.removeCrontab(uid));
    await tick();
    clock.advance(Date.parse('2030-01-01T02:00:00Z'));
    assert.equal(host.started.length, 60, 'no run once the crontab is gone');
  });

  test('an at job: its job file written when queued, run at its time, removed from the queue when done', async () => {
    const runAt = clock.now() + 90_000;
    const a = s.addAt({ queue: 'a', uid, gid: uid, user, runAt, spec: 'now + 90 seconds', tz: 'UTC', script: '#!/bin/sh\necho hi\n', command: 'echo hi', cwd: '/', env: {}, umask: null });
    await tick();
    const file = join(spoolDir(dir), `at-${a.id}`);
    assert.ok(existsSync(file), 'the job file is in the spool');
    assert.equal(s.atList().length, 1);
    const before = host.started.length;
    clock.advance(runAt - 1);
    assert.equal(host.started.length, before, 'not before its time');
    clock.advance(runAt);
    assert.equal(host.started.length, before + 1, 'started at its time');
    const job = host.started.at(-1)!;
    assert.equal(s.atGet(a.id)?.job, job.id, 'shown running (queue "=")');
    host.end(job);
    await tick();
    assert.equal(s.atList().length, 0, 'gone from the queue once it ended');
  });

  // Issue 17: the daemon's work for a run (the store's transaction, the spawn request) is done
  // PREPARE_AHEAD before its second, and the requests leave at the second (holdSpawns).
  test('runs due at one second are started just ahead of it, with their spawn requests held until it', async () => {
    const runAt = Math.ceil((clock.now() + 120_000) / 60_000) * 60_000;
    const ids = [1, 2, 3].map(() => s.addAt({ queue: 'a', uid, gid: uid, user, runAt, spec: 'teatime', tz: 'UTC', script: 'true\n', command: 'true', cwd: '/', env: {}, umask: null }).id);
    await tick();
    const holds = host.holds.length;
    const before = host.started.length;
    clock.advance(runAt - PREPARE_AHEAD - 1);
    assert.equal(host.holds.length, holds, 'nothing started before the preparing instant');
    clock.advance(runAt - 1);
    assert.deepEqual(host.holds.slice(holds), [{ at: runAt - PREPARE_AHEAD, ms: PREPARE_AHEAD }], 'one hold, until the second, for the three');
    assert.deepEqual(ids.map((id) => s.atGet(id)?.job != null), [true, true, true], 'their starts are stored ahead');
    assert.equal(host.started.length, before, 'no request has left before the second');
    clock.advance(runAt);
    assert.equal(host.started.length, before + 3, 'all three leave at the second');
    for (const j of host.started.slice(before)) host.end(j);
    await tick();
  });

  test('removing a queued at job removes its job file, after the transaction', async () => {
    const a = s.addAt({ queue: 'b', uid, gid: uid, user, runAt: clock.now() + 3_600_000, spec: 'now + 1 hour', tz: 'UTC', script: 'true\n', command: 'true', cwd: '/', env: {}, umask: null });
    const r = s.removeAt([a.id, 999_999], () => true);
    assert.deepEqual(r, { removed: [a.id], errors: [{ id: 999_999, message: 'cannot find job 999999' }] });
    await waitFile(() => !readdirSync(spoolDir(dir)).includes(`at-${a.id}`), 'its job file to go');
  });
});

// Issue 17: a run's managed log files are made up to STAGE_AHEAD before its second (the helper
// made them at the spawn, 0.3-0.5 ms each for a new directory, one run after another).
describe('the scheduler with a logs directory: log files made ahead', () => {
  const uid = process.getuid?.() ?? 0;
  const user = lookupUser(uid)!.name;
  let dir: string;
  let logs: string;
  let db: Db;
  let clock: FakeClock;
  let host: Host;
  let s: Scheduler;
  const notes: string[] = [];
  const T0 = Date.parse('2030-01-01T00:00:30Z');

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'appinit-sched-logs-'));
    logs = join(dir, 'logs');
    db = openDb(join(dir, 'state.db'), MODULES);
    clock = new FakeClock(T0);
    host = new Host(clock);
    s = new Scheduler(host as unknown as SchedulerHost, db, dir, { clock, note: (l) => notes.push(l), logs }).start();
  });
  after(() => {
    s.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an at job and a crontab run: their log files exist when staged, before the second; 0600, never through a link', async () => {
    const runAt = Date.parse('2030-01-01T00:02:00Z');
    const a = s.addAt({ queue: 'a', uid, gid: uid, user, runAt, spec: 'teatime', tz: 'UTC', script: 'true\n', command: 'true', cwd: '/', env: {}, umask: null });
    // A second at job whose log directory is a link elsewhere: nothing is made through it.
    const b = s.addAt({ queue: 'a', uid, gid: uid, user, runAt, spec: 'teatime', tz: 'UTC', script: 'true\n', command: 'true', cwd: '/', env: {}, umask: null });
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(logs);
    symlinkSync(elsewhere, join(logs, `at-${b.id}`));
    s.setCrontab({ uid, user, text: 'CRON_TZ=UTC\n2 0 * * * echo tick\n' });
    await tick();
    const out = join(logs, `at-${a.id}`, 'out.log');
    clock.advance(runAt - STAGE_AHEAD - 1);
    assert.ok(!existsSync(out), 'not before the staging instant');
    clock.advance(runAt - STAGE_AHEAD);
    assert.ok(existsSync(out) && existsSync(join(logs, `at-${a.id}`, 'err.log')), 'made when the run is staged');
    assert.equal(lstatSync(out).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(elsewhere), [], 'nothing made through a link');
    const cron = [...host.jobs.values()].find((j) => /echo tick/.test(j.spec.commandText))!;
    assert.ok(existsSync(join(logs, cron.spec.name, 'out.log')), 'a crontab run\'s too');
    assert.equal(host.started.length, 0, 'nothing started yet');
    clock.advance(runAt);
    assert.equal(host.started.length, 3, 'all three start at their second');
    assert.deepEqual(notes, []);
    for (const j of host.started) host.end(j);
    await tick();
  });
});

// at's batch rule (batch.ts): queue b and uppercase queues wait for the load average and start
// an interval apart; the other queues run at their time whatever the load.
describe('the scheduler: batch jobs wait for the load average, one per interval', () => {
  const uid = process.getuid?.() ?? 0;
  const user = lookupUser(uid)!.name;
  let dir: string;
  let db: Db;
  let clock: FakeClock;
  let host: Host;
  let s: Scheduler;
  let load = 2;
  const notes: string[] = [];
  const T0 = Date.parse('2030-01-01T00:00:30Z');
  const add = (queue: string, runAt: number, command: string) =>
    s.addAt({ queue, uid, gid: uid, user, runAt, spec: 'now', tz: 'UTC', script: `${command}\n`, command, cwd: '/', env: {}, umask: null });
  const started = () => host.started.map((j) => j.spec.commandText);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'appinit-sched-batch-'));
    db = openDb(join(dir, 'state.db'), MODULES);
    clock = new FakeClock(T0);
    host = new Host(clock);
    s = new Scheduler(host as unknown as SchedulerHost, db, dir, { clock, note: (l) => notes.push(l), batch: { load: () => load, limit: 1.5, intervalMs: 60_000 } }).start();
  });
  after(() => {
    s.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('under load a batch job waits (an at job of queue a does not); once the load is below the limit it starts', async () => {
    add('b', T0, 'echo b1');
    add('a', T0, 'echo a1');
    await new Promise((r) => setImmediate(r));
    clock.advance(T0 + 1);
    assert.deepEqual(started(), ['echo a1'], 'queue a ran at its time; b waits for the load');
    clock.advance(T0 + 50_000);
    assert.deepEqual(started(), ['echo a1'], 'the load is still 2');
    assert.equal(s.atList().find((a) => a.command === 'echo b1')?.job, null, 'b1 still queued');
    load = 0.4;
    clock.advance(T0 + 61_001);
    assert.deepEqual(started(), ['echo a1', 'echo b1'], 'started at the next look, within an interval');
  });

  test('batch jobs start an interval apart, the oldest first; an uppercase queue is batch from its time', async () => {
    const when: { command: string; at: number }[] = [];
    const start = host.start.bind(host);
    host.start = (jobs: Job[]) => {
      for (const j of jobs) when.push({ command: j.spec.commandText, at: clock.now() });
      start(jobs);
    };
    const t = clock.now();
    add('b', t, 'echo b3');
    add('b', t - 1000, 'echo b2');
    add('C', t + 10_000, 'echo C1');
    await new Promise((r) => setImmediate(r));
    clock.advance(t + 400_000);
    assert.deepEqual(when.map((w) => w.command), ['echo b2', 'echo b3', 'echo C1'], 'the oldest first; C1 from its time on, after them');
    const b1 = host.started.find((j) => j.spec.commandText === 'echo b1')!;
    assert.ok(b1, 'b1 ran in the test before');
    for (let k = 1; k < when.length; k++) assert.ok(when[k].at - when[k - 1].at >= 60_000, `an interval between ${when[k - 1].command} and ${when[k].command}: ${when[k].at - when[k - 1].at} ms`);
    assert.ok(when[0].at - t < 60_000, 'b2 started within an interval of b1');
    assert.ok(when[2].at >= t + 10_000, 'C1 not before its time');
    assert.deepEqual(notes, []);
  });
});
