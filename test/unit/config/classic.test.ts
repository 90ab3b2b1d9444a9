import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlText } from '../../../src/config/load.js';
import { ConfigError, formatIssue } from '../../../src/config/program.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Devices every Linux machine has (a test cannot count on tty1 or ttyS0 existing).
const TABLE = `# appinit control file: tty command
tty /usr/bin/menu -x
/dev/ptmx   sleep 100

/dev/null sleep 200   # a daemon
  # indented comment
null "/opt/my app/run" 'a b' c\\ d
+tty sleep 300
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
  assert.ok(ps.every((p) => p.cwd === '/etc/app' && p.schedule.kind === 'service'));
});

test('classic table: a line runs once, as in the article; "+tty" asks for respawn', () => {
  const ps = parseControlText(TABLE, 'appinit.tab', '/etc/app');
  assert.deepEqual(ps.map((p) => p.restart), ['never', 'never', 'never', 'never', 'always']);
  assert.equal(ps[4].tty, '/dev/tty');
  assert.deepEqual(ps[4].source, { file: 'appinit.tab', line: 8, col: 1 });
  const [d] = parseControlText('+null sleep 1\n', 'appinit.tab', '/');
  assert.equal(d.tty, false);
  assert.equal(d.restart, 'always');
});

test('classic table: the tty field takes a character device or null, never a file (nothing is opened)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-classic-'));
  try {
    const file = join(dir, 'victim');
    writeFileSync(file, 'keep me\n');
    try {
      parseControlText(`null echo ok\n  ${file} echo hi\n+${dir} echo x\n${dir}/none echo y\n+ echo z\n`, 'app.tab', '/');
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map(formatIssue), [
        `app.tab:2:3: ${file} is a regular file, not a terminal; the tty field names a terminal device (tty1, /dev/pts/3) or null`,
        `app.tab:3:2: ${dir} is a directory, not a terminal; the tty field names a terminal device (tty1, /dev/pts/3) or null`,
        `app.tab:4:1: no such terminal: ${dir}/none; the tty field names a terminal device (tty1, /dev/pts/3) or null`,
        'app.tab:5:2: missing terminal after "+"; write "+tty1 command" to respawn a line',
      ]);
    }
    assert.equal(readFileSync(file, 'utf8'), 'keep me\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('classic table: tty gets /dev/ prefixed and carries all three streams', () => {
  const [menu, , , , consoleJob] = parseControlText(TABLE, 'appinit.tab', '/etc/app');
  assert.equal(menu.tty, '/dev/tty');
  assert.deepEqual(menu.stdin, { kind: 'file', path: '/dev/tty' });
  assert.deepEqual(menu.stdout, { kind: 'file', path: '/dev/tty', append: true });
  assert.deepEqual(menu.stderr, { kind: 'stdout' });
  assert.equal(consoleJob.tty, '/dev/tty');
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
    parseControlText('tty echo ok\ntty echo "oops\ntty3\n  tty   sh -c \'x\n', 'appinit.tab', '/');
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.issues.map(formatIssue), [
      'appinit.tab:2:10: unterminated " quote; close it, or write \\" for a literal "',
      'appinit.tab:3:5: missing command after the terminal "tty3"; each line is "tty command"',
      'appinit.tab:4:15: unterminated \' quote; close it, or write \\\' for a literal \'',
    ]);
  }
});

test('classic table: "all" is never a program name', () => {
  const ps = parseControlText('null all\nnull ./all\n', 'appinit.tab', '/');
  assert.deepEqual(ps.map((p) => p.name), ['all-2', 'all-3']);
});
