// yaml-subset.ts must give exactly the yaml package's nodes (values, types, source text and
// positions) for every text it accepts, and null for what it does not know: checked on chosen
// texts, on the examples, and on thousands of generated ones. And a file it reads that has a
// problem is refused with the same messages at the same places as before (document.ts reads it
// again through the yaml package).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { parseControlText } from '../../../src/config/load.js';
import { ConfigError, formatIssue } from '../../../src/config/program.js';
import { readSimpleYaml } from '../../../src/config/yaml-subset.js';

// The same node tree: kind, scalar value (same type), type, source and range start and end.
function sameNode(a: unknown, b: unknown, path: string): void {
  if (a == null || b == null) return assert.equal(a ?? null, b ?? null, `${path}: null`);
  if (isScalar(b)) {
    assert.ok(isScalar(a), `${path}: a scalar`);
    assert.ok(Object.is(a.value, b.value), `${path}: value ${String(a.value)} (${typeof a.value}) != ${String(b.value)} (${typeof b.value})`);
    assert.equal(a.type, b.type, `${path}: type`);
    assert.equal(a.source, b.source, `${path}: source`);
    assert.equal(a.format, b.format, `${path}: format`);
    assert.deepEqual(a.range?.slice(0, 2), b.range?.slice(0, 2), `${path}: range`);
    return;
  }
  if (isMap(b) || isSeq(b)) {
    assert.ok(isMap(b) ? isMap(a) : isSeq(a), `${path}: the same collection`);
    const x = a as typeof b;
    assert.equal(x.range?.[0], b.range?.[0], `${path}: start`);
    assert.equal(x.items.length, b.items.length, `${path}: items`);
    b.items.forEach((item: unknown, i: number) => {
      const other = x.items[i];
      if (isPair(item)) {
        assert.ok(isPair(other), `${path}[${i}]: a pair`);
        sameNode(other.key, item.key, `${path}[${i}].key`);
        sameNode(other.value, item.value, `${path}[${i}].value`);
      } else sameNode(other, item, `${path}[${i}]`);
    });
    return;
  }
  assert.fail(`${path}: unexpected node ${String(b)}`);
}

/** Asserts the subset reader accepts text, with the yaml package's nodes. */
function same(text: string): void {
  const fast = readSimpleYaml(text);
  assert.ok(fast, `accepted: ${JSON.stringify(text)}`);
  const full = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  assert.deepEqual(full.errors, [], `the yaml package accepts ${JSON.stringify(text)}`);
  sameNode(fast.contents, full.contents, JSON.stringify(text));
  assert.deepEqual(fast.toJS(), full.toJS());
}

test('plain control files: the same nodes as the yaml package', () => {
  let big = 'programs:\n';
  for (let i = 0; i < 500; i++) big += `  p${i}:\n    command: sleep 1000\n    ready: 0\n    log: { timestamps: none }\n`;
  for (const text of [
    big,
    'programs:\n  web:\n    command: node server.js --port 8080   # the site\n    env: { PORT: 8080, DEBUG: "a b", EMPTY: \'\' }\n    after: [db, "cache"]\n',
    '# a comment\n\nprograms:\n\n  # inside\n  db:\n    command: postgres -D /var/lib/pg\n    restart: on-failure\n    instances: 2\n    stop: { signal: SIGINT, timeout: 30s }\n',
    'programs:\n  a:\n    command: echo it\'s {x} [y] a#b a:b http://x/y?q=1 & > out\n    after:\n      - b\n      - "c d"\n      - \'e\'\'f\'\n  b:\n    command: "true"\n',
    'x: [1, -2, +3, 0x1F, 0o17, 1.5, .5, 1e3, -.inf, .NaN, ~, null, Null, true, False, TRUE, yes, no, on, 010, 1_000]\n',
    'a: 1\nb: -1\nc: 1.0\nd: 0.10\ne: 1e-3\nf: 12:30\ng: 2026-12-02\nh: -x\ni: x-\nj: "1"\nk: \'true\'\n',
    '1: one\ntrue: t\nnull: n\n0x10: hex\nkey.with.dots/and-dashes_: v\n',
    'a: {}\nb: []\nc: { x: [1, [2, {y: z}]] }\nd: [ ]\n',
    'a:\n  b:\n    c:\n      d: deep\n  e: back\nf: top',
    'a: "x # not a comment"   # a comment\nb: \'#\'\nc: x#y\n',
    'a: é ü 日本\nb: "ü"\n',
  ]) same(text);
});

