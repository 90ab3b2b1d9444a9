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
  // A test file the runner cancelled (its 120 s limit) or killed never ran its cleanup: a daemon
  // it started still runs in its home, with its jobs. Stop those too, so the run leaves nothing
  // running; the run has already failed above.
  for (const n of left) for (const home of homesIn(join(tmpdir(), n))) stopDaemon(home);
}

// The home itself and the homes one level below it (a test's folder with a home inside).
function homesIn(dir) {
  const out = [];
  const isHome = (d) => { try { return statSync(join(d, 'daemon.pid')).isFile(); } catch { return false; } };
  if (isHome(dir)) out.push(dir);
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && isHome(join(dir, e.name))) out.push(join(dir, e.name));
  } catch { /* not a directory */ }
  return out;
}

function stopDaemon(home) {
  const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'down'], { env: { ...process.env, APPINIT_HOME: home }, encoding: 'utf8', timeout: 30_000 });
  console.error(`stopped what a test left running in ${home}: ${(r.stdout + r.stderr).trim() || `exit ${r.status}`}`);
}
process.exit(status);
