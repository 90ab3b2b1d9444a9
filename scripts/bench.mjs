#!/usr/bin/env node
// Runs the benches (dist/bench/NAME.js) one after another, or those whose name contains an
// argument, passing their output through, then prints one table of the figures each reported
// with bench/table.ts's row(), and the machine they ran on. Each bench runs with its own TMPDIR
// and a tag in its environment: what it leaves (a process that carries the tag, a file in its
// TMPDIR) is said, counted as a failure, and then removed, so the next bench starts clean.
// Usage: npm run bench [-- NAME...]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
    const tag = `${name}-${process.pid}`;
    const tmp = mkdtempSync(join(os.tmpdir(), `appinit-bench-${name}-`));
    const env = { ...process.env, TMPDIR: tmp, APPINIT_BENCH_TAG: tag };
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'], env });
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
    child.on('close', async (code) => {
      if (tail) process.stdout.write(tail + '\n');
      if (code !== 0) {
        failed++;
        rows.push({ bench: name, figure: '(failed)', appinit: `exit ${code}` });
      }
      const left = await leftBehind(tag, tmp);
      if (left.length) {
        failed++;
        console.log(`bench/${name} left behind:\n${left.map((l) => `  ${l}`).join('\n')}`);
        rows.push({ bench: name, figure: '(left behind)', appinit: left.join('; ') });
      }
      rmSync(tmp, { recursive: true, force: true });
      resolve();
    });
  });
}

// The processes whose environment carries the tag (pid and command line).
function tagged(tag) {
  const needle = `APPINIT_BENCH_TAG=${tag}\0`;
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${d}/environ`, 'latin1').includes(needle)) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1');
      if (stat[stat.lastIndexOf(')') + 2] === 'Z') continue; // ended; its parent or init reaps it
      out.push({ pid: Number(d), cmd: readFileSync(`/proc/${d}/cmdline`, 'latin1').replace(/\0/g, ' ').trim() });
    } catch { /* gone, or not ours to read */ }
  }
  return out;
}

// What a bench left: its tagged processes still there 3 s after it ended (then killed), and
// the files in its TMPDIR.
async function leftBehind(tag, tmp) {
  let procs = tagged(tag);
  for (let i = 0; i < 30 && procs.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    procs = tagged(tag);
  }
  for (const p of procs) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  let files = [];
  try { files = readdirSync(tmp); } catch { /* none */ }
  return [...procs.map((p) => `process ${p.pid}: ${p.cmd}`), ...files.map((f) => `file ${join(tmp, f)}`)];
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
