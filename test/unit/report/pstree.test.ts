// formatPstree: psmisc's drawing (sorting by name, N*[...] folding, threads, '+' truncation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROCS, proc } from './fixtures.js';
import { formatPstree } from '../../../src/cli/report/pstree.js';
import type { ProcInfo } from '../../../src/os/proc/types.js';

// The tree from the live machine this was checked on (`pstree -A`).
const TREE: ProcInfo[] = [
  proc({ pid: 1, ppid: 0, comm: 'process_api', numThreads: 13 }),
  proc({ pid: 1062, comm: 'memfd:sealed-91', numThreads: 1 }),
  proc({ pid: 1063, ppid: 1062, comm: 'bash' }),
  proc({ pid: 2377, comm: 'memfd:sealed-91' }),
  proc({ pid: 2379, ppid: 2377, comm: 'bash' }),
  proc({ pid: 2384, comm: 'memfd:sealed-91' }),
  proc({ pid: 2398, ppid: 2384, comm: 'bash' }),
  proc({ pid: 2505, comm: 'memfd:sealed-91', numThreads: 3 }),
  proc({ pid: 2510, ppid: 2505, comm: 'bash' }),
  proc({ pid: 4473, ppid: 2510, comm: 'bash' }),
  proc({ pid: 4474, ppid: 4473, comm: 'bash' }),
  proc({ pid: 4475, ppid: 4474, comm: 'pstree' }),
  proc({ pid: 4476, ppid: 4474, comm: 'head' }),
  proc({ pid: 4600, comm: 'perl' }),
  proc({ pid: 4601, ppid: 4600, comm: 'perl', state: 'Z' }),
  proc({ pid: 4610, comm: 'sleep' }),
  proc({ pid: 4611, ppid: 4610, comm: 'sleep' }),
];

test('matches pstree -A: sorted by name, identical subtrees folded, threads last', () => {
  assert.equal(formatPstree(TREE), [
    'process_api-+-3*[memfd:sealed-91---bash]',
    '            |-memfd:sealed-91-+-bash---bash---bash-+-head',
    '            |                 |                    `-pstree',
    '            |                 `-2*[{memfd:sealed-91}]',
    '            |-perl---perl',
    '            |-sleep---sleep',
    '            `-12*[{process_api}]',
    '',
  ].join('\n'));
});

test('unicode symbols as pstree -U', () => {
  assert.equal(formatPstree(PROCS, 1, undefined, { symbols: 'unicode' }), 'systemd─┬─bash───2*[sleep]\n        └─node───10*[{node}]\n');
});

test('marks label job roots and keep them from folding with unmarked twins', () => {
  const marks = new Map([[4300, '%1']]);
  assert.equal(formatPstree(PROCS, 1, marks), [
    'systemd-+-bash-+-sleep(%1)',
    '        |      `-sleep',
    '        `-node---10*[{node}]',
    '',
  ].join('\n'));
});

test('a subtree from any root; threads hidden (-T); compaction off (-c)', () => {
  assert.equal(formatPstree(PROCS, 4242), 'bash---2*[sleep]\n');
  assert.equal(formatPstree(PROCS, 1, undefined, { threads: false }), 'systemd-+-bash---2*[sleep]\n        `-node\n');
  assert.equal(formatPstree(PROCS, 4242, undefined, { compact: false }), 'bash-+-sleep\n     `-sleep\n');
  assert.equal(formatPstree(PROCS, 999), '');
});

test('thread names from ProcInfo.threads with threadNames (-t)', () => {
  const p = [proc({ pid: 1, ppid: 0, comm: 'node', numThreads: 3, threads: [{ tid: 2, comm: 'libuv-worker', state: 'S', utime: 0, stime: 0 }, { tid: 3, comm: 'V8 Worker', state: 'S', utime: 0, stime: 0 }] })];
  assert.equal(formatPstree(p, 1, undefined, { threadNames: true }), 'node-+-{V8 Worker}\n     `-{libuv-worker}\n');
  assert.equal(formatPstree(p, 1), 'node---2*[{node}]\n');
});

test('lines are cut at the width: width-1 characters then +', () => {
  const chain: ProcInfo[] = [proc({ pid: 1, ppid: 0, comm: 'init' })];
  for (let i = 2; i < 20; i++) chain.push(proc({ pid: i, ppid: i - 1, comm: 'sh' }));
  assert.equal(formatPstree(chain, 1, undefined, { width: 30 }), 'init---sh---sh---sh---sh---sh+\n');
  assert.equal(formatPstree(chain.slice(0, 4), 1, undefined, { width: Infinity }), 'init---sh---sh---sh\n');
});

test('odd names are escaped as psmisc does', () => {
  const p = [proc({ pid: 1, ppid: 0, comm: 'a\\b' }), proc({ pid: 2, comm: 'tab\there' })];
  assert.equal(formatPstree(p), 'a\\\\b---tab\\011here\n');
});
