import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseControlText } from '../../../src/config/load.js';
import { nameError, validName } from '../../../src/config/names.js';
import { parseEnvFile } from '../../../src/config/env-file.js';
import { ConfigError, formatIssue, type Program } from '../../../src/config/program.js';

const one = (yaml: string, base = '/srv/app'): Program => parseControlText(yaml, 'app.yaml', base)[0];
const errors = (yaml: string, base = '/srv/app'): string[] => {
  try {
    parseControlText(yaml, 'app.yaml', base);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  assert.fail('expected a ConfigError');
};

test('group, priority, after, health, max_memory, limits, rlimits, watch', () => {
  const ps = parseControlText(`programs:
  db:
    command: x
  web:
    command: node server.js
    group: front
    priority: 10
    after: db
    health: { http: "http://127.0.0.1:8080/health", every: 5s, timeout: 1s, failures: 2 }
    max_memory: 500MB
    limits: { pids: 200, memory: 1GB, cpu: 50% }
    rlimits: { nofile: 4096, core: unlimited, nproc: { soft: 100, hard: 200 }, stack: 8MB }
    watch: { paths: [src/], ignore: ["*.log"], debounce: 200ms }
`, 'app.yaml', '/srv/app');
  const p = ps[1];
  assert.equal(p.group, 'front');
  assert.equal(p.priority, 10);
  assert.deepEqual(p.after, ['db']);
  assert.deepEqual(p.health, { kind: 'http', target: 'http://127.0.0.1:8080/health', every: 5000, timeout: 1000, failures: 2 });
  assert.equal(p.maxMemory, 500 * 1024 ** 2);
  assert.deepEqual(p.limits, { pids: 200, memory: 1024 ** 3, cpu: 50 });
  assert.deepEqual(p.rlimits, { nofile: { soft: 4096, hard: 4096 }, core: { soft: null, hard: null }, nproc: { soft: 100, hard: 200 }, stack: { soft: 8 * 1024 ** 2, hard: 8 * 1024 ** 2 } });
  assert.deepEqual(p.watch, { paths: ['/srv/app/src'], ignore: ['*.log'], debounce: 200 });
  assert.deepEqual(one('programs:\n  w:\n    command: x\n    health: { tcp: 8080 }\n').health, { kind: 'tcp', target: '127.0.0.1:8080', every: 10_000, timeout: 2000, failures: 3 });
  assert.deepEqual(one('programs:\n  w:\n    command: x\n    health: { exec: "curl -f http://x/" }\n').health?.target, ['curl', '-f', 'http://x/']);
  assert.deepEqual(one('programs:\n  w:\n    command: x\n    watch: true\n    cwd: app\n').watch?.paths, ['/srv/app/app']);
});

test('user: USER:GROUP and unix_group set the Unix group; group is the program group', () => {
  const p = one('programs:\n  w:\n    command: x\n    user: www-data:staff\n    group: web\n');
  assert.equal(p.user, 'www-data');
  assert.equal(p.unixGroup, 'staff');
  assert.equal(p.group, 'web');
  assert.equal(one('programs:\n  w:\n    command: x\n    unix_group: 33\n').unixGroup, '33');
});

test('new settings report bad values at their place', () => {
  assert.deepEqual(errors(`programs:
  w:
    command: x
    priority: -1
    after: [nosuch, w]
    health: { http: "ftp://x", tcp: 80 }
    limits: { pids: 0, cpu: 0% }
    rlimits: { nofile: { soft: 10, hard: 5 }, nofiles: 3 }
    group: "web:x"
`), [
    'app.yaml:4:15: programs.w.priority: expected an integer from 0 to 1000000, got -1 (number)',
    'app.yaml:5:12: programs.w.after: no program named "nosuch" in this file',
    'app.yaml:5:12: programs.w.after: a program cannot wait for itself',
    'app.yaml:6:32: programs.w.health.tcp: one check per program: http and tcp are both set; keep one',
    'app.yaml:7:21: programs.w.limits.pids: expected an integer from 1 to 4194304, got 0 (number)',
    'app.yaml:7:29: programs.w.limits.cpu: expected a percentage of one CPU like 50% (200% is two CPUs), got "0%"',
    'app.yaml:8:24: programs.w.rlimits.nofile: the soft limit (10) is above the hard limit (5); lower soft or raise hard',
    'app.yaml:8:47: programs.w.rlimits.nofiles: unknown key; did you mean "nofile"?',
    'app.yaml:9:12: programs.w.group: a group name may contain only ASCII letters and digits, "_", ".", "@", "+" and "-"',
  ]);
});

test('after: a cycle is refused', () => {
  const e = errors('programs:\n  a:\n    command: x\n    after: b\n  b:\n    command: x\n    after: a\n');
  assert.equal(e.length, 1);
  assert.match(e[0], /^app\.yaml:\d+:\d+: programs\.a\.after: programs wait for each other in a cycle: a -> b -> a; none could start$/);
});

test('durations are bounded at 24 days; instances at 1000', () => {
  assert.deepEqual(errors('programs:\n  w:\n    command: x\n    stop: { timeout: 30d }\n    instances: 100000\n'), [
    'app.yaml:4:22: programs.w.stop.timeout: expected a duration of at most 24d, got "30d"; longer timers are not supported',
    'app.yaml:5:16: programs.w.instances: expected an integer from 1 to 1000, got 100000 (number)',
  ]);
  assert.equal(one('programs:\n  w:\n    command: x\n    stop: { timeout: 24d }\n').stopTimeout, 24 * 86_400_000);
});

test('env takes strings and numbers only; NUL bytes are refused wherever they are', () => {
  assert.deepEqual(errors('programs:\n  w:\n    command: x\n    env: { A: true, B: [1] }\n'), [
    'app.yaml:4:15: programs.w.env.A: expected a string or a number, got true (boolean); quote it: "true"',
    'app.yaml:4:24: programs.w.env.B: expected a string or a number, got a list; write "" for an empty value',
  ]);
  assert.deepEqual(errors('programs:\n  w:\n    command: "sleep\\0 1"\n'), ['app.yaml:3:14: a NUL byte is not allowed here: it cannot be passed to a program']);
  assert.deepEqual(errors('{"programs": {"w\\u0000": {"command": "x"}}}'.replace(/^/, ''), '/').length, 1);
});

test('names: at most 64 characters, no "/", "..", NUL or spaces', () => {
  assert.equal(validName('web-1.api@blue'), true);
  for (const bad of ['', 'a/b', '..', '.x', '-x', 'a b', 'a\0b', 'x'.repeat(65), 'all', 'web:*', 'w*']) assert.equal(validName(bad), false, bad);
  assert.equal(nameError('x'.repeat(300)), 'a name may have at most 64 characters, got 300');
  assert.equal(validName('x'.repeat(64)), true);
  assert.match(errors(`programs:\n  ${'x'.repeat(300)}:\n    command: x\n`)[0], /^app\.yaml:2:3: programs\.x+: a name may have at most 64 characters, got 300$/);
});

test('env_file: merged under env, errors at the env file line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-envfile-'));
  try {
    writeFileSync(join(dir, '.env'), '# comment\nA=1\nexport B="two words"\nC=\'$lit\'\nD=x # trailing\n\nPORT=1\n');
    const p = one('programs:\n  w:\n    command: x\n    env_file: .env\n    env: { PORT: 2 }\n', dir);
    assert.deepEqual(p.env, { A: '1', B: 'two words', C: '$lit', D: 'x', PORT: '2' });
    assert.equal(p.envFile, join(dir, '.env'));
    writeFileSync(join(dir, 'bad.env'), 'A=1\nnot a line\n1X=2\n');
    assert.deepEqual(errors('programs:\n  w:\n    command: x\n    env_file: bad.env\n', dir), [
      `${join(dir, 'bad.env')}:2:1: programs.w.env_file: expected KEY=VALUE`,
      `${join(dir, 'bad.env')}:3:1: programs.w.env_file: "1X" is not a variable name (letters, digits and _, not starting with a digit)`,
    ]);
    assert.deepEqual(errors('programs:\n  w:\n    command: x\n    env_file: nope.env\n', dir), [`app.yaml:4:15: programs.w.env_file: cannot read ${join(dir, 'nope.env')}: no such file`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseEnvFile: quotes, escapes, unterminated quotes', () => {
  assert.deepEqual(parseEnvFile('A="a\\nb"\nB=\'x\'\n').vars, { A: 'a\nb', B: 'x' });
  assert.deepEqual(parseEnvFile('A="open\n').issues, [{ line: 1, col: 3, message: 'unterminated " quote' }]);
});
