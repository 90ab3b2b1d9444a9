// The readers behind `appinit import`: supervisord's %(...)s expansions and environment= pairs,
// its INI dialect (continuations, inline comments, includes), and the key lines of a .js file.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readIni } from '../../../src/import/ini.js';
import { findApp, objectLiterals } from '../../../src/import/js-locate.js';
import { expand, keyValuePairs } from '../../../src/import/supervisord.js';

describe('import readers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-import-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('expansions as Python formats them', () => {
    const vars = { program_name: 'w', process_num: 3, here: '/etc' };
    assert.equal(expand('%(program_name)s_%(process_num)02d %(here)s 100%%', vars), 'w_03 /etc 100%');
    assert.equal(expand('[%(process_num)3d]', vars), '[  3]');
    assert.throws(() => expand('%(nope)s', vars), /no such expansion/);
  });

  test('environment= pairs: quotes keep commas', () => {
    assert.deepEqual(keyValuePairs('A="x,y",B=plain, C=\'q\''), { A: 'x,y', B: 'plain', C: 'q' });
    assert.throws(() => keyValuePairs('A="open'), /unterminated quote/);
  });

  test('INI: continuation lines, inline comments, includes in order, lines kept', () => {
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'main.conf'), '[program:a]\ncommand=/bin/a ; comment\nenvironment=A=1,\n  B=2\n\n[include]\nfiles=conf.d/*.conf\n');
    writeFileSync(join(dir, 'conf.d', 'b.conf'), '# b\n[program:b]\ncommand = /bin/b;not a comment\n');
    const s = readIni(join(dir, 'main.conf'));
    assert.deepEqual(s.map((x) => x.name), ['program:a', 'include', 'program:b']);
    assert.equal(s[0].values.get('command')?.value, '/bin/a');
    assert.equal(s[0].values.get('environment')?.value, 'A=1,\nB=2');
    assert.equal(s[2].values.get('command')?.value, '/bin/b;not a comment');
    assert.equal(s[2].values.get('command')?.line, 3);
    assert.match(s[2].file, /conf\.d\/b\.conf$/);
  });

  test('.js key lines skip comments, strings and templates; apps are found by their literal name', () => {
    const src = [
      'const x = "{ name: \'no\' }"; // { name: \'no\' }',
      'module.exports = { apps: [',
      '  { script: "a.js", name: `t${1}` },',
      '  /* { name: "z" } */',
      '  {',
      "    'name': 'b',",
      '    script: "b.js",',
      '    wait_ready: true,',
      '  },',
      '] };',
    ].join('\n');
    const lits = objectLiterals(src);
    const b = findApp(lits, 'b', 1);
    assert.equal(b?.keys.get('wait_ready'), 8);
    assert.equal(b?.keys.get('script'), 7);
    assert.equal(findApp(lits, undefined, 0)?.keys.get('script'), 3);
  });
});
