#!/usr/bin/env node
// Runs the benches (dist/bench/NAME.js) one after another, or those whose name contains an
// argument, passing their output through, then prints one table of the figures each reported
// with bench/table.ts's row(), and the machine they ran on.
// Usage: npm run bench [-- NAME...]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

// One bench per line (a merge adds a line).
const BENCHES = [
  'cli',
  'spawn',
  'scale',
  'schedule',
  'keys',
  'logs',
  'logs-read',
  'ps',
  'monitor',
  'acct',
  'at-queue',
  'cron-next',
  'store-open',
  'web',
  'coord',
  'sysv',
];

const ROW_MARK = '::bench-row::';
const filters = process.argv.slice(2);
const chosen = BENCHES.filter((b) => !filters.length || filters.some((f) => b.includes(f)));
const rows = [];
let failed = 0;

function run(name) {
  return new Promise((resolve) => {
    const file = `dist/bench/${name}.js`;
    console.log(`\n== bench/${name}.ts`);
    if (!existsSync(file)) {
      console.log(`(no ${file}: not built)`);
      failed++;
      return resolve();
    }
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      const lines = (tail + d).split('\n');
      tail = lines.pop();
      for (const l of lines) {
        if (l.startsWith(ROW_MARK)) rows.push({ bench: name, ...JSON.parse(l.slice(ROW_MARK.length)) });
        else process.stdout.write(l + '\n');
      }
    });
    child.on('close', (code) => {
      if (tail) process.stdout.write(tail + '\n');
      if (code !== 0) {
        failed++;
        rows.push({ bench: name, figure: '(failed)', appinit: `exit ${code}` });
      }
      resolve();
    });
  });
}

function machine() {
  const cpus = os.cpus();
  let distro = '';
  try { distro = /PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? ''; } catch { /* none */ }
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  return `${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}${distro ? ` (${distro})` : ''}, node ${process.version}, load average at the end ${load}`;
}

for (const b of chosen) await run(b);
// A compiled bench missing from the list is said, not silently skipped.
if (!filters.length && existsSync('dist/bench')) {
  const { readdirSync } = await import('node:fs');
  for (const f of readdirSync('dist/bench')) {
    const name = f.replace(/\.js$/, '');
    if (f.endsWith('.js') && name !== 'table' && !BENCHES.includes(name)) console.log(`\n(bench/${name}.ts is not in scripts/bench.mjs's list: not run)`);
  }
}
if (rows.length) {
  const cols = ['bench', 'figure', 'appinit', 'reference', 'ratio', 'goal'];
  const cell = (r, c) => String(r[c] ?? '').replace(/\|/g, '\\|');
  console.log('\n## Summary\n');
  console.log(`| ${cols.join(' | ')} |`);
  console.log(`|${cols.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${cols.map((c) => cell(r, c)).join(' | ')} |`);
  console.log(`\nMachine: ${machine()}`);
}
process.exit(failed ? 1 : 0);
