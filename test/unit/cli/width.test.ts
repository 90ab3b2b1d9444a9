// Display width against Python's unicodedata (its East Asian Width and general categories): every
// assigned code point of planes 0-3. Python here knows Unicode 14: code points whose category
// changed since (U+1171E became a spacing mark in 15.0) may differ.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { cellWidth, codePointWidth, cutToCells } from '../../../src/cli/format/width.js';

const PY = `
import unicodedata
out = []
for cp in range(0x20, 0x40000):
    c = chr(cp); cat = unicodedata.category(c)
    if cat in ('Cn', 'Cc', 'Cs', 'Co'): continue
    if cat in ('Mn', 'Me', 'Cf') or 0x1160 <= cp <= 0x11ff: w = 0
    elif unicodedata.east_asian_width(c) in ('W', 'F'): w = 2
    else: w = 1
    out.append('%x %d' % (cp, w))
print(unicodedata.unidata_version)
print('\\n'.join(out))
`;
const CHANGED_SINCE_14 = new Set([0x1171e]);

test('each code point takes the cells Python\'s unicodedata says', (t) => {
  const r = spawnSync('python3', ['-c', PY], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) return t.skip('python3 not here');
  const [version, ...lines] = r.stdout.trim().split('\n');
  const bad: string[] = [];
  for (const l of lines) {
    const [hex, w] = l.split(' ');
    const cp = parseInt(hex, 16);
    if (!CHANGED_SINCE_14.has(cp) && codePointWidth(cp) !== Number(w)) bad.push(`U+${hex.toUpperCase()}: ${codePointWidth(cp)}, Python ${w}`);
  }
  assert.deepEqual(bad.slice(0, 20), [], `Unicode ${version}: ${bad.length} differ`);
  assert.ok(lines.length > 100_000, 'the whole comparison ran');
});

test('cellWidth and cutToCells count cells, never split a wide character', () => {
  assert.equal(cellWidth('sleep'), 5);
  assert.equal(cellWidth('日本語'), 6);
  assert.equal(cellWidth('e\u0301'), 1);
  assert.equal(cutToCells('日本語', 5), '日本');
  assert.equal(cutToCells('a日本', 2), 'a');
  assert.equal(cutToCells('abc', 2), 'ab');
});
