import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlText } from '../../../src/config/load.js';
import { ConfigError, formatIssue } from '../../../src/config/program.js';

/** Every issue of a text that must fail, formatted as the CLI prints them. */
function problems(text: string, file = 'bad.yaml'): string[] {
  try {
    parseControlText(text, file, '/srv');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.message, e.issues.map(formatIssue).join('\n'));
    return e.issues.map(formatIssue);
  }
  return assert.fail('expected a ConfigError');
}

test('a file with several errors reports all of them, in file order, at line:col', () => {
  const text = [
    'programs:', //                                  1
    '  web:', //                                     2
    '    command: node server.js', //                3
    '    restart: sometimes', //                     4
    '    stop: { signal: sigterm, timeout: -5 }', // 5
    '    restrat: always', //                        6
    '    instances: 0', //                           7
    '  worker:', //                                  8
    '    command: "python -c \'print(1)"', //        9
    '    ready: soon', //                            10
    '    log: { keep: 2, rotate: weekly }', //       11
  ].join('\n');
  assert.deepEqual(problems(text), [
    'bad.yaml:4:14: programs.web.restart: expected one of always, on-failure, never, got "sometimes"',
    'bad.yaml:5:21: programs.web.stop.signal: Unknown signal "sigterm": did you mean "SIGTERM"?',
    'bad.yaml:5:39: programs.web.stop.timeout: expected a duration like "10s" or "1h 30min" (units ms, s (sec), m (min), h, d, w, or systemd\'s longer names), got -5 (number)',
    'bad.yaml:6:5: programs.web.restrat: unknown key; did you mean "restart"?',
    'bad.yaml:7:16: programs.web.instances: expected an integer from 1 to 1000, got 0 (number)',
    `bad.yaml:9:25: programs.worker.command: unterminated ' quote; close it, or write \\' for a literal '`,
    'bad.yaml:10:12: programs.worker.ready: expected a duration like 1s or "notify" (ready when the program sends READY=1 on $NOTIFY_SOCKET), got "soon"',
    'bad.yaml:11:29: programs.worker.log.rotate: expected one of none, hourly, daily, got "weekly"',
  ]);
});

test('unknown keys get a did-you-mean when close, in the spelling style used', () => {
  assert.deepEqual(
    problems('programs:\n  w:\n    comand: x\n    sucess_codes: [0]\n    crashLoop: { limt: 3 }\n    flavour: x\n'),
    [
      'bad.yaml:2:3: programs.w: missing "command": the program to run, like command: node server.js',
      'bad.yaml:3:5: programs.w.comand: unknown key; did you mean "command"?',
      'bad.yaml:4:5: programs.w.sucess_codes: unknown key; did you mean "success_codes"?',
      'bad.yaml:5:18: programs.w.crashLoop.limt: unknown key; did you mean "limit"?',
      // Nothing like any of ours: every setting a program takes, so the author can find theirs.
      'bad.yaml:6:5: programs.w.flavour: unknown key; expected one of command, shell, cwd, env, env_mode, user, unix_group, group, priority, after, needs, health, max_memory, limits, rlimits, env_file, watch, umask, stdin, stdout, stderr, tty, instances, restart, success_codes, backoff, crash_loop, ready, stop, cron, at, cron_tz, overlap, missed, autostart, log, listen, fd_store, grants',
    ],
  );
  assert.deepEqual(problems('programs:\n  w:\n    command: x\n    stop: { sgnal: TERM, wait: 1s }\n'), [
    'bad.yaml:4:13: programs.w.stop.sgnal: unknown key; did you mean "signal"?',
    'bad.yaml:4:26: programs.w.stop.wait: unknown key; expected one of signal, timeout',
  ]);
});

test("another process manager's setting is answered with appinit's way of saying it", () => {
  assert.deepEqual(problems([
    'programs:',
    '  w:',
    '    command: x',
    '    stop_timeout: 5', //           what many write
    '    stopwaitsecs: 5', //           supervisord
    '    kill-timeout: 5', //           PM2, in another spelling
    '    TimeoutStopSec: 5', //         systemd
    '    environment: { A: "1" }', //   supervisord, docker compose
    '    script: app.js', //            PM2
    '    autorestart: true',
  ].join('\n')), [
    'bad.yaml:4:5: programs.w.stop_timeout: unknown key; in appinit: stop: { timeout: 10s } (then KILL)',
    "bad.yaml:5:5: programs.w.stopwaitsecs: unknown key (supervisord's stopwaitsecs); in appinit: stop: { timeout: 10s } (then KILL)",
    "bad.yaml:6:5: programs.w.kill-timeout: unknown key (PM2's kill_timeout); in appinit: stop: { timeout: 10s } (then KILL)",
    "bad.yaml:7:5: programs.w.TimeoutStopSec: unknown key (systemd's TimeoutStopSec); in appinit: stop: { timeout: 10s } (then KILL)",
    "bad.yaml:8:5: programs.w.environment: unknown key (supervisord's and docker compose's environment); in appinit: env: { KEY: value }",
    "bad.yaml:9:5: programs.w.script: unknown key (PM2's script); in appinit: command: node app.js (the program and its arguments)",
    "bad.yaml:10:5: programs.w.autorestart: unknown key (PM2's and supervisord's autorestart); in appinit: restart: always | on-failure | never",
  ]);
});

