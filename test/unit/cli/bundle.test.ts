// The package's bin is the bundle scripts/build-cli.mjs makes: it runs as a file (its shebang),
// answers by itself for the verbs it carries and hands the others to the ES module entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../src/cli/appinit.cjs', import.meta.url));

test('the bin starts with a shebang and runs as a file', () => {
  assert.ok(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n'), 'no shebang: npm links the bin and a shell would run it');
  accessSync(BIN, constants.X_OK);
  const r = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test('a verb the bundle does not carry runs from the ES module entry; --help lists every group', () => {
  const home = mkdtempSync(join(tmpdir(), 'appinit-bundle-'));
  try {
    const env = { ...process.env, APPINIT_HOME: join(home, 'none') };
    const help = spawnSync(process.execPath, [BIN, '--help'], { env, encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    for (const verb of ['status', 'logs', 'ps', 'jobs', 'up', 'crontab', 'lock']) assert.match(help.stdout, new RegExp(`\\n  ${verb}\\b`), `--help lacks ${verb}`);
    // `cron next` needs no daemon: it proves the hand-over without starting one.
    const next = spawnSync(process.execPath, [BIN, 'cron', 'next', '0 9 * * *'], { env, encoding: 'utf8' });
    assert.equal(next.status, 0, next.stderr);
    assert.match(next.stdout, /\d{4}-\d\d-\d\d/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