test('outside the subset: null, and the yaml package reads it', () => {
  for (const text of [
    '', '# only a comment\n', 'a:\n', 'a:\nb: 1\n', 'a: # c\n  b: 1\n',
    'a:\tb\n', 'a: 1\r\nb: 2\r\n', 'a: "x\\ty"\n',
    'a: &x 1\nb: *x\n', 'x-d: &d {r: 1}\na:\n  <<: *d\n', 'a: !!str 1\n',
    'a: |\n  text\n', 'a: >\n  text\n', 'a: text\n  more\n', 'a: "open\n  close"\n',
    'a: 1\na: 2\n', 'a: {x: 1, x: 2}\n', '"a": 1\n', '? a\n: 1\n', '---\na: 1\n', '%YAML 1.2\n---\na: 1\n',
    'a:\n- x\n', 'a:\n  - x: 1\n', 'a:\n  -\n', 'a: [1, 2,]\n', 'a: [1,\n  2]\n', 'a: {b}\n', 'a: {b:c}\n',
    'a: b: c\n', 'a: b:\n', '- a\n- b\n', 'a: @x\n', 'a: `x`\n', 'a: %x\n', 'a: ?x\n', 'a: :x\n',
    'a:\n    b: 1\n  c: 2\n', ' a: 1\n', 'a: "x" y\n', 'a: [x:y]\n', 'a: [x#y]\n',
    `a:\n  ${'k'.repeat(1030)}: 1\n`, // a key too long for the yaml package
  ]) assert.equal(readSimpleYaml(text), null, JSON.stringify(text));
});

test('thousands of generated texts: whatever the subset reader accepts, the yaml package reads the same', () => {
  let seed = 17;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const pick = <T>(xs: T[]): T => xs[rand(xs.length)];
  const scalars = ['0', '1', '-1', '+1', '007', '0x1f', '0X1F', '0o7', '1.5', '.5', '5.', '1e3', '1E+3', '-.inf', '.Inf', '.nan', '~', 'null', 'NULL', 'nUll',
    'true', 'True', 'tRue', 'false', 'yes', 'no', 'on', 'off', 'sleep 1000', 'a:b', 'a#b', 'a #b', 'it\'s', '"q"', "'s'", "'it''s'", '"a: b"', '-x', '- x', 'x-',
    '{a: 1}', '[1, 2]', '[]', '{}', '{ a: [b, {c: d}] }', '[a, "b, c", \'d\']', '12:30:00', '2026-12-02', 'a: b', 'x:', '%', '@', '*', '&', '!', '|', '>', '?', ':',
    'é', '10MB', '5s', 'SIGTERM', '/usr/bin/env', 'a  b', 'trailing   ', '#', '[x', 'x]', '{x: }', '[x,]', '"unterminated', "'bad'x"];
  const keys = ['a', 'b', 'command', 'p0', 'env', '1', 'true', 'null', 'x.y', 'a-b', 'k_1', '0x1', 'b', '"q"', 'a b', '-k'];
  // A random mapping at an indent: scalars, nested mappings, sequences, comments, blank lines,
  // and now and then a line out of place.
  const block = (indent: number, depth: number): string => {
    let out = '';
    const pad = ' '.repeat(indent);
    for (let l = 1 + rand(4); l > 0; l--) {
      const r = rand(24);
      if (r === 0) out += pick(['', '# c', '   # c', '  ']) + '\n';
      else if (r === 1) out += `${' '.repeat(Math.max(0, indent + pick([1, -1, 3])))}${pick(keys)}: ${pick(scalars)}\n`; // misplaced
      else if (r < 5 && depth < 3) out += `${pad}${pick(keys)}:${pick(['', '', ' # c'])}\n` + block(indent + pick([2, 2, 4, 1]), depth + 1);
      else if (r < 7) {
        out += `${pad}${pick(keys)}:\n`;
        const ind = ' '.repeat(indent + pick([2, 2, 0, 4]));
        for (let k = 1 + rand(3); k > 0; k--) out += `${ind}- ${pick(scalars)}${pick(['', ' # c'])}\n`;
      } else out += `${pad}${pick(keys)}: ${pick(scalars)}${pick(['', '', ' # c', '#c', '  '])}\n`;
    }
    return out;
  };
  let accepted = 0;
  for (let n = 0; n < 4000; n++) {
    const text = block(0, 0);
    const fast = readSimpleYaml(text);
    if (!fast) continue;
    accepted++;
    same(text);
  }
  console.log(`generated texts accepted: ${accepted} of 4000`);
  assert.ok(accepted > 300, `enough generated texts are in the subset to mean something (${accepted})`);
});

