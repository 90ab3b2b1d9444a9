#!/usr/bin/env node
// Runs every compiled bench (dist/bench/*.js), or those matching the arguments.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const filters = process.argv.slice(2);
const files = readdirSync('dist/bench').filter((f) => f.endsWith('.js') && (!filters.length || filters.some((s) => f.includes(s)))).sort();
let failed = 0;
for (const f of files) {
  console.log(`\n== bench/${f.replace(/\.js$/, '.ts')}`);
  const r = spawnSync(process.execPath, [`dist/bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
