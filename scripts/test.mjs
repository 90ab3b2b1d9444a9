#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's own test runner.
// Usage: node scripts/test.mjs [substring-filter...]
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
let files = walk('dist/test', []).sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) { console.error('no test files matched'); process.exit(1); }
// Oracle tests compare with the kernel's own tick-sampled accounting, which drifts from wait4's
// precise figures when other tests load the CPUs: they run last, one at a time.
const oracle = files.filter((f) => f.includes('/oracle/'));
const rest = files.filter((f) => !f.includes('/oracle/'));
// The suite must leave nothing in the system's temporary directory (no core file, no fixture
// folder, no test home): what is new there afterwards is reported, and fails the run under CI.
const ours = (n) => /^(appinit|core$|core\.)/.test(n);
const before = new Set(readdirSync(tmpdir()).filter(ours));
let status = 0;
for (const [group, concurrency] of [[rest, 2], [oracle, 1]]) {
  if (group.length === 0) continue;
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000', ...group], { stdio: 'inherit' });
  status ||= r.status ?? 1;
}
const left = readdirSync(tmpdir()).filter((n) => ours(n) && !before.has(n));
if (left.length) {
  console.error(`tests left behind in ${tmpdir()}: ${left.join(', ')}`);
  if (process.env.CI) status ||= 1;
}
process.exit(status);
