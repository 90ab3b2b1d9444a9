// Figure 3's wording (seed 003) and its aps table, exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { endLine, followArticle } from '../../../src/core/once/article.js';
import type { Supervisor, Job } from '../../../src/core/supervisor/runtime.js';
import { formatAps } from '../../../src/cli/format/status.js';
import type { JobView } from '../../../src/api/views.js';

test('the end of a process, as Figure 3 prints it from the wait status', () => {
  assert.equal(endLine('/dev/tty1', 1234, { exitCode: 0, signal: null, core: false }), '/dev/tty1: Process 1234 terminated with exit(0).');
  assert.equal(endLine('/dev/tty2', 77, { exitCode: null, signal: 9, core: false }), '/dev/tty2: Process 77 terminated due to signal 9.');
  assert.equal(endLine('/dev/null', 5, { exitCode: null, signal: 11, core: true }), '/dev/null: Process 5 terminated due to signal 11. A core image was produced.');
});

test('aps: printf("%-6s %-25s") then " %5d" or "<terminated>"', () => {
  const v = (over: Partial<JobView>): JobView => ({
    name: 'x', job: 1, instance: 0, pid: null, state: 'running', suspended: false, uptime: null, restarts: 0, user: 'root',
    command: '', lastExit: null, reason: null, opening: null, waitingFor: null, tty: null, health: null, ...over,
  });
  assert.equal(formatAps([
    v({ tty: 'tty1', command: '/usr/bin/menu -x', pid: 1234 }),
    v({ tty: null, command: 'spooler', pid: 98765 }),
    v({ tty: 'tty2', command: 'menu', pid: null, state: 'exited' }),
    v({ tty: 'pts/12', command: 'a command longer than twenty-five', pid: 7 }),
  ]), [
    'TTY    COMMAND                     PID',
    'tty1   /usr/bin/menu -x           1234',
    'null   spooler                   98765',
    'tty2   menu                     <terminated>',
    'pts/12 a command longer than twenty-five     7',
  ].join('\n'));
});

test('a process is announced once, even when a change comes between its record and its exit', () => {
  const sup = new EventEmitter();
  const job = { id: 1, pid: 4574, spec: { tty: null } } as unknown as Job;
  const lines: string[] = [];
  const stop = followArticle(sup as unknown as Supervisor, (l) => lines.push(l));
  sup.emit('change', { job });
  sup.emit('record', { pid: 4574, job: 1, exitCode: 3, signal: null, core: false });
  sup.emit('change', { job }); // the job still names the pid: its exit event is not applied yet
  (job as { pid: number | null }).pid = 4600; // a restart
  sup.emit('change', { job });
  stop();
  assert.deepEqual(lines, [
    'Process 4574 running on /dev/null.',
    '/dev/null: Process 4574 terminated with exit(3).',
    'Process 4600 running on /dev/null.',
  ]);
});
