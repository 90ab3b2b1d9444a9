// health, max_memory, watch, priority, after: read, defaulted, and errors that name the place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseControlText } from '../../../src/config/load.js';
import type { Program } from '../../../src/config/program.js';

const one = (body: string): Program => parseControlText(`programs:\n  web:\n    command: node server.js\n${body}`, 'app.yaml', '/srv/app')[0];
const error = (body: string): string => {
  try {
    one(body);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

test('defaults: no health, no limit, no watch, priority 999', () => {
  const p = one('');
  assert.deepEqual([p.health, p.maxMemory, p.watch, p.priority, p.after], [null, null, null, 999, []]);
});

test('health probes with their defaults', () => {
  assert.deepEqual(one('    health: { http: "http://localhost:8080/health" }\n').health, { kind: 'http', target: 'http://localhost:8080/health', every: 10_000, timeout: 2000, failures: 3 });
  assert.deepEqual(one('    health: { tcp: 8080, every: 5s, timeout: 500ms, failures: 1 }\n').health, { kind: 'tcp', target: '8080', every: 5000, timeout: 500, failures: 1 });
  assert.deepEqual(one('    health: { exec: [pg_isready, -q] }\n').health?.target, ['pg_isready', '-q']);
});

// (The wording of these errors is the config parser's; here only where they point.)
test('health errors name the place', () => {
  assert.match(error('    health: { every: 5s }\n'), /^app\.yaml:4:\d+: programs\.web\.health: expected/);
  assert.match(error('    health: { http: "x", tcp: 1 }\n'), /^app\.yaml:4:\d+: programs\.web\.health: /);
  assert.match(error('    health: { tcp: 70000 }\n'), /^app\.yaml:4:20: programs\.web\.health\.tcp: /);
  assert.match(error('    health: { http: "http://x", failures: 0 }\n'), /programs\.web\.health\.failures: expected an integer/);
});

test('max_memory in bytes; watch resolved against the file, shorthand list; priority; after', () => {
  assert.equal(one('    max_memory: 500MB\n').maxMemory, 500 * 1024 * 1024);
  assert.deepEqual(one('    watch: [src/, lib]\n').watch?.paths, ['/srv/app/src', '/srv/app/lib']);
  assert.deepEqual(one('    watch: { paths: src, ignore: ["*.log"], debounce: 1s }\n').watch, { paths: ['/srv/app/src'], ignore: ['*.log'], debounce: 1000 });
  assert.equal(one('    priority: 10\n').priority, 10);
  assert.deepEqual(one('    after: db\n').after, ['db']);
  assert.match(error('    watch: { ignore: [x] }\n'), /programs\.web\.watch: /);
  assert.match(error('    max_memory: lots\n'), /programs\.web\.max_memory: expected a size/);
});
