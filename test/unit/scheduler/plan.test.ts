// The scheduler's pure decisions, from fixed reference instants: when a schedule runs next, what
// a restart of the daemon owes it, and what a run does beside a busy one. No clock is read.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { atProgramDue, atProgramNext, cronCatchUp, nextCron, overlapAction } from '../../../src/core/scheduler/plan.js';
import { parseCron } from '../../../src/schedule/index.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());
const MIN = 60_000;

describe('nextCron', () => {
  test('strictly after the instant, in the schedule\'s zone', () => {
    const every15 = parseCron('*/15 * * * *');
    assert.equal(iso(nextCron(every15, 'UTC', at('2030-01-01T10:00:00Z'))), '2030-01-01T10:15:00.000Z');
    assert.equal(iso(nextCron(every15, 'UTC', at('2030-01-01T10:14:59.999Z'))), '2030-01-01T10:15:00.000Z');
    assert.equal(iso(nextCron(parseCron('0 9 * * *'), 'America/New_York', at('2030-01-01T10:00:00Z'))), '2030-01-01T14:00:00.000Z');
  });
});

describe('cronCatchUp: what a (re)start owes a cron schedule', () => {
  const hourly = parseCron('0 * * * *');
  const started = at('2030-01-01T12:30:00Z');
  const now = started + 5;

  test('never seen: plan from now, nothing missed', () => {
    assert.deepEqual(cronCatchUp(hourly, 'UTC', null, started, now, 'skip'), { runNow: false, missed: false, from: now });
  });

  test('last handled after the last due time before the start: nothing missed', () => {
    assert.deepEqual(cronCatchUp(hourly, 'UTC', at('2030-01-01T12:00:00Z'), started, now, 'skip'), { runNow: false, missed: false, from: at('2030-01-01T12:00:00Z') });
  });

  test('runs fell while no daemon ran: skip (cron) or run once now (run-once)', () => {
    const last = at('2030-01-01T09:00:00Z'); // 10:00, 11:00 and 12:00 fell
    assert.deepEqual(cronCatchUp(hourly, 'UTC', last, started, now, 'skip'), { runNow: false, missed: true, from: started });
    assert.deepEqual(cronCatchUp(hourly, 'UTC', last, started, now, 'run-once'), { runNow: true, missed: true, from: started });
  });
});

describe('at programs', () => {
  const now = at('2030-06-01T08:00:00Z');

  test('the TIMESPEC is read at planning time; a past absolute time is kept for the missed policy', () => {
    assert.equal(iso(atProgramDue('now + 2 hours', now, 'UTC')), '2030-06-01T10:00:00.000Z');
    assert.equal(iso(atProgramDue('noon Jan 1 2030', now, 'UTC')), '2030-01-01T12:00:00.000Z');
  });

  test('atProgramNext: due, done, or missed while down', () => {
    const started = now;
    assert.deepEqual(atProgramNext(now + MIN, false, now - MIN, started, now, 'skip'), { next: now + MIN, skipped: false });
    assert.deepEqual(atProgramNext(now + MIN, true, now - MIN, started, now, 'skip'), { next: null, skipped: false });
    // Planned by an earlier daemon, due before this one started.
    assert.deepEqual(atProgramNext(now - MIN, false, now - 2 * MIN, started, now, 'skip'), { next: null, skipped: true });
    assert.deepEqual(atProgramNext(now - MIN, false, now - 2 * MIN, started, now, 'run-once'), { next: now - MIN, skipped: false });
    // Planned by this daemon: not missed, whatever the time.
    assert.deepEqual(atProgramNext(now - MIN, false, now, started, now, 'skip'), { next: now - MIN, skipped: false });
  });
});

describe('overlapAction', () => {
  test('a free program starts; a busy one starts another, skips or queues', () => {
    assert.equal(overlapAction('skip', false), 'start');
    assert.equal(overlapAction('allow', true), 'extra');
    assert.equal(overlapAction('skip', true), 'skip');
    assert.equal(overlapAction('queue', true), 'queue');
  });
});