test('top level: only programs', () => {
  assert.deepEqual(problems('program:\n  w:\n    command: x\n'), ['bad.yaml:1:1: program: unknown key; did you mean "programs"?']);
  assert.deepEqual(problems('settings: 1\nprograms: {}\n'), ['bad.yaml:1:1: settings: unknown key; expected one of programs, ipc, web, resources, fifos']);
  assert.deepEqual(problems('- a\n'), ['bad.yaml:1:1: expected a mapping with the key "programs", got a list']);
  assert.deepEqual(problems('programs: [a]\n'), ['bad.yaml:1:11: programs: expected a mapping of program names to settings, got a list']);
});

test('program names', () => {
  assert.deepEqual(problems('programs:\n  all:\n    command: x\n  "my app":\n    command: x\n  -x:\n    command: x\n'), [
    'bad.yaml:2:3: programs.all: "all" is reserved: it means every program on the command line; choose another name',
    'bad.yaml:4:3: programs.my app: a name may contain only ASCII letters and digits, "_", ".", "@", "+" and "-"',
    'bad.yaml:6:3: programs.-x: a name may not start with "-" or "."',
  ]);
});

test('a value left empty is reported at its key', () => {
  assert.deepEqual(problems('programs:\n  w:\n    command: x\n    restart:\n'), [
    'bad.yaml:4:5: programs.w.restart: expected one of always, on-failure, never, got nothing',
  ]);
});

test('near-miss values get a suggestion', () => {
  assert.deepEqual(problems('programs:\n  w:\n    command: x\n    restart: on_failure\n    shell: yes\n'), [
    'bad.yaml:4:14: programs.w.restart: expected one of always, on-failure, never, got "on_failure"; did you mean "on-failure"?',
    'bad.yaml:5:12: programs.w.shell: expected true or false, got "yes"; write true or false',
  ]);
});

test('a command split error points at the column inside the file', () => {
  assert.deepEqual(problems('programs:\n  w:\n    command: echo "hi\n'), [
    'bad.yaml:3:19: programs.w.command: unterminated " quote; close it, or write \\" for a literal "',
  ]);
  assert.deepEqual(problems("programs:\n  w:\n    command: 'echo a\\'\n"), [
    'bad.yaml:3:21: programs.w.command: trailing backslash: nothing to escape; write \\\\ for a literal backslash',
  ]);
  assert.deepEqual(problems('programs:\n  w:\n    command: "# nothing"\n'), [
    'bad.yaml:3:14: programs.w.command: the command is only a comment; there is nothing to run',
  ]);
});

test('command type and list element errors', () => {
  assert.deepEqual(problems('programs:\n  w:\n    command: [node, {a: 1}]\n  v:\n    command: []\n  u:\n    command: 5\n'), [
    'bad.yaml:3:21: programs.w.command[1]: expected a string argument, got a mapping',
    'bad.yaml:5:14: programs.v.command: expected at least the program to run, got an empty list',
    'bad.yaml:7:14: programs.u.command: expected a command string or a list of arguments, got 5 (number)',
  ]);
});

test('value errors across the remaining settings', () => {
  const text = `programs:
  w:
    command: x
    cwd: 5
    env: { A: null, "B=C": x }
    env_mode: merge
    user: "a b"
    umask: 888
    stdout: stderr
    stderr: ""
    success_codes: [0, 300]
    backoff: { initial: 10s, factor: 0.5, max: 5s }
    crash_loop: { limit: -1, window: 0 }
    autostart: 1
    log: { timestamps: local, max_size: big, keep: 1.5, compress: "no", max_line: 0 }
`;
  assert.deepEqual(problems(text), [
    'bad.yaml:4:10: programs.w.cwd: expected a directory, got 5 (number)',
    'bad.yaml:5:15: programs.w.env.A: expected a string or a number, got nothing; write "" for an empty value',
    'bad.yaml:5:21: programs.w.env.B=C: an environment variable name must be non-empty and contain no "="',
    'bad.yaml:6:15: programs.w.env_mode: expected one of add, replace, got "merge"',
    'bad.yaml:7:11: programs.w.user: expected a user name or uid, got "a b"',
    'bad.yaml:8:12: programs.w.umask: expected an octal umask like "022", got 888 (number)',
    'bad.yaml:9:13: programs.w.stdout: expected "log", "/dev/null", a file path or ">> FILE", got "stderr"; to merge the two streams write stderr: stdout',
    'bad.yaml:10:13: programs.w.stderr: expected "log", "/dev/null" or a file path, got ""',
    'bad.yaml:11:24: programs.w.success_codes[1]: expected an integer from 0 to 255, got 300 (number)',
    'bad.yaml:12:38: programs.w.backoff.factor: expected a number >= 1, got 0.5 (number)',
    'bad.yaml:12:48: programs.w.backoff.max: max (5s) is below initial (10s); raise max or lower initial',
    'bad.yaml:13:26: programs.w.crash_loop.limit: expected an integer >= 0, got -1 (number)',
    'bad.yaml:13:38: programs.w.crash_loop.window: expected a duration of at least 1ms, got 0 (number)',
    'bad.yaml:14:16: programs.w.autostart: expected true or false, got 1 (number)',
    'bad.yaml:15:24: programs.w.log.timestamps: expected one of iso, unix, none, got "local"',
    'bad.yaml:15:41: programs.w.log.max_size: expected a size like "10MB", got "big"',
    'bad.yaml:15:52: programs.w.log.keep: expected an integer >= 0, got 1.5 (number)',
    'bad.yaml:15:67: programs.w.log.compress: expected true or false, got "no"; write true or false',
    'bad.yaml:15:83: programs.w.log.max_line: expected a size of at least 1B, got 0 (number)',
  ]);
});

