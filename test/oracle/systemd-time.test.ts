// Durations in a control file (`stop: { timeout: 1min }`) and on the command line (`--wait-timeout`)
// read as systemd reads a time span: each spelling is given to `systemd-analyze timespan` and to
// parseDuration, and both must come to the same length (systemd in µs, ours in whole ms).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseDuration } from '../../src/config/units.js';

const missing = spawnSync('systemd-analyze', ['--version']).error;
const skip = missing ? 'not installed: systemd-analyze (apt-get install systemd)' : false;

const SPANS = ['90s', '1m', '1.5s', '500ms', '1d', '90', '0', '3600000ms', '1h30m', '2m30s', '1.5m', '1min', '1h 30min', '2 hours',
  '2min30s', '1w', '1sec', '1hr', '10 s', '55s500ms', '300ms20s 5day', '2 h', '48hr', '1M', '1y', '3 weeks', '1 minute', '20msec', '1500usec', '1h30', '2m 5'];

test('parseDuration reads systemd time spans as systemd-analyze timespan does', { skip }, () => {
  const r = spawnSync('systemd-analyze', ['timespan', ...SPANS], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  assert.equal(r.status, 0, r.stderr);
  const usecs = [...r.stdout.matchAll(/^\s*(?:μs|us): (\d+)$/gm)].map((m) => Number(m[1]));
  assert.equal(usecs.length, SPANS.length, r.stdout);
  SPANS.forEach((s, i) => assert.equal(parseDuration(s), Math.round(usecs[i] / 1000), `${s}: systemd says ${usecs[i]} µs`));
});

test('what systemd refuses is refused', { skip }, () => {
  for (const s of ['1 fortnight', '5 parsecs', 'm', '1h-30m', '10S', '1MIN', '5H', '1MS']) {
    const r = spawnSync('systemd-analyze', ['timespan', s], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, `systemd takes ${s}`);
    assert.throws(() => parseDuration(s), /expected a duration like "10s" or "1h 30min" \(units ms, s \(sec\), m \(min\), h, d, w/, s);
  }
});
