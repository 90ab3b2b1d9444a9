import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlText } from '../../../src/config/load.js';
import { ConfigError, formatIssue } from '../../../src/config/program.js';

const problems = (text: string): string[] => {
  try {
    parseControlText(text, 'app.json', '/srv');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues.map(formatIssue);
  }
  return assert.fail('expected a ConfigError');
};

test('JSON reads like YAML, tab-indented too', () => {
  const text = '{\n\t"programs": {\n\t\t"web": {\n\t\t\t"command": ["node", "server.js"],\n\t\t\t"stop": {"signal": 9},\n\t\t\t"successCodes": [0, 2]\n\t\t}\n\t}\n}\n';
  const [p] = parseControlText(text, 'app.json', '/srv');
  assert.deepEqual(p.argv, ['node', 'server.js']);
  assert.equal(p.stopSignal, 'SIGKILL');
  assert.deepEqual(p.successCodes, [0, 2]);
  assert.deepEqual(p.source, { file: 'app.json', line: 3, col: 3 });
});

test('JSON value errors carry line:col of the value', () => {
  const text = '{\n  "programs": {\n    "web": {\n      "command": "node",\n      "restart": "nevr",\n      "ready": -1,\n      "restrat": 1\n    }\n  }\n}\n';
  assert.deepEqual(problems(text), [
    'app.json:5:18: programs.web.restart: expected one of always, on-failure, never, got "nevr"; did you mean "never"?',
    'app.json:6:16: programs.web.ready: expected a duration like "10s" or "1h 30min" (units ms, s (sec), m (min), h, d, w, or systemd\'s longer names), got -1 (number)',
    'app.json:7:7: programs.web.restrat: unknown key; did you mean "restart"?',
  ]);
});

test('JSON syntax errors carry line:col', () => {
  assert.deepEqual(problems('{\n  "programs": {\n    "web": {"command": "x",}\n  }\n}'), [
    'app.json:3:27: invalid JSON: trailing comma before "}"; remove it',
  ]);
  assert.deepEqual(problems('{\n  "programs": {\n    web: {}\n  }\n}'), [
    'app.json:3:5: invalid JSON: expected a property name in double quotes, got "w"',
  ]);
  assert.deepEqual(problems('{"programs": {"a": {"command": "x"} "b": 1}}'), [
    'app.json:1:37: invalid JSON: expected "," or "}", got "\\""',
  ]);
  assert.deepEqual(problems('{\n  "programs": {\n'), ['app.json:2:15: invalid JSON: this "{" is never closed']);
  assert.deepEqual(problems('{"programs": tru}'), ['app.json:1:14: invalid JSON: expected a value, got "t"']);
  assert.deepEqual(problems('{"a": "x\ty"}'), ['app.json:1:9: invalid JSON: control character in a string; write \\n or \\t']);
  assert.deepEqual(problems('{} x'), ['app.json:1:4: invalid JSON: unexpected "x" after the end of the document']);
  assert.deepEqual(problems('// c\n{}'), ['app.json:1:1: invalid JSON: expected a value, got "/"']);
  assert.deepEqual(problems(''), ['app.json:1:1: invalid JSON: the file is empty; write {"programs": {}}']);
});

test('JSON duplicate keys are an error, not last-one-wins', () => {
  assert.deepEqual(problems('{"programs": {"a": {"command": "x"}, "a": {"command": "y"}}}'), [
    'app.json:1:38: key "a" twice in one mapping; keep one',
  ]);
});
