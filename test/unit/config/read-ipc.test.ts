// The control file's `ipc:` section: what it reads, and each mistake at its file:line:col.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../src/config/program.js';
import { parseControlDocument } from '../../../src/config/load.js';

const read = (text: string) => parseControlDocument(text, 'app.yaml', '/srv', 'yaml').ipc.map(({ at, ...s }) => ({ ...s, line: at?.line }));
function problems(text: string): string[] {
  try {
    parseControlDocument(text, 'app.yaml', '/srv', 'yaml');
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message.split('\n');
  }
}

test('the issue\'s example: a keyed queue, private semaphores with values, a segment', () => {
  const ipc = read(`ipc:
  jobs:   { queue: { key: 0x3039, mode: 0600, maxBytes: 16KB } }
  counts: { semaphores: { key: private, count: 2, values: [1, 0] } }
  board:  { shm: { size: 4KB } }
programs:
  w: { command: sleep 1 }
`);
  assert.deepEqual(ipc, [
    { name: 'jobs', kind: 'queue', key: 0x3039, mode: 0o600, maxBytes: 16384, count: 1, values: [], size: 0, user: null, line: 2 },
    { name: 'counts', kind: 'semaphores', key: 0, mode: 0o600, maxBytes: null, count: 2, values: [1, 0], size: 0, user: null, line: 3 },
    { name: 'board', kind: 'shm', key: 0, mode: 0o600, maxBytes: null, count: 1, values: [], size: 4096, user: null, line: 4 },
  ]);
});

test('semaphores without values start at 0; values alone give the count; a file with only ipc: is fine', () => {
  assert.deepEqual(read('ipc:\n  a: { semaphores: { count: 3 } }\n').map((s) => s.values), [[0, 0, 0]]);
  assert.deepEqual(read('ipc:\n  a: { semaphores: { values: [2, 5] } }\n').map((s) => [s.count, s.values]), [[2, [2, 5]]]);
});

test('mistakes, each at its place', () => {
  assert.deepEqual(problems('ipc:\n  a: { queue: { mode: 999 } }\n'), ['app.yaml:2:23: ipc.a.queue.mode: expected octal permission bits like 0600, got 999 (number)']);
  assert.deepEqual(problems('ipc:\n  a: { queue: { key: -1 } }\n'), ['app.yaml:2:22: ipc.a.queue.key: expected a key like 0x3039 or 12345 (or private), got -1 (number)']);
  assert.deepEqual(problems('ipc:\n  a: { queue: {}, shm: { size: 1 } }\n'), ['app.yaml:2:19: ipc.a.shm: one kind per object: queue and shm are both set; give each its own name']);
  assert.deepEqual(problems('ipc:\n  a: { shm: { key: 5 } }\n'), ['app.yaml:2:13: ipc.a.shm: expected size: (bytes, like 4KB)']);
  assert.deepEqual(problems('ipc:\n  a: { semaphores: { count: 2, values: [1] } }\n'), ['app.yaml:2:40: ipc.a.semaphores.values: 1 values for count: 2; give one value per semaphore']);
  assert.deepEqual(problems('ipc:\n  a: { queue: { key: 7 } }\n  b: { queue: { key: 7 } }\n'), ['app.yaml:3:3: ipc.b: the same key as "a"; two objects of one kind need two keys']);
  assert.deepEqual(problems('ipc:\n  a: { queue: { maxbytes: 1 } }\n'), ['app.yaml:2:17: ipc.a.queue.maxbytes: unknown key; did you mean "maxBytes"?']);
  assert.deepEqual(problems('ipc: [a]\n'), ['app.yaml:1:6: ipc: expected a mapping of object names to { queue | semaphores | shm: settings }, got a list']);
});
