import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlText } from '../../../src/config/load.js';
import { DEFAULTS, type Program } from '../../../src/config/program.js';

const one = (yaml: string): Program => {
  const ps = parseControlText(yaml, 'app.yaml', '/srv/app');
  assert.equal(ps.length, 1);
  return ps[0];
};

test('a minimal program gets every default', () => {
  const p = one('programs:\n  web:\n    command: node server.js --port 8080\n');
  assert.deepEqual(p, {
    name: 'web',
    argv: ['node', 'server.js', '--port', '8080'],
    commandText: 'node server.js --port 8080',
    shell: false,
    cwd: '/srv/app',
    env: {},
    envMode: 'add',
    user: null,
    unixGroup: null,
    group: null,
    priority: 999,
    after: [],
    afterExited: [],
    needs: {},
    umask: null,
    stdin: { kind: 'null' },
    stdout: { kind: 'log' },
    stderr: { kind: 'log' },
    tty: false,
    instances: 1,
    restart: 'always',
    successCodes: [0],
    backoff: DEFAULTS.backoff,
    crashLoop: DEFAULTS.crashLoop,
    ready: 1000,
    listen: [],
    fdStore: 0,
    grants: [],
    stopSignal: 'SIGTERM',
    stopTimeout: 10_000,
    schedule: { kind: 'service' },
    overlap: 'allow',
    missed: 'skip',
    autostart: true,
    log: DEFAULTS.log,
    health: null,
    maxMemory: null,
    limits: { pids: null, memory: null, cpu: null },
    rlimits: {},
    envFile: null,
    watch: null,
    source: { file: 'app.yaml', line: 2, col: 3 },
  });
});

test('every field, snake_case', () => {
  const p = one(`programs:
  web:
    command: node server.js --port 8080
    cwd: ./app
    env: { PORT: 8080, DEBUG: "true", NAME: web, VERSION: 1.10 }
    env_mode: replace
    user: www-data:33
    group: web
    umask: "027"
    stdin: input.txt
    stdout: out.txt
    stderr: stdout
    instances: 2
    restart: on-failure
    success_codes: [0, 2]
    backoff: { initial: 200ms, factor: 1.5, max: 1m, reset: 30s }
    crash_loop: { limit: 3, window: 2m }
    ready: 2s
    stop: { signal: INT, timeout: 5s }
    autostart: false
    log: { timestamps: unix, max_size: 1MB, keep: 3, rotate: daily, compress: true, max_line: 16KB }
`);
  assert.equal(p.cwd, '/srv/app/app');
  assert.deepEqual(p.env, { PORT: '8080', DEBUG: 'true', NAME: 'web', VERSION: '1.10' });
  assert.equal(p.envMode, 'replace');
  assert.equal(p.user, 'www-data');
  assert.equal(p.unixGroup, '33');
  assert.equal(p.group, 'web');
  assert.equal(p.umask, 0o27);
  // Relative to the control file's directory, not to cwd.
  assert.deepEqual(p.stdin, { kind: 'file', path: '/srv/app/input.txt' });
  assert.deepEqual(p.stdout, { kind: 'file', path: '/srv/app/out.txt', append: false });
  assert.deepEqual(p.stderr, { kind: 'stdout' });
  assert.equal(p.instances, 2);
  assert.equal(p.restart, 'on-failure');
  assert.deepEqual(p.successCodes, [0, 2]);
  assert.deepEqual(p.backoff, { initial: 200, factor: 1.5, max: 60_000, reset: 30_000 });
  assert.deepEqual(p.crashLoop, { limit: 3, window: 120_000 });
  assert.equal(p.ready, 2000);
  assert.equal(p.stopSignal, 'SIGINT');
  assert.equal(p.stopTimeout, 5000);
  assert.equal(p.autostart, false);
  assert.deepEqual(p.log, { timestamps: 'unix', maxSize: 1024 ** 2, keep: 3, rotate: 'daily', compress: true, maxLine: 16 * 1024 });
});

test('camelCase spellings and exit_codes are accepted', () => {
  const p = one(`programs:
  web:
    command: x
    envMode: replace
    successCodes: 3
    crashLoop: { limit: 1 }
    log: { maxSize: 2KB, maxLine: 1KB }
`);
  assert.equal(p.envMode, 'replace');
  assert.deepEqual(p.successCodes, [3]);
  assert.deepEqual(p.crashLoop, { limit: 1, window: 60_000 });
  assert.equal(p.log.maxSize, 2048);
  assert.equal(p.log.maxLine, 1024);
  assert.deepEqual(one('programs:\n  w:\n    command: x\n    exit_codes: [1]\n').successCodes, [1]);
});

test('partial nested settings keep the other defaults', () => {
  const p = one('programs:\n  w:\n    command: x\n    backoff: { max: 1m }\n    stop: { timeout: 3s }\n    log: { timestamps: true }\n');
  assert.deepEqual(p.backoff, { ...DEFAULTS.backoff, max: 60_000 });
  assert.equal(p.stopSignal, 'SIGTERM');
  assert.equal(p.stopTimeout, 3000);
  assert.deepEqual(p.log, { ...DEFAULTS.log, timestamps: 'iso' });
});

test('command as a list; numbers keep their text', () => {
  const p = one('programs:\n  w:\n    command: [node, "a b.js", 8080, 1.50]\n');
  assert.deepEqual(p.argv, ['node', 'a b.js', '8080', '1.50']);
  assert.equal(p.commandText, "node 'a b.js' 8080 1.50");
});

