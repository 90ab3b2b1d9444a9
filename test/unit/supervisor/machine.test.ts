// The job state machine, cell by cell, with a fake clock: what each event does in each state,
// as supervisord's test_transition_* do. No process, no store, no real time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KILL_GRACE_MS, KILL_ROUNDS, machine, resumeEffects, type State } from '../../../src/core/supervisor/machine.js';
import { termination } from '../../../src/core/supervisor/termination.js';
import { core, Driver, program } from './fixtures.js';

const EXIT1 = termination(1, null, false);
const EXIT0 = termination(0, null, false);

function started(over = {}) {
  const d = new Driver(core(program(over)));
  d.send({ type: 'start' });
  d.send({ type: 'spawned', pid: 100, start: 5, execError: null, tracked: false });
  return d;
}

describe('machine', () => {
  test('every state has a cell for every event (the table is exhaustive at run time too)', () => {
    const events = Object.keys(machine.running).sort();
    for (const s of Object.keys(machine) as State[]) assert.deepEqual(Object.keys(machine[s]).sort(), events, s);
  });

  test('start spawns; spawned records the pid; the ready deadline makes it running', () => {
    const d = new Driver(core(program({ ready: 1000 })));
    const s = d.send({ type: 'start' });
    assert.equal(d.job.state, 'starting');
    assert.equal(d.job.want, 'up');
    assert.deepEqual(s?.effects.map((e) => e.kind), ['spawn', 'deadline']);
    const sp = d.send({ type: 'spawned', pid: 42, start: 7, execError: null, tracked: false });
    assert.deepEqual(sp?.effects, [{ kind: 'deadline', in: 1000 }]);
    assert.equal(d.job.pid, 42);
    assert.equal(d.job.startedMono, d.clock.mono);
    d.clock.advance(1000);
    d.send({ type: 'timer' });
    assert.equal(d.job.state, 'running');
  });

  test('ready 0 is running at once, with no timer', () => {
    const d = started({ ready: 0 });
    assert.equal(d.job.state, 'running');
  });

  test('an exit with restart: always backs off by the policy, and the timer spawns again', () => {
    const d = started({ ready: 0 });
    d.clock.advance(50);
    const s = d.send({ type: 'exit', term: EXIT1, ticketUsed: false });
    assert.equal(d.job.state, 'backoff');
    assert.equal(d.job.restarts, 1);
    assert.deepEqual(s?.effects, [{ kind: 'deadline', in: 100 }]);
    assert.match(s?.note ?? '', /web exited with code 1 after 50ms; retrying in 100ms \(restart 1\)/);
    assert.equal(d.job.want, 'up', 'the machine does not change want: only commands do');
    const t = d.send({ type: 'timer' });
    assert.equal(d.job.state, 'starting');
    assert.equal(t?.effects[0].kind, 'spawn');
  });

  test('an exit that left processes: their stop signal first, the restart once they are gone and the backoff is over', () => {
    const d = started({ ready: 0, backoff: { initial: 3000, factor: 2, max: 30000, reset: 10000 }, stopTimeout: 10000 });
    d.send({ type: 'adopted', pid: 200 });
    const s = d.send({ type: 'exit', term: EXIT1, ticketUsed: false, left: 1 });
    assert.equal(d.job.state, 'backoff');
    assert.deepEqual(s?.effects, [{ kind: 'signal', sig: 'SIGTERM', all: true }, { kind: 'deadline', in: 3000 }]);
    assert.match(s?.note ?? '', /; first ending the 1 process its last run left \(SIGTERM\)$/);
    d.clock.advance(50);
    const e = d.send({ type: 'empty' });
    assert.equal(d.job.state, 'backoff', 'gone, but the backoff still holds');
    assert.deepEqual(e?.effects, [{ kind: 'deadline', in: 2950 }]);
    d.clock.advance(2950);
    assert.equal(d.send({ type: 'timer' })?.effects[0]?.kind, 'spawn');
    assert.equal(d.job.state, 'starting');
  });

  test('a start while leftovers are being ended does not spawn beside them: it drops the rest of the delay only', () => {
    const d = started({ ready: 0, backoff: { initial: 3000, factor: 2, max: 30000, reset: 10000 }, stopTimeout: 10000 });
    d.send({ type: 'adopted', pid: 200 });
    d.send({ type: 'exit', term: EXIT1, ticketUsed: false, left: 1 });
    const s = d.send({ type: 'start' });
    assert.deepEqual(s?.effects, [], 'no spawn yet');
    assert.equal(d.job.state, 'backoff');
    d.clock.advance(50);
    assert.equal(d.send({ type: 'empty' })?.effects[0]?.kind, 'spawn', 'gone: the start goes at once');
  });

  test('leftovers still there after the stop timeout get SIGKILL; the restart follows their end or the grace', () => {
    const d = started({ ready: 0, backoff: { initial: 0, factor: 2, max: 30000, reset: 10000 }, stopTimeout: 1000 });
    d.send({ type: 'adopted', pid: 200 });
    const s = d.send({ type: 'exit', term: EXIT1, ticketUsed: false, left: 1 });
    assert.deepEqual(s?.effects, [{ kind: 'signal', sig: 'SIGTERM', all: true }, { kind: 'deadline', in: 1000 }]);
    d.clock.advance(1000);
    const k = d.send({ type: 'timer' });
    assert.deepEqual(k?.effects, [{ kind: 'signal', sig: 'SIGKILL', all: true }, { kind: 'deadline', in: KILL_GRACE_MS }]);
    assert.equal(d.send({ type: 'empty' })?.effects[0]?.kind, 'spawn', 'gone after the KILL: the restart at once (no backoff)');
  });

  test('restart: never rests in exited and keeps want as commanded', () => {
    const d = started({ ready: 0, restart: 'never' });
    d.send({ type: 'exit', term: EXIT0, ticketUsed: false });
    assert.equal(d.job.state, 'exited');
    assert.equal(d.job.want, 'up');
    assert.equal(d.job.pid, null);
  });

  test('an exec failure is fatal at once, with the reason', () => {
    const d = new Driver(core(program({ ready: 0 })));
    d.send({ type: 'start' });
    d.send({ type: 'spawned', pid: 9, start: 1, execError: 'command not found: web', tracked: false });
    d.send({ type: 'exit', term: termination(127, null, false), ticketUsed: false });
    assert.equal(d.job.state, 'fatal');
    assert.equal(d.job.reason, 'command not found: web');
  });

  test('the crash-loop limit gives up, counting restarts as RESTARTS does', () => {
    const d = started({ ready: 0, backoff: { initial: 0, factor: 1, max: 0, reset: 10_000 }, crashLoop: { limit: 2, window: 60_000 } });
    for (let i = 0; i < 2; i++) {
      d.send({ type: 'exit', term: EXIT1, ticketUsed: false });
      assert.equal(d.job.state, 'starting', `restart ${i + 1}`);
      d.send({ type: 'spawned', pid: 200 + i, start: 9, execError: null, tracked: false });
    }
    d.send({ type: 'exit', term: EXIT1, ticketUsed: false });
    assert.equal(d.job.state, 'fatal');
    assert.equal(d.job.restarts, 2);
    assert.match(d.job.reason ?? '', /2 restarts within 1m \(limit 2\)/);
  });

  test('restarts outside the window do not count (monotonic clock)', () => {
    const d = started({ ready: 0, backoff: { initial: 0, factor: 1, max: 0, reset: 10_000 }, crashLoop: { limit: 2, window: 60_000 } });
    for (let i = 0; i < 6; i++) {
      d.clock.advance(31_000);
      d.send({ type: 'exit', term: EXIT1, ticketUsed: false });
      assert.equal(d.job.state, 'starting', `restart ${i + 1} is within the limit`);
      d.send({ type: 'spawned', pid: 300 + i, start: 9, execError: null, tracked: false });
    }
  });

  test('a long run resets the backoff attempt', () => {
    const d = started({ ready: 0, backoff: { initial: 100, factor: 2, max: 10_000, reset: 5_000 } });
    d.send({ type: 'exit', term: EXIT1, ticketUsed: false });
    d.send({ type: 'timer' });
    d.send({ type: 'spawned', pid: 2, start: 1, execError: null, tracked: false });
    const s2 = d.send({ type: 'exit', term: EXIT1, ticketUsed: false });
    assert.deepEqual(s2?.effects, [{ kind: 'deadline', in: 200 }], 'second quick crash doubles');
    d.send({ type: 'timer' });
    d.send({ type: 'spawned', pid: 3, start: 1, execError: null, tracked: false });
    d.clock.advance(6_000);
    const s3 = d.send({ type: 'exit', term: EXIT1, ticketUsed: false });
    assert.deepEqual(s3?.effects, [{ kind: 'deadline', in: 100 }], 'after 6 s up the backoff starts over');
  });

  test('a ticket restart counts the restart and waits for the new pid', () => {
    const d = started({ ready: 0, backoff: { initial: 0, factor: 1, max: 0, reset: 10_000 } });
    const s = d.send({ type: 'exit', term: EXIT1, ticketUsed: true });
    assert.equal(d.job.state, 'starting');
    assert.equal(d.job.restarts, 1);
    assert.deepEqual(s?.effects, [{ kind: 'deadline', in: null }], 'no spawn: the helper did it');
    d.send({ type: 'respawned', pid: 77, start: 3, execError: null, tracked: false });
    assert.equal(d.job.pid, 77);
    assert.equal(d.job.state, 'running');
  });

  test('stop: TERM to the whole job, then KILL at the timeout, then rounds until nothing is left', () => {
    const d = started({ ready: 0, stopTimeout: 2000 });
    const s = d.send({ type: 'stop' });
    assert.equal(d.job.state, 'stopping');
    assert.equal(d.job.want, 'down');
    assert.deepEqual(s?.effects, [{ kind: 'signal', sig: 'SIGTERM', all: true }, { kind: 'deadline', in: 2000 }]);
    const k = d.send({ type: 'timer' });
    assert.deepEqual(k?.effects, [{ kind: 'signal', sig: 'SIGKILL', all: true }, { kind: 'deadline', in: KILL_GRACE_MS }]);
    assert.equal(d.job.killRounds, 1);
    const again = d.send({ type: 'timer', survivors: [{ pid: 100, state: 'S' }] });
    assert.equal(again?.effects[0].kind, 'signal', 'a survivor in S is killed again');
    assert.equal(d.job.state, 'stopping');
    for (let i = 2; i < KILL_ROUNDS; i++) d.send({ type: 'timer', survivors: [{ pid: 100, state: 'D' }] });
    const end = d.send({ type: 'timer', survivors: [{ pid: 100, state: 'D' }] });
    assert.equal(d.job.state, 'stopped', 'a stop always returns');
    assert.match(d.job.reason ?? '', /processes left after SIGKILL: 100 \(D: uninterruptible sleep\)/);
    assert.match(end?.note ?? '', /100/);
    assert.equal(d.job.others.size, 0);
  });

  test('stopping ends when the leader and every adopted process are gone', () => {
    const d = started({ ready: 0 });
    d.send({ type: 'adopted', pid: 555 });
    d.send({ type: 'stop' });
    d.send({ type: 'exit', term: termination(null, 15, false), ticketUsed: false });
    assert.equal(d.job.state, 'stopping', 'an adopted process is still alive');
    d.send({ type: 'reaped', pid: 555 });
    assert.equal(d.job.state, 'stopped');
  });

  test('with a tracking helper, stopping waits for `empty` as well', () => {
    const d = new Driver(core(program({ ready: 0 })));
    d.send({ type: 'start' });
    d.send({ type: 'spawned', pid: 5, start: 1, execError: null, tracked: true });
    d.send({ type: 'stop' });
    d.send({ type: 'exit', term: termination(null, 15, false), ticketUsed: false });
    assert.equal(d.job.state, 'stopping', 'something of the job may be alive');
    d.send({ type: 'empty' });
    assert.equal(d.job.state, 'stopped');
  });

  test('`empty` before the leader\'s exit: stopped at the exit', () => {
    const d = new Driver(core(program({ ready: 0 })));
    d.send({ type: 'start' });
    d.send({ type: 'spawned', pid: 5, start: 1, execError: null, tracked: true });
    d.send({ type: 'stop' });
    d.send({ type: 'empty' });
    assert.equal(d.job.state, 'stopping');
    d.send({ type: 'exit', term: termination(null, 15, false), ticketUsed: false });
    assert.equal(d.job.state, 'stopped');
  });

  test('a stop during backoff cancels it; a stop at rest with leftovers still reaches them', () => {
    const d = started({ ready: 0 });
    d.send({ type: 'exit', term: EXIT1, ticketUsed: false });
    d.send({ type: 'stop' });
    assert.equal(d.job.state, 'stopped');
    assert.equal(d.send({ type: 'stop' }), null, 'nothing to do');
    d.send({ type: 'adopted', pid: 8 });
    d.send({ type: 'stop' });
    assert.equal(d.job.state, 'stopping');
  });

  test('a respawn the helper made during a stop is killed', () => {
    const d = started({ ready: 0 });
    d.send({ type: 'stop' });
    const s = d.send({ type: 'respawned', pid: 9, start: 1, execError: null, tracked: false });
    assert.deepEqual(s?.effects, [{ kind: 'signal', sig: 'SIGKILL', all: true }]);
    assert.ok(d.job.others.has(9));
  });

  test('suspend and continue are the leader\'s; bg touches and continues', () => {
    const d = started({ ready: 0 });
    d.clock.advance(10);
    d.send({ type: 'suspended', sig: 20 });
    assert.equal(d.job.suspended, true);
    assert.equal(d.job.stopSig, 20);
    assert.equal(d.job.touchedAt, d.clock.wall);
    const bg = d.send({ type: 'bg' });
    assert.deepEqual(bg?.effects, [{ kind: 'signal', sig: 'SIGCONT', all: false }]);
    d.send({ type: 'continued' });
    assert.equal(d.job.suspended, false);
  });

  test('opening shows the path until the process runs', () => {
    const d = new Driver(core(program({ ready: 0 })));
    d.send({ type: 'start' });
    d.send({ type: 'opening', path: '/tmp/fifo' });
    assert.equal(d.job.opening, '/tmp/fifo');
    d.send({ type: 'spawned', pid: 5, start: 1, execError: null, tracked: false });
    assert.equal(d.job.opening, null);
  });

  test('reconcile: a leader the helper still owns, one alive without it (foreign), one gone', () => {
    const d = started({ ready: 0 });
    d.send({ type: 'reconciled', leader: { pid: 100, start: 5 }, others: [7], leaderAlive: true });
    assert.deepEqual([d.job.pid, [...d.job.others], d.job.foreign], [100, [7], false]);
    d.send({ type: 'reconciled', leader: null, others: [], leaderAlive: true });
    assert.equal(d.job.foreign, true);
  });

  test('reconcile: a spawn lost with its helper whose process was found in the cgroup is adopted, foreign, with a start time', () => {
    const d = new Driver(core(program({ ready: 0 })));
    d.send({ type: 'start' });
    assert.equal(d.job.pid, null);
    d.send({ type: 'reconciled', leader: { pid: 300, start: 9, found: true }, others: [], leaderAlive: true });
    assert.deepEqual([d.job.state, d.job.pid, d.job.startTicks, d.job.foreign, d.job.startedMono], ['starting', 300, 9, true, d.clock.mono]);
    // No second spawn: the state's resume is its ready deadline, as for any started process.
    assert.deepEqual(resumeEffects(d.job, d.clock.mono), [{ kind: 'deadline', in: 0 }]);
  });

  test('after a daemon restart, timers are set again from the state', () => {
    const j = core(program({ ready: 500, stopTimeout: 3000 }));
    assert.deepEqual(resumeEffects({ ...j, state: 'backoff' }, 1000), [{ kind: 'deadline', in: 0 }]);
    assert.deepEqual(resumeEffects({ ...j, state: 'starting', want: 'up' }, 1000), [{ kind: 'spawn' }]);
    assert.deepEqual(resumeEffects({ ...j, state: 'starting', pid: 3 }, 1000), [{ kind: 'deadline', in: 500 }]);
    assert.deepEqual(resumeEffects({ ...j, state: 'stopping' }, 1000), [{ kind: 'signal', sig: 'SIGTERM', all: true }, { kind: 'deadline', in: 3000 }]);
    assert.deepEqual(resumeEffects({ ...j, state: 'running' }, 1000), []);
  });

  test('a backoff resumed after a daemon restart goes on for what is left of it, not from zero', () => {
    const p = program({ backoff: { initial: 5000, factor: 2, max: 60_000, reset: 60_000 } });
    const j = { ...core(p), state: 'backoff' as const, attempt: 2, restartTimes: [10_000, 20_000] }; // the second restart: 10 s of backoff
    assert.deepEqual(resumeEffects(j, 21_000), [{ kind: 'deadline', in: 9000 }]);
    assert.deepEqual(resumeEffects(j, 35_000), [{ kind: 'deadline', in: 0 }], 'over already');
  });
});

