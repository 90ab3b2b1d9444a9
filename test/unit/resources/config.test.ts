// The control file's coordination keys: top-level resources: in every form, a program's needs:
// as a map or a list, and each mistake at its file:line:col with nothing loaded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseControlDocument } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/program.js';

const problems = (text: string): string[] => {
  try {
    parseControlDocument(text, 'c.yaml', '/srv');
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  return [];
};

describe('resources: and needs:', () => {
  test('every form of a resource, and needs as a map or a list', () => {
    const d = parseControlDocument(`resources:
  db: mutex
  lock2: { mutex: true }
  gpu: { semaphore: 2, mode: 0660 }
  ready: semaphore
  jobs: { queue: { maxBytes: 16KB } }
  q2: queue
programs:
  a: { command: sleep 1, needs: { gpu: 2, db: 1 } }
  b: { command: sleep 1, needs: [db, lock2] }
  c: { command: sleep 1 }
`, 'c.yaml', '/srv');
    assert.deepEqual(d.resources.map(({ at: _at, ...r }) => r), [
      { name: 'db', kind: 'mutex', value: 1, maxBytes: 16384, mode: 0o600 },
      { name: 'lock2', kind: 'mutex', value: 1, maxBytes: 16384, mode: 0o600 },
      { name: 'gpu', kind: 'semaphore', value: 2, maxBytes: 16384, mode: 0o660 },
      { name: 'ready', kind: 'semaphore', value: 0, maxBytes: 16384, mode: 0o600 },
      { name: 'jobs', kind: 'queue', value: 0, maxBytes: 16 * 1024, mode: 0o600 },
      { name: 'q2', kind: 'queue', value: 0, maxBytes: 16384, mode: 0o600 },
    ]);
    assert.deepEqual(d.resources[2].at, { file: 'c.yaml', line: 4, col: 3 });
    assert.deepEqual(d.programs.map((p) => p.needs), [{ gpu: 2, db: 1 }, { db: 1, lock2: 1 }, {}]);
  });

  test('mistakes, each at its place', () => {
    assert.deepEqual(problems(`resources:
  a: { mutex: 3 }
  b: { semaphore: -1 }
  c: { semaphore: 1, queue: {} }
  d: { queue: { maxBytes: 0 } }
  -x: mutex
  e: [1]
programs:
  p: { command: sleep 1, needs: { a: 0 } }
`), [
      'c.yaml:2:15: resources.a.mutex: a mutex takes no settings (write db: mutex), got 3 (number)',
      'c.yaml:3:19: resources.b.semaphore: expected an integer from 0 to 1000000, got -1 (number)',
      'c.yaml:4:22: resources.c.queue: a resource is one thing: semaphore and queue are both set; keep one',
      'c.yaml:5:27: resources.d.queue.maxBytes: expected a size of at least 1B, got 0 (number)',
      'c.yaml:6:3: resources.-x: a resource name is 1 to 64 letters, digits, _ . : or - (not starting with . : or -)',
      'c.yaml:7:6: resources.e: expected mutex, semaphore, queue or a mapping like { semaphore: 2 }, got a list',
      'c.yaml:9:38: programs.p.needs.a: expected an integer from 1 to 1000000, got 0 (number)',
    ]);
  });
});
