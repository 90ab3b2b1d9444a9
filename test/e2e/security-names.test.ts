// Issue 15, security: names and paths. Program names with "/", "..", NUL, a newline or shell
// metacharacters are refused, in control files (at file:line:col, nothing changes) and in
// requests; no string a user sends reaches a shell, except a command that user asked to run as
// themselves. Run against the system daemon by a second real user (made here, removed at the end).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, chownSync, readFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor } from './harness.js';
import { makeUser, removeUsers, SystemHome, type TestUser } from './system-harness.js';

const isRoot = process.getuid?.() === 0;
const U = `apsn${process.pid % 100000}`;

describe('system daemon: names and paths', { skip: isRoot ? false : 'needs root (creates a user, runs the system daemon)' }, () => {
  const h = isRoot ? new SystemHome() : (null as unknown as SystemHome);
  let u: TestUser;
  let mark: string;
  // Every string below would create `mark` if any part of appinit gave it to a shell.
  const bad = () => [
    ['a/b', 'a slash'], ['..', 'dot-dot'], ['../x', 'a path up'], ['a\nb', 'a newline'], ['a\u0000b', 'a NUL'],
    [`x$(touch ${mark})`, '$( )'], [`x;touch ${mark}`, ';'], [`x\`touch ${mark}\``, 'backquotes'], [`x|touch ${mark}`, '|'],
    [`x&&touch ${mark}`, '&&'], ['x y', 'a blank'], ["x'y", 'a quote'], ['x>y', '>'], ['*', 'a glob'],
  ] as const;

  before(async () => {
    u = makeUser(U);
    const d = join(h.dir, 'marks');
    mkdirSync(d, { mode: 0o777 });
    chmodSync(d, 0o777);
    mark = join(d, 'PWNED');
    await h.start();
  });
  after(async () => {
    await h.cleanup();
    removeUsers([U]);
  });

  test('a control file with such a program name is refused at file:line:col and changes nothing', async () => {
    for (const [name, what] of bad()) {
      const yaml = `programs:\n  ok:\n    command: sleep 100\n  ${JSON.stringify(name)}:\n    command: sleep 100\n`;
      const f = h.write(`bad-${Math.random().toString(36).slice(2)}.yaml`, yaml);
      const r = await h.cli(['up', f], { user: u });
      assert.equal(r.code, 1, `${what}: refused (${r.stderr})`);
      assert.match(r.stderr, new RegExp(`${f.replace(/[.]/g, '\\.')}:4:\\d+: `), `${what}: the error names the place: ${r.stderr}`);
      const st = await h.cli(['status', '--json'], { user: u });
      assert.deepEqual(JSON.parse(st.stdout), [], `${what}: nothing was started`);
    }
    // The classic table's tty field is a path: one under /dev that goes up is refused too.
    const tab = h.write('bad.tab', `../../tmp/x  sleep 100\n`);
    const r = await h.cli(['up', tab], { user: u });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(existsSync(mark), false);
  });

  test('requests naming such a program are refused, and touch nothing', async () => {
    for (const [name, what] of bad()) {
      if (name.includes('\u0000')) continue; // argv cannot carry NUL: sent raw below
      const runs = [
        ['run', '--name', name, '--', 'true'],
        ['start', '--name', name, '--', 'sleep', '1'],
      ];
      for (const args of runs) {
        const r = await h.cli(args, { user: u });
        assert.notEqual(r.code, 0, `${args[0]} --name (${what}) refused`);
        assert.match(r.stderr, /name/i, `${args[0]} --name (${what}): the error is about the name: ${r.stderr}`);
      }
      for (const args of [['logs', name], ['describe', name]]) {
        const r = await h.cli(args, { user: u });
        assert.notEqual(r.code, 0, `${args.join(' ')} (${what}) refused: ${r.stdout}`);
      }
    }
    // NUL bytes, sent as JSON (a shell command line cannot carry them).
    for (const [method, path, body] of [
      ['POST', '/v1/run', { argv: ['true'], name: 'a\u0000b', cwd: '/' }],
      ['POST', '/v1/programs/start', { argv: ['true'], name: 'a\u0000b', cwd: '/' }],
      ['POST', '/v1/stop', { names: ['a\u0000b'] }],
      ['POST', '/v1/run', { argv: ['tr\u0000ue'], cwd: '/' }],
      ['POST', '/v1/run', { argv: ['true'], cwd: '/tm\u0000p' }],
      ['GET', '/v1/logs?name=a%00b', undefined],
    ] as const) {
      const raw = body === undefined ? `${method} ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`
        : `${method} ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(JSON.stringify(body))}\r\nconnection: close\r\n\r\n${JSON.stringify(body)}`;
      const ans = await h.rawAs(u, raw);
      assert.match(ans, /^HTTP\/1\.1 4\d\d /, `${method} ${path} with a NUL is refused: ${ans.slice(0, 200)}`);
    }
    const st = await h.cli(['status', '--json'], { user: u });
    assert.deepEqual(JSON.parse(st.stdout), [], 'nothing was made');
    assert.equal(existsSync(mark), false, 'no string reached a shell');
  });

  test('strings go to programs as argv, never through a shell, unless the user asked for one; their own at job sees its environment verbatim', async () => {
    // argv stays argv: the metacharacters are printed, not run.
    const r = await h.cli(['run', '--', 'echo', `$(touch ${mark})`, `;touch ${mark}`, `\`touch ${mark}\``], { user: u });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `$(touch ${mark}) ;touch ${mark} \`touch ${mark}\``);
    // A directory whose name is made of metacharacters is just a directory.
    const odd = join(h.dir, `d$(touch ${mark.replace(/\//g, '_')});x`);
    mkdirSync(odd, { mode: 0o755 });
    chownSync(odd, u.uid, u.gid);
    const c = await h.cli(['run', '--cwd', odd, '--', 'pwd'], { user: u });
    assert.equal(c.stdout.trim(), odd, c.stderr);
    // at: the environment and the directory are quoted into the job file; only the script is the user's shell code.
    const out = join(h.dir, 'marks', 'at-out');
    const at = await h.cli(['at', 'now'], { user: u, cwd: odd, input: `printf '%s|%s\\n' "$EVIL" "$(pwd)" > ${out}\n`, env: { EVIL: `$(touch ${mark}); \`touch ${mark}\` "'` } });
    assert.equal(at.code, 0, at.stderr);
    const text = await waitFor('the at job wrote its line', () => (existsSync(out) ? readFileSync(out, 'utf8') : null), 20_000);
    assert.equal(text, `$(touch ${mark}); \`touch ${mark}\` "'|${odd}\n`);
    assert.equal(existsSync(mark), false, 'no string reached a shell');
  });
});
