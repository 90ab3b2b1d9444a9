import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectFormat, loadControlFile, parseControlDocument } from '../../../src/config/load.js';
import { ConfigError, formatIssue } from '../../../src/config/program.js';

/** Run `fn` with a fresh temporary directory that is removed afterwards. */
function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-config-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('format by extension, else by content', () => {
  assert.equal(detectFormat('a.yaml', ''), 'yaml');
  assert.equal(detectFormat('a.YML', ''), 'yaml');
  assert.equal(detectFormat('a.json', ''), 'json');
  assert.equal(detectFormat('a.conf', 'programs:\n'), 'classic');
  assert.equal(detectFormat('appinit.inittab', ''), 'classic');
  assert.equal(detectFormat('control', '# c\ntty1 sh -c x\n/dev/null sleep 1\n'), 'classic');
  assert.equal(detectFormat('control', 'programs:\n  a:\n    command: x\n'), 'yaml');
  assert.equal(detectFormat('control', '  {"programs": {}}'), 'json');
  assert.equal(detectFormat('control', ''), 'yaml');
});

test('loadControlFile resolves paths against the file directory and names the file in errors', () => {
  withDir((dir) => {
    const ok = join(dir, 'app.yaml');
    writeFileSync(ok, 'programs:\n  w:\n    command: x\n    cwd: sub\n    stdout: ">> w.log"\n');
    const [p] = loadControlFile(ok);
    assert.equal(p.cwd, join(dir, 'sub'));
    assert.deepEqual(p.stdout, { kind: 'file', path: join(dir, 'w.log'), append: true });
    assert.deepEqual(p.source, { file: ok, line: 2, col: 3 });

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'programs:\n  w:\n    command: x\n    restart: sometimes\n');
    assert.throws(
      () => loadControlFile(bad),
      (e: unknown) =>
        e instanceof ConfigError &&
        formatIssue(e.issues[0]) === `${bad}:4:14: programs.w.restart: expected one of always, on-failure, never, got "sometimes"`,
    );
  });
});

test('loadControlFile reads JSON, classic tables and files with a BOM', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'a.json'), '\uFEFF{"programs": {"j": {"command": "x"}}}');
    assert.equal(loadControlFile(join(dir, 'a.json'))[0].name, 'j');
    writeFileSync(join(dir, 'appinit'), 'null sleep 1\n');
    assert.deepEqual(loadControlFile(join(dir, 'appinit'))[0].argv, ['sleep', '1']);
  });
});

test('a missing file is a plain error naming it', () => {
  withDir((dir) => {
    const f = join(dir, 'nope.yaml');
    assert.throws(() => loadControlFile(f), { message: `cannot read control file ${f}: no such file` });
  });
});

// `up` reads a file's `web:` setting with a second parse of the text only when it has one
// (api/programs/apply-file.ts; issue 17): the document says whether it does.
test('parseControlDocument says whether the file has a web: section', () => {
  const web = (text: string, file = 'app.yaml') => parseControlDocument(text, file, '/tmp').web;
  assert.equal(web('programs:\n  a:\n    command: sleep 1\n'), false);
  assert.equal(web('web:\n  listen: 127.0.0.1:8181\nprograms:\n  a:\n    command: sleep 1\n'), true);
  assert.equal(web('web: { listen: "127.0.0.1:8181" }\n'), true);
  assert.equal(web('{"web": {"listen": "127.0.0.1:8181"}, "programs": {}}', 'app.json'), true);
  assert.equal(web('web:\nprograms:\n  a:\n    command: sleep 1\n'), false); // empty: nothing to apply
  assert.equal(web('null sleep 1\n', 'app.conf'), false); // classic tables have no web:
});

// The NUL check walks the document only when the text could hold one (a NUL, or a backslash
// for an escape): each way of writing one is still refused.
test('a NUL byte is refused however it is written', () => {
  const refused = (text: string, file = 'app.yaml') => {
    try {
      parseControlDocument(text, file, '/tmp');
      return false;
    } catch (e) {
      return e instanceof ConfigError && /NUL byte/.test(e.message);
    }
  };
  assert.equal(refused('programs:\n  w:\n    command: "sleep\\x00 1"\n'), true);
  assert.equal(refused('programs:\n  w:\n    command: "sleep\\u0000 1"\n'), true);
  assert.equal(refused('programs:\n  w:\n    command: "sleep\\0 1"\n'), true);
  assert.equal(refused('programs:\n  w:\n    command: sleep\0 1\n'), true);
  assert.equal(refused('{"programs": {"w": {"command": "sleep\\u0000 1"}}}', 'app.json'), true);
  assert.equal(refused('programs:\n  w:\n    command: "sleep 1"\n'), false);
});