describe('machine: after', () => {
  test('a blocked start has no process; unblocked spawns; a stop while blocked is immediate', () => {
    const d = new Driver(core(program({ ready: 0 })));
    d.send({ type: 'start' });
    d.send({ type: 'blocked', on: ['db'] });
    assert.deepEqual(d.job.waitingFor, ['db']);
    const u = d.send({ type: 'unblocked' });
    assert.deepEqual(u?.effects, [{ kind: 'spawn' }]);
    assert.equal(d.job.waitingFor, null);
    d.send({ type: 'blocked', on: ['db'] });
    const s = d.send({ type: 'stop' });
    assert.equal(d.job.state, 'stopped');
    assert.deepEqual(s?.effects, [{ kind: 'deadline', in: null }]);
  });
});

describe('machine: leftovers', () => {
  test('a stop in backoff while what the leader forked still lives is a real stop; rest waits for empty', () => {
    const d = new Driver(core(program({ ready: 0 })));
    d.send({ type: 'start' });
    d.send({ type: 'spawned', pid: 5, start: 1, execError: null, tracked: true });
    d.send({ type: 'exit', term: termination(2, null, false), ticketUsed: false });
    assert.equal(d.job.state, 'backoff');
    const s = d.send({ type: 'stop' });
    assert.equal(d.job.state, 'stopping', 'its children still run: TERM them');
    assert.deepEqual(s?.effects[0], { kind: 'signal', sig: 'SIGTERM', all: true });
    d.send({ type: 'empty' });
    assert.equal(d.job.state, 'stopped');
  });
});

