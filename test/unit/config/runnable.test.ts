import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseControlText } from '../../../src/config/load.js';
import { formatIssue } from '../../../src/config/program.js';
import { checkRunnable } from '../../../src/config/runnable.js';
import { closedOnTheWay } from '../../../src/config/read-file.js';

const self = { uid: process.getuid?.() ?? 0, gids: process.getgroups?.() ?? [] };

test('unknown user and group, missing cwd, redirection directory and command are placed at file:line:col', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-runnable-'));
  try {
    const text = `programs:
  web:
    command: sleep 1
    user: nosuchuser-appinit
    cwd: /nonexistent-appinit
  logs:
    command: ./missing.sh
    stdout: /nonexistent-appinit/dir/out.log
    stderr: ">> ${dir}/err.log"
  grp:
    command: sleep 1
    user: root:nosuchgroup-appinit
  ok:
    command: [sleep, "1"]
    stdin: ${dir}/in.txt
`;
    const ps = parseControlText(text, 'app.yaml', dir);
    const issues = checkRunnable(ps, { path: '/usr/bin:/bin', self }).map(formatIssue);
    assert.deepEqual(issues, [
      'app.yaml:4:11: programs.web.user: no user "nosuchuser-appinit" on this system',
      'app.yaml:5:10: programs.web.cwd: no such directory: /nonexistent-appinit',
      'app.yaml:8:13: programs.logs.stdout: no such directory: /nonexistent-appinit/dir (for /nonexistent-appinit/dir/out.log)',
      `app.yaml:7:14: programs.logs.command: command not found: ${dir}/missing.sh`,
      'app.yaml:12:11: programs.grp.user: no group "nosuchgroup-appinit" on this system',
      `app.yaml:15:12: programs.ok.stdin: no such file: ${dir}/in.txt`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the command is looked up on PATH as execvpe does, and must be executable by the user it runs as', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-runnable-'));
  try {
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\n', { mode: 0o700 });
    const ps = parseControlText('programs:\n  a:\n    command: tool\n  b:\n    command: nosuch-tool-appinit\n', 'app.yaml', dir);
    assert.deepEqual(checkRunnable(ps, { path: join(dir, 'bin'), self }).map(formatIssue), [
      `app.yaml:5:14: programs.b.command: command not found: "nosuch-tool-appinit" is not in PATH (${join(dir, 'bin')})`,
    ]);
    // Owner-only execute: another user may not run it.
    const asNobody = checkRunnable(ps.slice(0, 1), { path: join(dir, 'bin'), self: { uid: 65534, gids: [65534] } });
    chmodSync(dir, 0o755);
    assert.match(formatIssue(asNobody[0]), /programs\.a\.(cwd|command): .*(permission denied|not executable)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Each path is read once per check (issue 17: an `up` of 500 programs stat'ed the same PATH
// entries 500 times); what a check read is not kept for the next one.
test('programs sharing a command and a directory are each checked; a later check sees files as they are then', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-runnable-'));
  try {
    const yaml = (n: number) => 'programs:\n' + Array.from({ length: n }, (_, i) => `  p${i}:\n    command: ./run.sh\n`).join('');
    const ps = parseControlText(yaml(3), 'app.yaml', dir);
    const missing = checkRunnable(ps, { path: '/usr/bin:/bin', self }).map((i) => i.path);
    assert.deepEqual(missing, ['programs.p0.command', 'programs.p1.command', 'programs.p2.command']);
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    assert.deepEqual(checkRunnable(ps, { path: '/usr/bin:/bin', self }), []);
    rmSync(join(dir, 'run.sh'));
    assert.equal(checkRunnable(ps, { path: '/usr/bin:/bin', self }).length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a command looked up once per check is still answered per cwd and per user', () => {
  // The check keeps one answer per (user, cwd, command): the same name in another cwd, or for
  // another user, is looked up again (issue 17 made the lookup once per check, not per program).
  const dir = mkdtempSync(join(tmpdir(), 'appinit-runnable-'));
  try {
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    const text = `programs:
  in-a:
    command: tool
    cwd: ${dir}/a
  in-b:
    command: tool
    cwd: ${dir}/b
  in-a-again:
    command: ./tool
    cwd: ${dir}/a
  in-b-again:
    command: ./tool
    cwd: ${dir}/b
`;
    const ps = parseControlText(text, 'app.yaml', dir);
    // A relative PATH entry is searched from each program's own cwd.
    assert.deepEqual(checkRunnable(ps, { path: '.', self }).map(formatIssue), [
      'app.yaml:6:14: programs.in-b.command: command not found: "tool" is not in PATH (.)',
      `app.yaml:12:14: programs.in-b-again.command: command not found: ${dir}/b/tool`,
    ]);
    // The same command for another user in one check: a file only its owner may run is refused
    // for "nobody" alone.
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'a'), 0o755);
    chmodSync(join(dir, 'a', 'tool'), 0o700);
    const two = parseControlText(`programs:\n  mine:\n    command: ./tool\n    cwd: ${dir}/a\n  theirs:\n    command: ./tool\n    cwd: ${dir}/a\n    user: nobody\n`, 'two.yaml', dir);
    assert.deepEqual(checkRunnable(two, { path: '.', self }).map(formatIssue), [
      `two.yaml:6:14: programs.theirs.command: ${dir}/a/tool is not executable (uid 65534)`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const nobody = { uid: 65534, gids: [65534] };

// top (0700, mkdtemp's, root's) and app below it, open to all; null when the temporary
// directory itself is closed to nobody (the test is then skipped).
function closedTree(prefix: string): { top: string; app: string } | null {
  if (closedOnTheWay(join(tmpdir(), 'x'), nobody)) return null;
  const top = mkdtempSync(join(tmpdir(), prefix));
  const app = join(top, 'app');
  mkdirSync(app, { mode: 0o755 });
  chmodSync(app, 0o755);
  return { top, app };
}

test('a directory on the way that the user may not enter makes cwd, command, stdin and env_file unusable, as the kernel checks every directory of a path', (t) => {
  const tree = closedTree('appinit-closed-');
  if (!tree) return t.skip('the temporary directory itself is closed to nobody');
  const { top, app } = tree;
  try {
    writeFileSync(join(app, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(app, 'in.txt'), 'x\n', { mode: 0o644 });
    writeFileSync(join(app, '.env'), 'SECRET=hunter2\n', { mode: 0o644 });
    const ps = parseControlText(`programs:\n  web:\n    command: ${app}/run.sh\n    cwd: ${app}\n    stdin: ${app}/in.txt\n`, 'app.yaml', '/');
    const issues = checkRunnable(ps, { path: '/usr/bin:/bin', self: nobody }).map(formatIssue);
    assert.deepEqual(issues, [
      `app.yaml:4:10: programs.web.cwd: ${app}: permission denied for uid 65534 (it cannot enter ${top})`,
      `app.yaml:5:12: programs.web.stdin: ${app}/in.txt: permission denied for uid 65534 (it cannot enter ${top})`,
      `app.yaml:3:14: programs.web.command: ${app}/run.sh: permission denied for uid 65534 (it cannot enter ${top})`,
    ]);
    const ps2 = parseControlText(`programs:\n  web:\n    command: ${app}/run.sh\n    stdin: ${app}/in.txt\n`, 'app.yaml', '/');
    assert.deepEqual(checkRunnable(ps2, { path: '/usr/bin:/bin', self: nobody }).map(formatIssue), [
      `app.yaml:4:12: programs.web.stdin: ${app}/in.txt: permission denied for uid 65534 (it cannot enter ${top})`,
      `app.yaml:3:14: programs.web.command: ${app}/run.sh: permission denied for uid 65534 (it cannot enter ${top})`,
    ]);
    assert.deepEqual(checkRunnable(ps2, { path: '/usr/bin:/bin', self }), [], 'root enters everything');
    // env_file is read by the daemon for the user running `up`: not a byte of it for nobody.
    assert.throws(() => parseControlText(`programs:\n  web:\n    command: sleep 1\n    env_file: ${app}/.env\n`, 'app.yaml', '/', undefined, { reader: nobody }),
      (e: Error) => e.message.includes(`permission denied (uid 65534 cannot enter ${top})`) && !e.message.includes('hunter2'));
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
});

test('a directory an ACL opens to the user is entered, whatever its mode (setfacl -m u:USER:x)', (t) => {
  if (spawnSync('setfacl', ['--version']).error) return t.skip('setfacl not installed (Debian: acl)');
  const tree = closedTree('appinit-acl-');
  if (!tree) return t.skip('the temporary directory itself is closed to nobody');
  const { top, app } = tree;
  try {
    assert.equal(closedOnTheWay(join(app, 'x'), nobody), top, '0700 without an ACL: closed');
    const acl = spawnSync('setfacl', ['-m', 'u:65534:x', top], { encoding: 'utf8' });
    if (acl.status !== 0) return t.skip(`setfacl refused here: ${acl.stderr}`);
    assert.equal(closedOnTheWay(join(app, 'x'), nobody), null, 'an ACL entry lets nobody through: the kernel decides');
    const ps = parseControlText(`programs:\n  web:\n    command: sleep 1\n    cwd: ${app}\n`, 'app.yaml', '/');
    assert.deepEqual(checkRunnable(ps, { path: '/usr/bin:/bin', self: nobody }), []);
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
});