test('repeated settings under two spellings', () => {
  assert.deepEqual(problems('programs:\n  w:\n    command: x\n    env_mode: add\n    envMode: replace\n'), [
    'bad.yaml:5:5: programs.w.envMode: same setting as "env_mode" on line 4; keep one',
  ]);
});

test('tty excludes stdin, stdout and stderr', () => {
  assert.deepEqual(problems('programs:\n  w:\n    command: x\n    tty: true\n    stdout: out.txt\n'), [
    'bad.yaml:5:5: programs.w.stdout: cannot be set with tty: the terminal is stdin, stdout and stderr; remove one of them',
  ]);
});

test('schedule errors', () => {
  const text = `programs:
  a:
    command: x
    cron: "* * * *"
    cron_tz: Europe/Pari
    at: now
  b:
    command: x
    cron: "@dayly"
  c:
    command: x
    overlap: skip
    cron_tz: UTC
    missed: run-once
  d:
    command: x
    at: now
    overlap: sometimes
`;
  assert.deepEqual(problems(text), [
    'bad.yaml:4:11: programs.a.cron: expected a cron expression of 5 fields like "*/5 * * * *" or a macro like "@daily", got "* * * *" (4 fields)',
    'bad.yaml:5:14: programs.a.cron_tz: unknown time zone "Europe/Pari"; did you mean "Europe/Paris"?',
    'bad.yaml:6:5: programs.a.at: cron and at cannot both be set; a program has one schedule',
    'bad.yaml:9:11: programs.b.cron: unknown cron macro "@dayly"; did you mean "@daily"?',
    'bad.yaml:12:5: programs.c.overlap: applies only to programs with cron or at; remove it or add a schedule',
    'bad.yaml:13:5: programs.c.cron_tz: cron_tz applies only to a cron schedule; add cron or remove it',
    'bad.yaml:14:5: programs.c.missed: applies only to programs with cron or at; remove it or add a schedule',
    'bad.yaml:18:14: programs.d.overlap: expected one of allow, skip, queue, got "sometimes"',
  ]);
});

test('YAML syntax errors are located; an unquoted cron gets a hint', () => {
  assert.deepEqual(problems('programs:\n  w:\n    command: x\n    cron: */5 * * * *\n'), [
    'bad.yaml:4:11: a cron expression starting with "*" must be quoted, like cron: "*/5 * * * *"',
  ]);
  assert.deepEqual(problems('programs:\n  w:\n    command: x\n  w:\n    command: y\n'), ['bad.yaml:4:3: key "w" twice in one mapping (first on line 2); keep one']);
});

test('a program that is not a mapping, and an alias without its anchor', () => {
  assert.deepEqual(problems('programs:\n  w: node server.js\n  v: *nope\n'), [
    'bad.yaml:2:6: programs.w: expected a mapping of settings like command: node server.js, got "node server.js"',
    'bad.yaml:3:3: programs.v: missing "command": the program to run, like command: node server.js',
    'bad.yaml:3:6: programs.v: no anchor &nope before this alias',
  ]);
});

test('CRLF line endings keep columns', () => {
  assert.deepEqual(problems('programs:\r\n  w:\r\n    command: x\r\n    restart: x\r\n'), [
    'bad.yaml:4:14: programs.w.restart: expected one of always, on-failure, never, got "x"',
  ]);
});

test('stdout: /dev/stdout (supervisord\'s habit) is refused at its place: it would be the helper\'s own log, opened with O_TRUNC', () => {
  assert.deepEqual(problems('programs:\n  a:\n    command: echo hi\n    stdout: /dev/stdout\n    stderr: ">> /proc/self/fd/2"\n'), [
    'bad.yaml:4:13: programs.a.stdout: /dev/stdout is the helper\'s own output here, not the daemon\'s terminal: keep "log" and read it with appinit logs -f NAME (a foreground daemon prints state changes, not program output)',
    'bad.yaml:5:13: programs.a.stderr: /proc/self/fd/2 is the helper\'s own output here, not the daemon\'s terminal: keep "log" and read it with appinit logs -f --stderr NAME (a foreground daemon prints state changes, not program output)',
  ]);
});
