// The control files the README shows are what a newcomer copies first: each must load as it is
// (its env_file beside it), or name what it lacks in a way the README says.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseControlDocument } from '../../../src/config/load.js';

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

test('every yaml control file in the README parses as it is written', () => {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
  assert.ok(blocks.length >= 2, `the README's yaml examples were found (${blocks.length})`);
  const dir = mkdtempSync(join(tmpdir(), 'appinit-readme-'));
  try {
    writeFileSync(join(dir, '.env'), 'A=1\n');
    blocks.forEach((text, i) => {
      const file = join(dir, `example-${i + 1}.yaml`);
      writeFileSync(file, text);
      assert.doesNotThrow(() => parseControlDocument(text, file, dir), `README yaml block ${i + 1}:\n${text}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
