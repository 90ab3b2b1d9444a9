import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinCommand, splitCommand, SplitError, splitErrorColumn } from '../../../src/config/split.js';

test('whitespace separates words and runs of it count once', () => {
  assert.deepEqual(splitCommand('  node   server.js\t--port  8080 \n'), ['node', 'server.js', '--port', '8080']);
  assert.deepEqual(splitCommand(''), []);
  assert.deepEqual(splitCommand('   '), []);
});

test('single quotes are literal, double quotes escape only \\ " $ `', () => {
  assert.deepEqual(splitCommand(`echo 'a  b' '$HOME \\n'`), ['echo', 'a  b', '$HOME \\n']);
  assert.deepEqual(splitCommand(`echo "a \\"b\\" \\$x \\\` \\\\ \\n"`), ['echo', 'a "b" $x ` \\ \\n']);
  assert.deepEqual(splitCommand(`echo "it's"`), ['echo', "it's"]);
});

test('quotes join with neighbouring text and empty quotes are an argument', () => {
  assert.deepEqual(splitCommand(`a'b'"c"d`), ['abcd']);
  assert.deepEqual(splitCommand(`printf '' ""`), ['printf', '', '']);
});

test('backslash outside quotes escapes the next character; backslash-newline continues', () => {
  assert.deepEqual(splitCommand('echo a\\ b \\\'x \\#'), ['echo', 'a b', "'x", '#']);
  assert.deepEqual(splitCommand('echo a \\\n b'), ['echo', 'a', 'b']);
});

test('# starts a comment only at the start of a word', () => {
  assert.deepEqual(splitCommand('echo a#b # c d\nnext'), ['echo', 'a#b', 'next']);
  assert.deepEqual(splitCommand('# all comment'), []);
  assert.deepEqual(splitCommand(`echo '#' "#"`), ['echo', '#', '#']);
});

test('no globbing, variables or substitution', () => {
  assert.deepEqual(splitCommand('ls *.js $HOME $(id) ~ a|b >x'), ['ls', '*.js', '$HOME', '$(id)', '~', 'a|b', '>x']);
});

test('an unterminated quote is reported at the column of the quote', () => {
  assert.throws(() => splitCommand('echo "abc'), { message: 'unterminated " quote starting at column 6' });
  assert.throws(() => splitCommand("echo ok 'abc"), { message: "unterminated ' quote starting at column 9" });
  try {
    splitCommand('node a "b');
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof SplitError);
    assert.equal(splitErrorColumn(e), 8);
    assert.match(e.reason, /^unterminated " quote; close it/);
  }
  assert.equal(splitErrorColumn(new Error('x')), null);
});

test('a trailing backslash is reported at its column', () => {
  assert.throws(() => splitCommand('echo a\\'), (e: unknown) => splitErrorColumn(e) === 7);
  assert.throws(() => splitCommand('echo a\\'), { message: /^trailing backslash at column 7/ });
});

test('joinCommand quotes only where needed and round-trips', () => {
  const argv = ['node', 'a b.js', "it's", '', '--x=1', '$HOME', '#c', 'a\\b'];
  assert.equal(joinCommand(['node', 'server.js', '--port=8080']), 'node server.js --port=8080');
  assert.equal(joinCommand(['echo', 'a b', "it's"]), `echo 'a b' 'it'\\''s'`);
  assert.deepEqual(splitCommand(joinCommand(argv)), argv);
});
