// Goals: (a) `appinit ps -e` with 1,000+ processes is close to procps' `ps -e`; (b) sampling
// 1,000 jobs costs the daemon little CPU. Starts a daemon in a temporary APPINIT_HOME with a
// program of 1,000 `sleep 1000` instances, times ps -e through the API (client + format) and
// through the CLI (a whole `appinit ps -e` process) against spawnSync('ps', ['-e']); then
// measures the daemon's CPU seconds per wall second (utime + stime of /proc/PID/stat) over the
// window with APPINIT_SAMPLE_MS=1000 and with sampling off (0), one fresh daemon each.
// Everything is stopped (appinit down; then the pids themselves) even on error.
// Usage: node dist/bench/monitor.js [seconds=20] [jobs=1000] [runs=10]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { connect, type Client } from '../src/client/index.js';
import { formatPs } from '../src/cli/report/ps.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const HZ = 100;

function cpuTicks(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Home {
  home: string;
  env: NodeJS.ProcessEnv;
  client: Client | null;
}

function cli(h: Home, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: h.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function startHome(sampleMs: number, jobs: number): Promise<Home> {
  const home = mkdtempSync(join(tmpdir(), 'appinit-bench-monitor-'));
  const h: Home = { home, env: { ...process.env, APPINIT_HOME: home, APPINIT_SAMPLE_MS: String(sampleMs) }, client: null };
  const file = join(home, 'appinit.yaml');
  writeFileSync(file, `programs:\n  s:\n    command: sleep 1000\n    instances: ${jobs}\n    stdout: /dev/null\n    stderr: /dev/null\n`);
  const r = cli(h, ['up', file]);
  if (r.code !== 0) throw new Error(`appinit up failed: ${r.stderr}`);
  h.client = await connect({ home, autostart: false });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const st = await h.client.status();
    if (st.filter((j) => j.state === 'running').length === jobs) break;
    if (Date.now() > deadline) throw new Error(`only ${st.filter((j) => j.state === 'running').length} of ${jobs} jobs running after 120 s`);
    await sleep(200);
  }
  return h;
}

async function stopHome(h: Home | null): Promise<void> {
  if (!h) return;
  const pids: number[] = [];
  try {
    for (const j of (await h.client?.status()) ?? []) if (j.pid) pids.push(j.pid);
  } catch { /* daemon gone */ }
  const r = cli(h, ['down']);
  if (r.code !== 0) console.error(`appinit down: ${r.stderr.trim()}`);
  // Whatever survived a failed down: the jobs, the helper and the daemon, by pid.
  for (const f of ['daemon.pid', 'supervise.pid']) {
    try { pids.push(Number(readFileSync(join(h.home, f), 'utf8'))); } catch { /* gone */ }
  }
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  rmSync(h.home, { recursive: true, force: true });
}

function time(label: string, runs: number, fn: () => unknown): number {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  const ms = (performance.now() - t0) / runs;
  console.log(`${label.padEnd(58)} ${ms.toFixed(1).padStart(7)} ms`);
  return ms;
}

async function timeAsync(label: string, runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  const ms = (performance.now() - t0) / runs;
  console.log(`${label.padEnd(58)} ${ms.toFixed(1).padStart(7)} ms`);
  return ms;
}

async function daemonCpu(h: Home, seconds: number): Promise<number> {
  const pid = Number(readFileSync(join(h.home, 'daemon.pid'), 'utf8'));
  await sleep(3000); // let the start-up work settle
  const t0 = performance.now();
  const c0 = cpuTicks(pid);
  await sleep(seconds * 1000);
  const c1 = cpuTicks(pid);
  const wall = (performance.now() - t0) / 1000;
  return (c1 - c0) / HZ / wall;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 20);
  const jobs = Number(process.argv[3] ?? 1000);
  const runs = Number(process.argv[4] ?? 10);
  let h: Home | null = null;
  const bail = (): void => { void stopHome(h).finally(() => process.exit(130)); };
  process.on('SIGINT', bail);
  process.on('SIGTERM', bail);
  try {
    // (b) first half and (a): sampling at 1 s.
    h = await startHome(1000, jobs);
    const c = h.client as Client;
    const n = (await c.procs({ all: true, cmdline: false })).procs.length;
    console.log(`${jobs} jobs running (${n} processes on the machine); ${runs} runs each`);
    const api = await timeAsync('appinit ps -e through the API (client.procs + formatPs)', runs, async () => {
      const v = await c.procs({ all: true, cmdline: false });
      return formatPs(v.procs, { sys: v.sys, userName: (u) => v.users[String(u)] });
    });
    const viaCli = time('appinit ps -e (the CLI, a new node process)', runs, () => cli(h as Home, ['ps', '-e']));
    const ps = time('ps -e (procps, spawnSync)', runs, () => spawnSync('ps', ['-e'], { encoding: 'utf8' }));
    const node = time('node -e 0 (start-up floor of any node CLI)', runs, () => spawnSync(process.execPath, ['-e', '0']));
    console.log(`ratio ps / ours: ${(ps / api).toFixed(2)}x through the API, ${(ps / viaCli).toFixed(2)}x through the CLI (> 1: we are faster; node alone starts in ${node.toFixed(0)} ms)`);
    const on = await daemonCpu(h, seconds);
    const samples = (await c.history('s', 1000)).jobs.reduce((s, j) => s + j.samples.length, 0);
    await stopHome(h);
    h = null;
    // (b) second half: sampling off.
    h = await startHome(0, jobs);
    const off = await daemonCpu(h, seconds);
    await stopHome(h);
    h = null;
    console.log(`daemon CPU with ${jobs} jobs over ${seconds} s: sampling every 1 s ${(on * 100).toFixed(2)}% of a cpu, off ${(off * 100).toFixed(2)}%; `
      + `sampling costs ${((on - off) * 1000).toFixed(1)} ms of cpu per tick of ${jobs} jobs (${samples} samples stored)`);
    console.log(`reproduce: npx tsc -p tsconfig.json && node dist/bench/monitor.js ${seconds} ${jobs} ${runs}`);
  } finally {
    await stopHome(h);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
