// watch's ignore patterns, as .gitignore reads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileIgnore } from '../../../src/core/watch/ignore.js';

const ig = compileIgnore(['*.log', 'node_modules', 'build/**', 'gen/', '/srv/app/src/secret.js', 'a?c.js', 'docs/**/*.md']);
const is = (rel: string) => ig(rel, `/srv/app/src/${rel}`);

test('a pattern without "/" matches any component', () => {
  assert.equal(is('out.log'), true);
  assert.equal(is('deep/er/out.log'), true);
  assert.equal(is('node_modules/x/index.js'), true);
  assert.equal(is('lib/node_modules/x.js'), true);
  assert.equal(is('log.js'), false);
  assert.equal(is('abc.js'), true);
  assert.equal(is('abbc.js'), false);
});

test('a pattern with "/" matches from the watched directory; a directory covers what is under it', () => {
  assert.equal(is('build/x/y.js'), true);
  assert.equal(is('src/build/y.js'), false);
  assert.equal(is('gen/types.ts'), true, 'a trailing slash: the directory and everything in it');
  assert.equal(is('docs/a/b/c.md'), true);
  assert.equal(is('docs/c.md'), true, '**/ matches zero components too');
  assert.equal(is('docs/c.txt'), false);
});

test('a pattern starting with "/" is an absolute path', () => {
  assert.equal(is('secret.js'), true);
  assert.equal(is('x/secret.js'), false);
});

test('no patterns ignore nothing', () => {
  assert.equal(compileIgnore([])('a.log', '/a.log'), false);
});