test('shell: true runs the text through /bin/sh -c, unsplit', () => {
  const p = one('programs:\n  w:\n    command: "echo $HOME | tr a-z A-Z"\n    shell: true\n');
  assert.deepEqual(p.argv, ['/bin/sh', '-c', 'echo $HOME | tr a-z A-Z']);
  assert.equal(p.shell, true);
  const q = one('programs:\n  w:\n    command: [echo, "a b"]\n    shell: true\n');
  assert.deepEqual(q.argv, ['/bin/sh', '-c', "echo 'a b'"]);
});

test('stdout and stderr redirections', () => {
  const p = one('programs:\n  w:\n    command: x\n    stdout: ">> /var/log/w.log"\n    stderr: /dev/null\n');
  assert.deepEqual(p.stdout, { kind: 'file', path: '/var/log/w.log', append: true });
  assert.deepEqual(p.stderr, { kind: 'null' });
  const q = one('programs:\n  w:\n    command: x\n    stdout: "> logs/o"\n    stderr: log\n    stdin: /dev/null\n');
  assert.deepEqual(q.stdout, { kind: 'file', path: '/srv/app/logs/o', append: false });
  assert.deepEqual(q.stderr, { kind: 'log' });
  assert.deepEqual(q.stdin, { kind: 'null' });
});

test('umask as octal digits, string or number', () => {
  assert.equal(one('programs:\n  w:\n    command: x\n    umask: 022\n').umask, 0o22);
  assert.equal(one('programs:\n  w:\n    command: x\n    umask: "0077"\n').umask, 0o77);
  assert.equal(one('programs:\n  w:\n    command: x\n    umask: 0o27\n').umask, 0o27);
});

test('tty: true, a device, a bare name, /dev/null', () => {
  assert.equal(one('programs:\n  w:\n    command: x\n    tty: true\n').tty, true);
  const d = one('programs:\n  w:\n    command: x\n    tty: tty3\n');
  assert.equal(d.tty, '/dev/tty3');
  assert.deepEqual(d.stdin, { kind: 'file', path: '/dev/tty3' });
  assert.deepEqual(d.stdout, { kind: 'file', path: '/dev/tty3', append: true });
  assert.deepEqual(d.stderr, { kind: 'stdout' });
  assert.equal(one('programs:\n  w:\n    command: x\n    tty: /dev/null\n').tty, false);
});

test('cron: schedule, tz, restart never by default, overlap and missed', () => {
  const p = one(`programs:
  report:
    command: make-report
    cron: "*/5 * * * *"
    cron_tz: Europe/Paris
    overlap: skip
`);
  assert.deepEqual(p.schedule, { kind: 'cron', expr: '*/5 * * * *', tz: 'Europe/Paris' });
  assert.equal(p.restart, 'never');
  assert.equal(p.overlap, 'skip');
  assert.equal(p.missed, 'skip');
  assert.deepEqual(one('programs:\n  r:\n    command: x\n    cron: "@daily"\n    restart: on-failure\n').schedule,
    { kind: 'cron', expr: '@daily', tz: null });
  assert.equal(one('programs:\n  r:\n    command: x\n    cron: "@daily"\n    restart: on-failure\n').restart, 'on-failure');
});

test('at: schedule; a missed at job runs once by default', () => {
  const p = one('programs:\n  once:\n    command: x\n    at: now + 1 hour\n    missed: skip\n');
  assert.deepEqual(p.schedule, { kind: 'at', spec: 'now + 1 hour' });
  assert.equal(p.restart, 'never');
  assert.equal(p.missed, 'skip');
  assert.equal(one('programs:\n  once:\n    command: x\n    at: "10:30"\n').missed, 'run-once');
});

test('several programs keep file order and source positions', () => {
  const ps = parseControlText('programs:\n  b:\n    command: x\n  a:\n    command: y\n', 'f.yaml', '/d');
  assert.deepEqual(ps.map((p) => [p.name, p.source.line, p.source.col]), [['b', 2, 3], ['a', 4, 3]]);
});

test('an empty programs mapping and an empty file are valid', () => {
  assert.deepEqual(parseControlText('programs:\n', 'f.yaml', '/d'), []);
  assert.deepEqual(parseControlText('programs: {}\n', 'f.yaml', '/d'), []);
  assert.deepEqual(parseControlText('# nothing yet\n', 'f.yaml', '/d'), []);
});

test('anchors, merge keys and x- keys for shared settings', () => {
  const ps = parseControlText(`x-defaults: &defaults
  restart: on-failure
  env: { A: "1" }
programs:
  a:
    <<: *defaults
    command: x
  b:
    <<: *defaults
    command: y
    restart: never
`, 'f.yaml', '/d');
  assert.deepEqual(ps.map((p) => [p.name, p.restart, p.env]), [['a', 'on-failure', { A: '1' }], ['b', 'never', { A: '1' }]]);
});

test('program names with dots, dashes and underscores', () => {
  const ps = parseControlText('programs:\n  api.v2_x-1:\n    command: x\n', 'f.yaml', '/d');
  assert.equal(ps[0].name, 'api.v2_x-1');
});

test('a block scalar command may continue lines and carry comments', () => {
  const p = one('programs:\n  w:\n    command: |\n      node server.js \\\n        --port 8080  # the port\n');
  assert.deepEqual(p.argv, ['node', 'server.js', '--port', '8080']);
});
