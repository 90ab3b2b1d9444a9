// Names that become log directories, and the bounded history of finished runs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Program } from '../../../src/config/program.js';
import { historyBounds, LogHistory } from '../../../src/core/logs/history.js';
import { badLogName, logDirOf } from '../../../src/core/logs/names.js';
import { openDb } from '../../../src/store/db.js';
import { LOGS_MIGRATIONS } from '../../../src/store/logs.js';

describe('log names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-lognames-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('one path component, no NUL, not . or .., at most 200 bytes', () => {
    for (const bad of ['', '.', '..', '../x', 'a/b', '/abs', 'x\0y', 'é'.repeat(101)]) assert.ok(badLogName(bad), `"${bad}" refused`);
    for (const good of ['web', 'at-3', 'cron-root-2', '.hidden', 'a..b', 'é'.repeat(100)]) assert.equal(badLogName(good), null, `"${good}" accepted`);
  });

  test('a symlinked log directory is refused', () => {
    mkdirSync(join(dir, 'logs', 'real'), { recursive: true });
    symlinkSync(dir, join(dir, 'logs', 'link'));
    assert.equal(logDirOf(join(dir, 'logs'), 'real'), join(dir, 'logs', 'real'));
    assert.equal(logDirOf(join(dir, 'logs'), 'absent'), join(dir, 'logs', 'absent'));
    assert.throws(() => logDirOf(join(dir, 'logs'), 'link'), /not a directory/);
    assert.throws(() => logDirOf(join(dir, 'logs'), '../logs'), /invalid name/);
  });
});

describe('history of log sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-loghist-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const prog = (name: string, timestamps: 'iso' | 'none' = 'iso') =>
    ({ name, stdout: { kind: 'log' }, stderr: { kind: 'log' }, log: { timestamps } }) as unknown as Program;

  test('remembers names, forgets beyond the count and the age', () => {
    const db = openDb(join(dir, 'state.db'), [{ name: 'logs', migrations: LOGS_MIGRATIONS }]);
    let now = 1_000_000_000;
    const h = new LogHistory(db, { count: 3, ageMs: 10_000 }, () => now);
    for (const n of ['a', 'b', 'c', 'd']) {
      h.note(prog(n, n === 'b' ? 'none' : 'iso'), 1000);
      now += 100;
    }
    assert.deepEqual(h.find('b'), { name: 'b', ownerUid: 1000, timestamps: 'none', streams: ['stdout', 'stderr'], seenAt: 1_000_000_100 });
    h.prune();
    assert.equal(h.find('a'), null, 'beyond the count');
    assert.ok(h.find('d'));
    now += 20_000;
    assert.equal(h.find('d'), null, 'older than the age');
    db.close();
  });

  test('bounds from the environment; bad values are said and ignored', () => {
    assert.deepEqual(historyBounds({}), { count: 1000, ageMs: 30 * 86_400_000 });
    assert.deepEqual(historyBounds({ APPINIT_LOG_HISTORY: '50', APPINIT_LOG_HISTORY_AGE: '12h' }), { count: 50, ageMs: 12 * 3_600_000 });
    const said: string[] = [];
    assert.deepEqual(historyBounds({ APPINIT_LOG_HISTORY: 'lots', APPINIT_LOG_HISTORY_AGE: 'forever' }, (m) => said.push(m)), { count: 1000, ageMs: 30 * 86_400_000 });
    assert.equal(said.length, 2);
  });
});
