import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlText } from '../../../src/config/load.js';
import { ConfigError, formatIssue } from '../../../src/config/program.js';

const TABLE = `# appinit control file: tty command
tty1 /usr/bin/menu -x
/dev/ttyS0   sleep 100

/dev/null sleep 200   # a daemon
  # indented comment
null "/opt/my app/run" 'a b' c\\ d
console sleep 300
`;

test('classic table: one program per line, defaults otherwise', () => {
  const ps = parseControlText(TABLE, 'appinit.tab', '/etc/app');
  assert.deepEqual(ps.map((p) => p.name), ['menu', 'sleep', 'sleep-2', 'run', 'sleep-3']);
  assert.deepEqual(ps.map((p) => p.argv), [
    ['/usr/bin/menu', '-x'],
    ['sleep', '100'],
    ['sleep', '200'],
    ['/opt/my app/run', 'a b', 'c d'],
    ['sleep', '300'],
  ]);
  assert.ok(ps.every((p) => p.restart === 'always' && p.cwd === '/etc/app' && p.schedule.kind === 'service'));
});

test('classic table: tty gets /dev/ prefixed and carries all three streams', () => {
  const [menu, , , , consoleJob] = parseControlText(TABLE, 'appinit.tab', '/etc/app');
  assert.equal(menu.tty, '/dev/tty1');
  assert.deepEqual(menu.stdin, { kind: 'file', path: '/dev/tty1' });
  assert.deepEqual(menu.stdout, { kind: 'file', path: '/dev/tty1', append: true });
  assert.deepEqual(menu.stderr, { kind: 'stdout' });
  assert.equal(consoleJob.tty, '/dev/console');
  assert.deepEqual(menu.source, { file: 'appinit.tab', line: 2, col: 1 });
});

test('classic table: /dev/null means a daemon with a managed log', () => {
  const [, , daemon, named] = parseControlText(TABLE, 'appinit.tab', '/etc/app');
  for (const p of [daemon, named]) {
    assert.equal(p.tty, false);
    assert.deepEqual(p.stdin, { kind: 'null' });
    assert.deepEqual(p.stdout, { kind: 'log' });
    assert.deepEqual(p.stderr, { kind: 'log' });
  }
  assert.equal(daemon.commandText, 'sleep 200   # a daemon');
});

test('classic table: errors point at line and column in the file', () => {
  try {
    parseControlText('tty1 echo ok\ntty2 echo "oops\ntty3\n  tty4   sh -c \'x\n', 'appinit.tab', '/');
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.issues.map(formatIssue), [
      'appinit.tab:2:11: unterminated " quote; close it, or write \\" for a literal "',
      'appinit.tab:3:5: missing command after the terminal "tty3"; each line is "tty command"',
      'appinit.tab:4:16: unterminated \' quote; close it, or write \\\' for a literal \'',
    ]);
  }
});

test('classic table: "all" is never a program name', () => {
  const ps = parseControlText('tty1 all\ntty2 ./all\n', 'appinit.tab', '/');
  assert.deepEqual(ps.map((p) => p.name), ['all-2', 'all-3']);
});
