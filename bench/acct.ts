// What kernel accounting costs the supervise helper: its CPU per process that ends inside a job
// and per process that ends anywhere else on the machine (taskstats reports every exit to every
// listener), with taskstats (root) against wait4 only (APPINIT_ACCT=wait4).
//   node dist/bench/acct.js [N]      (default 2000 processes each way)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/client/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const N = Number(process.argv[2] ?? 2000);
const work = mkdtempSync(join(tmpdir(), 'appinit-bench-acct-'));

function cpuMs(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, ticks of 10 ms
}

const loop = `i=0; while [ $i -lt ${N} ]; do /bin/true; i=$((i+1)); done`;

// The daemon may be slow to answer on a loaded machine: a few tries before giving up.
async function client(home: string) {
  for (let i = 0; ; i++) {
    try {
      return await connect({ home, autostart: false });
    } catch (err) {
      if (i === 20) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function measure(mode: 'taskstats' | 'wait4') {
  const home = join(work, mode);
  const env = { ...process.env, APPINIT_HOME: home, APPINIT_ACCT: mode === 'wait4' ? 'wait4' : '', APPINIT_SAMPLE_MS: '0' };
  // An idle program keeps the background daemon from leaving while nothing runs.
  const file = join(home, 'a.yaml');
  const idle = 'programs:\n  idle:\n    command: sleep 1000\n';
  spawnSync('mkdir', ['-p', home]);
  writeFileSync(file, idle);
  const up = spawnSync(process.execPath, [CLI, 'up', file], { env, encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`appinit up: ${up.stderr}`);
  // A client per phase: the outside loop blocks this process longer than the server keeps an idle connection.
  let c = await client(home);
  const info = await c.info();
  if (info.acct !== mode) throw new Error(`wanted ${mode}, the daemon records from ${info.acct} (run as root for taskstats)`);
  // Outside any job: the helper only filters.
  let h0 = cpuMs(info.helperPid);
  let t0 = performance.now();
  spawnSync('sh', ['-c', loop]);
  const outside = { helperMs: cpuMs(info.helperPid) - h0, wallMs: performance.now() - t0 };
  // Inside a job: every one of them is recorded.
  c = await client(home);
  writeFileSync(file, `${idle}  loop:\n    command: sh -c '${loop}'\n    restart: never\n    log: { timestamps: none }\n`);
  h0 = cpuMs(info.helperPid);
  const d0 = cpuMs(info.pid);
  t0 = performance.now();
  spawnSync(process.execPath, [CLI, 'up', file], { env, stdio: 'ignore' });
  for (;;) {
    const j = (await c.status()).find((x) => x.name === 'loop');
    if (j && j.state !== 'running' && j.state !== 'starting') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const inside = { helperMs: cpuMs(info.helperPid) - h0, daemonMs: cpuMs(info.pid) - d0, wallMs: performance.now() - t0, records: (await c.acct({ program: 'loop' })).length };
  spawnSync(process.execPath, [CLI, 'down'], { env, stdio: 'ignore' });
  return { outside, inside };
}

try {
  const k = await measure('taskstats');
  const w = await measure('wait4');
  const us = (ms: number) => ((ms * 1000) / N).toFixed(1);
  console.log(`${N} processes ending outside any job: helper CPU ${us(k.outside.helperMs)} µs each with taskstats, ${us(w.outside.helperMs)} µs with wait4 only`);
  console.log(`${N} processes ending inside a job: helper CPU ${us(k.inside.helperMs)} µs each with taskstats (${k.inside.records} records), `
    + `${us(w.inside.helperMs)} µs with wait4 only (${w.inside.records} record); daemon CPU ${us(k.inside.daemonMs)} µs vs ${us(w.inside.daemonMs)} µs; `
    + `wall ${(k.inside.wallMs / 1000).toFixed(2)} s vs ${(w.inside.wallMs / 1000).toFixed(2)} s`);
} finally {
  if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
}