test('the examples: whatever the subset reader accepts is read the same', () => {
  const root = fileURLToPath(new URL('../../../../examples', import.meta.url));
  const files: string[] = [];
  const walk = (d: string) => { for (const f of readdirSync(d)) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (/\.ya?ml$/.test(f)) files.push(p); } };
  walk(root);
  assert.ok(files.length > 0);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    if (readSimpleYaml(text)) same(text);
  }
});

/** The messages a refused text gets, as the CLI prints them. */
function problems(text: string): string[] {
  try {
    parseControlText(text, 'bad.yaml', '/srv');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues.map(formatIssue);
  }
  return assert.fail('expected a ConfigError');
}

test('a plain file with a refused setting: the same messages at the same places as through the yaml package', () => {
  // Each of these is in the subset (the reader accepts the text); the setting is what is wrong.
  const bad = 'programs:\n  web:\n    command: node server.js\n    restart: sometimes\n    restrat: always\n    stop: { signal: sigterm }\n  db:\n    after: [nope]\n';
  assert.ok(readSimpleYaml(bad));
  assert.deepEqual(problems(bad), [
    'bad.yaml:4:14: programs.web.restart: expected one of always, on-failure, never, got "sometimes"',
    'bad.yaml:5:5: programs.web.restrat: unknown key; did you mean "restart"?',
    'bad.yaml:6:21: programs.web.stop.signal: Unknown signal "sigterm": did you mean "SIGTERM"?',
    'bad.yaml:7:3: programs.db: missing "command": the program to run, like command: node server.js',
    'bad.yaml:8:12: programs.db.after: no program named "nope" in this file',
  ]);
  // Syntax the subset leaves to the yaml package keeps its messages: a duplicate key, a bad alias.
  assert.deepEqual(problems('programs:\n  a:\n    command: x\n  a:\n    command: y\n'), ['bad.yaml:4:3: key "a" twice in one mapping (first on line 2); keep one']);
  assert.deepEqual(problems('programs:\n  a:\n    command: *nope\n'), [
    'bad.yaml:3:5: programs.a.command: expected a command string or a list of arguments, got nothing',
    'bad.yaml:3:14: programs.a.command: no anchor &nope before this alias',
  ]);
});

test('anchors and merges still work (read by the yaml package)', () => {
  const text = 'x-base: &base\n  restart: never\n  ready: 0\nprograms:\n  a:\n    <<: *base\n    command: sleep 1\n';
  assert.equal(readSimpleYaml(text), null);
  const [p] = parseControlText(text, 'ok.yaml', '/srv');
  assert.equal(p.restart, 'never');
  assert.deepEqual(p.argv, ['sleep', '1']);
});
