// `stdin: { from: producer }`, `fifos:` and `{ fifo: NAME }`: what they become, and every mistake
// reported at file:line:col (unknown producer, a reader of itself, a cycle, an unknown FIFO).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlText } from '../../../src/config/load.js';
import { ConfigError, formatIssue } from '../../../src/config/program.js';

function problems(text: string): string[] {
  try {
    parseControlText(text, 'p.yaml', '/srv');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues.map(formatIssue);
  }
  return assert.fail('expected a ConfigError');
}

test('stdin from a program, its stderr, and FIFOs resolve to what the spawn needs', () => {
  const ps = parseControlText(
    [
      'fifos:',
      '  fifo1: { path: ./fifo1, mode: 0640 }',
      '  f2: /run/x/f2',
      'programs:',
      '  prog1: { command: tr a-z A-Z }',
      '  prog5: { command: date, stdout: { fifo: fifo1 } }',
      '  prog2: { command: wc -l, stdin: { from: prog1 } }',
      '  prog3: { command: sort, stdin: { from: prog1, stream: stderr } }',
      '  prog4: { command: cat, stdin: { fifo: f2 } }',
    ].join('\n'),
    'p.yaml',
    '/srv',
  );
  const by = Object.fromEntries(ps.map((p) => [p.name, p]));
  assert.deepEqual(by.prog5.stdout, { kind: 'fifo', name: 'fifo1', path: '/srv/fifo1', mode: 0o640 });
  assert.deepEqual(by.prog2.stdin, { kind: 'program', from: 'prog1', stream: 'stdout' });
  assert.deepEqual(by.prog3.stdin, { kind: 'program', from: 'prog1', stream: 'stderr' });
  assert.deepEqual(by.prog4.stdin, { kind: 'fifo', name: 'f2', path: '/run/x/f2', mode: 0o600 });
});

test('an unknown producer, a reader of itself and a cycle are errors at file:line:col', () => {
  const text = [
    'programs:', //                                         1
    '  a: { command: cat, stdin: { from: b } }', //         2
    '  b: { command: cat, stdin: { from: a } }', //         3
    '  c: { command: cat, stdin: { from: c } }', //         4
    '  d: { command: cat, stdin: { from: nope } }', //      5
    '  e: { command: cat, stdin: { from: a, stream: out } }', // 6
  ].join('\n');
  assert.deepEqual(problems(text), [
    `p.yaml:2:29: programs.a.stdin: programs read each other's output in a cycle: a <- b <- a; a pipeline starts with a program that reads no other`,
    'p.yaml:4:29: programs.c.stdin: a program cannot read its own output: that pipe would never carry anything but what it writes itself',
    'p.yaml:5:29: programs.d.stdin: no program named "nope" in this file',
    'p.yaml:6:48: programs.e.stdin.stream: expected stdout or stderr, got "out"',
  ]);
});

test('a read stream sent elsewhere, an unknown FIFO and a bad mode are errors', () => {
  const text = [
    'fifos:', //                                                  1
    '  f: { path: ./f, mode: rw }', //                            2
    'programs:', //                                               3
    '  p: { command: seq 3, stdout: /tmp/out }', //               4
    '  q: { command: cat, stdin: { from: p } }', //               5
    '  r: { command: cat, stdin: { fifo: g } }', //               6
  ].join('\n');
  assert.deepEqual(problems(text), [
    'p.yaml:2:25: fifos.f.mode: expected a mode like 0600 (owner read and write), got "rw"',
    'p.yaml:4:32: programs.p.stdout: is read by q (stdin: { from: p }), so it goes into that pipe; remove this setting',
    'p.yaml:6:29: programs.r.stdin: no FIFO named "g" in fifos:',
  ]);
});