describe('ready: notify', () => {
  test('spawned sets no deadline; STATUS= is kept; READY=1 makes it running; a new process starts without the old text', () => {
    const d = new Driver(core(program({ ready: 'notify' })));
    d.send({ type: 'start' });
    const sp = d.send({ type: 'spawned', pid: 42, start: 7, execError: null, tracked: false });
    assert.deepEqual(sp?.effects, [{ kind: 'deadline', in: null }]);
    d.send({ type: 'timer' });
    assert.equal(d.job.state, 'starting', 'no time makes it ready');
    d.send({ type: 'notified', ready: false, status: 'loading' });
    assert.deepEqual([d.job.state, d.job.statusText], ['starting', 'loading']);
    d.send({ type: 'notified', ready: true, status: null });
    assert.deepEqual([d.job.state, d.job.statusText], ['running', 'loading']);
    d.send({ type: 'notified', ready: false, status: 'busy' });
    assert.equal(d.job.statusText, 'busy');
    assert.deepEqual(resumeEffects({ ...d.job, state: 'starting' }, d.clock.mono), [], 'a daemon restart sets no timer for it either');
    d.send({ type: 'exit', term: EXIT1, ticketUsed: false });
    d.send({ type: 'timer' });
    assert.equal(d.job.statusText, null);
  });

  test('READY=1 from a program with a timed ready changes nothing (the time decides)', () => {
    const d = new Driver(core(program({ ready: 1000 })));
    d.send({ type: 'start' });
    d.send({ type: 'spawned', pid: 42, start: 7, execError: null, tracked: false });
    d.send({ type: 'notified', ready: true, status: null });
    assert.equal(d.job.state, 'starting');
  });
});
