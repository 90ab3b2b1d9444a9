// What the daemon makes of a new helper's list after a reconnect: owned children, members of a
// job's cgroup that a dead helper started, and leaders that live on without a helper.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChildEvent, MemberEvent } from '../../../src/os/helper-protocol.js';
import type { Job } from '../../../src/core/supervisor/job.js';
import { lostLeader, reconcileJob } from '../../../src/core/supervisor/reconcile.js';
import { core, program } from './fixtures.js';

const member = (pid: number, start: number, ppid: number): MemberEvent => ({ ev: 'member', pid, start, ppid, job: '1' });
const job = (over: Partial<Job> = {}): Job => ({ ...core(program({})), state: 'starting', want: 'up', ...over }) as Job;
const never = () => false;

describe('reconcile', () => {
  test('the leader of a lost spawn is the member that started first', () => {
    assert.equal(lostLeader([member(50, 12, 40), member(20, 10, 1), member(30, 11, 20)])?.pid, 20);
  });

  test('on a tie in start ticks, the member whose parent is outside the group leads, then the lower pid', () => {
    assert.equal(lostLeader([member(51, 10, 20), member(20, 10, 1)])?.pid, 20, 'its parent (the dead helper) is not a member');
    assert.equal(lostLeader([member(60, 10, 1), member(59, 10, 1)])?.pid, 59);
    assert.equal(lostLeader([]), null);
  });

  test('a starting job with no pid adopts the found leader; its other members are left to the cgroup', () => {
    const { ev, endedUnseen } = reconcileJob(job(), [], [member(30, 11, 20), member(20, 10, 1)], never);
    assert.deepEqual(ev, { type: 'reconciled', leader: { pid: 20, start: 10, found: true }, others: [], leaderAlive: true });
    assert.equal(endedUnseen, false);
  });

  test('members do not replace a leader the helper owns, or one the job already had', () => {
    const owned: ChildEvent = { ev: 'child', pid: 7, start: 3, leader: 1, adopted: 0, pgid: 7, job: '1' };
    assert.deepEqual(reconcileJob(job(), [owned], [member(20, 10, 1)], never).ev, { type: 'reconciled', leader: { pid: 7, start: 3 }, others: [], leaderAlive: true });
    const known = reconcileJob(job({ state: 'running', pid: 9, startTicks: 4 }), [], [member(20, 10, 1)], () => true);
    assert.deepEqual(known.ev, { type: 'reconciled', leader: null, others: [], leaderAlive: true });
  });

  test('a job at rest does not take members as a new start: they are what it left, its leftovers', () => {
    assert.deepEqual(reconcileJob(job({ state: 'stopped', want: 'down' }), [], [member(20, 10, 1)], never).ev, { type: 'reconciled', leader: null, others: [20], leaderAlive: false });
  });
});
