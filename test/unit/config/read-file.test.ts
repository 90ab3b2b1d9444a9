import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadControlFile } from '../../../src/config/load.js';
import { readRegularFile } from '../../../src/config/read-file.js';

test('a control file must be a regular file under the size limit: /dev/zero, a FIFO, a directory are refused at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-readfile-'));
  try {
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    const t0 = process.hrtime.bigint();
    assert.throws(() => loadControlFile(join(dir, 'zero.yaml')), { message: `cannot read control file ${join(dir, 'zero.yaml')}: a character device, not a regular file` });
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    assert.throws(() => loadControlFile(join(dir, 'fifo.yaml')), /a FIFO, not a regular file/);
    assert.throws(() => readRegularFile(dir), /a directory/);
    writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(2048, 'a'));
    assert.throws(() => readRegularFile(join(dir, 'big.yaml'), { limit: 1024 }), /2KB is over the 1KB limit/);
    assert.equal(readRegularFile(join(dir, 'big.yaml'), { limit: 4096 }).length, 2048);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    process.stdout.write(`# refused /dev/zero, a FIFO, a directory and an oversized file in ${ms.toFixed(1)} ms\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader without permission is refused by mode bits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-readfile-'));
  try {
    writeFileSync(join(dir, 'secret'), 'A=1\n', { mode: 0o600 });
    chmodSync(dir, 0o755); // the directory open: the file's own bits refuse
    assert.throws(() => readRegularFile(join(dir, 'secret'), { reader: { uid: 65534, gids: [65534] } }), /permission denied \(uid 65534\)/);
    assert.equal(readRegularFile(join(dir, 'secret'), { reader: { uid: 0, gids: [0] } }), 'A=1\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
