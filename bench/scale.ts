// Many programs: `up --wait` until all run, `status` through the library, the daemon's memory and idle
// CPU, and `down` — against a C loop doing the same work (start N sessions, end them) in one run.
// Then a crash loop: N programs of which 200 exit at once and are restarted without delay, the
// daemon's and the helper's CPU and memory over six 5 s windows and their slope (they must level
// off, not grow).
//   node dist/bench/scale.js [N...]      (N... or N,N,...; default 50 500 1000; the crash loop with the largest N)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_NODE_FLAGS } from '../src/api/autostart.js';
import { connect } from '../src/client/index.js';
import { holderPidOf } from '../test/fixtures/holder.js';
import { row } from './table.js';

const REF = fileURLToPath(new URL('../../bench/ref/scale.c', import.meta.url));
const FLOOR = fileURLToPath(new URL('../../bench/ref/rss-floor.cjs', import.meta.url));
const IDLE_FLOOR = fileURLToPath(new URL('../../bench/ref/idle-floor.cjs', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/appinit.cjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'appinit-bench-scale-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function procTimes(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, ms
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

// Proportional set size: RSS counts node's own binary text (~40 MB, shared by every node process
// on the machine) in full; PSS counts a shared page's share, which is what this daemon costs.
function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Where a process's RSS lies, in KiB, from /proc/PID/smaps: node's own binary (file pages shared
 *  with every node process), native addons (.node), other shared libraries, the V8 heap and the
 *  rest of anonymous memory (malloc arenas, [heap], thread stacks). V8's heap is told apart by its
 *  256 KiB pages (and its executable code pages); an anonymous mapping of another size is counted
 *  as malloc's. */
function rssParts(pid: number): Record<'node' | 'addons' | 'libs' | 'v8' | 'malloc', number> {
  const parts = { node: 0, addons: 0, libs: 0, v8: 0, malloc: 0 };
  let kind: keyof typeof parts | null = null;
  let exe = '';
  try { exe = readlinkSync(`/proc/${pid}/exe`); } catch { return parts; }
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (m) {
      const path = m[4];
      const kib = (parseInt(m[2], 16) - parseInt(m[1], 16)) / 1024;
      kind = path === exe ? 'node' : path.endsWith('.node') ? 'addons' : path.startsWith('/') ? 'libs' : path === '' && (kib === 256 || m[3].includes('x')) ? 'v8' : 'malloc';
      continue;
    }
    const r = /^Rss:\s+(\d+)/.exec(line);
    if (r && kind) parts[kind] += Number(r[1]);
  }
  return parts;
}

/** The daemon's RSS by part, by number of programs (measure() fills it). */
const partsOf = new Map<number, ReturnType<typeof rssParts>>();

function partsText(p: ReturnType<typeof rssParts>): string {
  const mib = (k: number) => (k / 1024).toFixed(1);
  return `node binary ${mib(p.node)}, addons ${mib(p.addons)}, libs ${mib(p.libs)}, V8 heap pages ${mib(p.v8)}, other anonymous ${mib(p.malloc)} MiB`;
}

// A zombie is gone: who reaps it (init here) is not the daemon's doing.
function alive(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s[s.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

// Debian's supervisord with n programs (sleep 1000), for the idle reference: started, waited for
// until its n children run; stop() ends it and any child it leaves (nothing stays running).
function hasSupervisord(): boolean {
  return spawnSync('sh', ['-c', 'command -v supervisord'], { stdio: 'ignore' }).status === 0;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function startSupervisord(n: number): Promise<{ pid: number; readyAt: number; stop: () => Promise<void> }> {
  const dir = join(work, `supervisord-${n}`);
  mkdirSync(dir, { recursive: true });
  let conf = `[supervisord]\nnodaemon=true\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n`;
  for (let i = 0; i < n; i++) conf += `[program:p${i}]\ncommand=sleep 1000\nstartsecs=0\n`;
  writeFileSync(join(dir, 'supervisord.conf'), conf);
  const child = spawn('supervisord', ['-c', join(dir, 'supervisord.conf')], { stdio: 'ignore' });
  const pid = child.pid!;
  const until = Date.now() + 60_000;
  while (childrenOf(pid).length < n) {
    if (Date.now() > until || child.exitCode != null) throw new Error(`supervisord did not start its ${n} programs (see ${dir})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    const kids = childrenOf(pid);
    child.kill('SIGTERM');
    const end = Date.now() + 30_000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    for (const k of [pid, ...kids]) try { process.kill(k, 'SIGKILL'); } catch { /* gone */ }
  };
  return { pid, readyAt: performance.now(), stop };
}

/** bench/ref/idle-floor.cjs with the daemon's node flags, sampling pids every 5 s as the daemon's
 *  sampler does (APPINIT_SAMPLE_MS=5000 here): started, waited for until ready; stop() ends it. */
async function startIdleFloor(pids: readonly number[]): Promise<{ pid: number; readyAt: number; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(work, 'idle-floor-'));
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, IDLE_FLOOR, dir, '5000', ...pids.map(String)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${IDLE_FLOOR} did not say ready within 10 s`)), 10_000);
    child.stdout!.once('data', () => { clearTimeout(timer); resolve(); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${IDLE_FLOOR} exited (${code})`)); });
  });
  const stop = async () => {
    child.stdin!.end();
    if (child.exitCode == null) await new Promise((r) => child.once('exit', r));
  };
  return { pid: child.pid!, readyAt: performance.now(), stop };
}

/** CPU (%) of each pid over a window of ms that starts at `startAt` (performance.now() time, or
 *  now if past); CPU ticks are 10 ms, so the window is long. */
async function windowCpu(pids: number[], startAt: number, ms: number): Promise<number[]> {
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - performance.now())));
  const c0 = pids.map(procTimes);
  const n0 = pids.map(threadsNs);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const w = performance.now() - w0;
  return pids.map((p, i) => {
    // ns from the threads' schedstat when no thread ended in the window (an ended thread's time
    // is gone from task/); else the process's own figure, in 10 ms ticks (±0.03% over 30 s).
    const n1 = threadsNs(p);
    const lost = [...n0[i].keys()].some((tid) => !n1.has(tid));
    if (lost) return ((procTimes(p) - c0[i]) / w) * 100;
    return (cpuSince(p, n0[i], n1).allMs / w) * 100;
  });
}

/** CPU time of each thread of a process (tid -> ns, from /proc/PID/task/TID/schedstat). */
function threadsNs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[] = [];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { /* gone */ }
  for (const tid of tids) {
    try { out.set(Number(tid), Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])); } catch { /* ended */ }
  }
  return out;
}

/** CPU (ms) of a process's threads since `before` (threadsNs): all of them, and its main thread's
 *  (the others are V8's workers — TurboFan, the collector's helpers — and libuv's). */
function cpuSince(pid: number, before: Map<number, number>, now = threadsNs(pid)): { allMs: number; mainMs: number } {
  let all = 0;
  let main = 0;
  for (const [tid, v] of now) {
    const d = v - (before.get(tid) ?? 0);
    all += d;
    if (tid === pid) main = d;
  }
  return { allMs: all / 1e6, mainMs: main / 1e6 };
}

/** The window right after start: long enough for 10 ms CPU ticks to say something about a 0.3% figure. */
const IDLE_MS = Number(process.env.APPINIT_BENCH_IDLE_MS ?? 15_000);
/** The steady-state window (500 programs, or the only n given): longer, the figures are smaller. */
const STEADY_MS = Number(process.env.APPINIT_BENCH_STEADY_MS ?? 30_000);

function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** The store's backup file's time (ms), or 0. */
function backupMtime(home: string): number {
  try { return statSync(join(home, 'state.db.backup')).mtimeMs; } catch { return 0; }
}

interface IdleFigures {
  /** The 15 s right after each side's programs all run (appinit's `up`, supervisord's start): daemon, helper, supervisord. */
  afterUp: { daemon: number; helper: number; sd?: number; floor?: number; load: string };
  /** Steady state, both sides over the same window once settled (null: not measured for this n). */
  steady: { daemon: number; helper: number; sd?: number; load: string; startsAfterUpS: number } | null;
  sdRssKiB: number;
}

// Idle CPU of the daemon (and, apart, its helper) against supervisord with as many programs, each
// side measured the same way in the same run:
// - after start: each side over IDLE_MS from 1 s after its own programs all run (appinit's window
//   opens while supervisord starts, supervisord's a few seconds later: they mostly overlap, so
//   both see the same load). This window holds what follows a start: V8's memory reducer shrinks
//   the heap `up` grew (three full GCs ~8 s after it), the sampler's first ticks, code compiled.
// - steady: both over the same STEADY_MS window, once appinit has taken the store backup its `up`
//   called for (at most a minute after the daemon started; an idle daemon takes no more) and at
//   least 20 s after `up`; supervisord has by then run for as long.
// - the floor (bench/ref/idle-floor.cjs): node with the daemon's flags doing only what the idle
//   daemon must (a better-sqlite3 store, the same processes' /proc files read every 5 s through
//   kept descriptors, samples stored), over IDLE_MS from 1 s after its own start, which is right
//   after `up`: the one-off costs any node process pays for that work (its code compiled, the
//   files opened) are in it; what is left above it is the daemon's own.
// `measureRss` runs right after the after-start window (where the RSS figures were always taken).
async function idleFigures(n: number, info: { pid: number; helperPid: number }, home: string, upAt: number, steady: boolean,
  measureRss: (sdPid: number | null) => void, pids: readonly number[]): Promise<IdleFigures> {
  const app = windowCpu([info.pid, info.helperPid], upAt + 1000, IDLE_MS);
  const floor = await startIdleFloor(pids);
  const floorWin = windowCpu([floor.pid], floor.readyAt + 1000, IDLE_MS).finally(() => floor.stop());
  const sd = hasSupervisord() ? await startSupervisord(n) : null;
  try {
    const sdWin = sd ? windowCpu([sd.pid], sd.readyAt + 1000, IDLE_MS) : Promise.resolve([undefined]);
    const [[daemon, helper], [sdCpu], [floorCpu]] = await Promise.all([app, sdWin, floorWin]);
    const afterUp = { daemon, helper, sd: sdCpu, floor: floorCpu, load: loadavg() };
    const sdRssKiB = sd ? rssKiB(sd.pid) : 0;
    measureRss(sd?.pid ?? null);
    if (!steady) return { afterUp, steady: null, sdRssKiB };
    const backupBefore = backupMtime(home);
    const until = performance.now() + 90_000;
    while (performance.now() < until && (backupMtime(home) === backupBefore || performance.now() < upAt + 20_000)) await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 2000)); // the backup's verifier thread ends
    const startsAfterUpS = (performance.now() - upAt) / 1000;
    const [d, h, s2] = await windowCpu(sd ? [info.pid, info.helperPid, sd.pid] : [info.pid, info.helperPid], 0, STEADY_MS);
    return { afterUp, steady: { daemon: d, helper: h, sd: s2, load: loadavg(), startsAfterUpS }, sdRssKiB };
  } finally {
    await sd?.stop();
  }
}

async function measure(n: number, cref: string, steady: boolean) {
  const home = join(work, `home-${n}`);
  const env = { ...process.env, APPINIT_HOME: home, APPINIT_SAMPLE_MS: '5000' };
  spawnSync(process.execPath, [CLI, 'info'], { env, stdio: 'ignore' });
  const c = await connect({ home, autostart: false });
  const info = await c.info();
  const file = join(home, 'scale.yaml');
  let yaml = 'programs:\n';
  for (let i = 0; i < n; i++) yaml += `  p${i}:\n    command: sleep 1000\n    ready: 0\n    log: { timestamps: none }\n`;
  writeFileSync(file, yaml);
  const rssBefore = rssKiB(info.pid);
  // `up --wait` returns once every job runs, told by the daemon's own events: no poll of `status`
  // competes with the `up` (a poll every 10 ms cost the daemon ~4 ms each at 500 programs, a
  // fifth of its work during the `up`; the figures before this change were measured so).
  const ns0 = threadsNs(info.pid);
  const helperNs0 = threadsNs(info.helperPid);
  const holder = holderPidOf(home);
  const holderNs0 = holder ? threadsNs(holder) : new Map<number, number>();
  const t0 = performance.now();
  const up = spawnSync(process.execPath, [CLI, 'up', '--wait', file], { env, encoding: 'utf8' });
  const upAt = performance.now();
  const upCpu = cpuSince(info.pid, ns0);
  const upHelperMs = cpuSince(info.helperPid, helperNs0).allMs;
  const upHolderMs = holder ? cpuSince(holder, holderNs0).allMs : 0;
  if (up.status !== 0) throw new Error(`up --wait: ${up.stderr}`);
  const s = await c.status();
  const pids = s.map((j) => j.pid!);
  if (s.length !== n || !s.every((j) => j.state === 'running' && j.pid != null)) throw new Error(`up --wait returned with ${s.filter((j) => j.state === 'running').length} of ${n} running`);
  const upMs = upAt - t0;
  // `status` as a program that asks often sees it (a dashboard, a health script): the first 30
  // calls right after the `up` (V8 has not compiled the path yet, and the up's work still runs on)
  // are shown apart; the figure is the median of the 200 after them.
  const cold: number[] = [];
  const lat: number[] = [];
  for (let i = 0; i < 230; i++) {
    const a = performance.now();
    await c.status();
    (i < 30 ? cold : lat).push(performance.now() - a);
  }
  // Idle: the daemon, and supervisord with as many programs, measured the same way (idleFigures).
  let rss = 0;
  let pss = 0;
  let helperRss = 0;
  const idle = await idleFigures(n, info, home, upAt, steady, () => {
    rss = rssKiB(info.pid);
    pss = pssKiB(info.pid);
    helperRss = rssKiB(info.helperPid);
    partsOf.set(n, rssParts(info.pid));
  }, pids);
  const sdRss = idle.sdRssKiB;
  const d0 = performance.now();
  const down = spawnSync(process.execPath, [CLI, 'down'], { env, encoding: 'utf8' });
  if (down.status !== 0) throw new Error(down.stderr);
  while (alive(info.pid)) await new Promise((r) => setTimeout(r, 5));
  const downMs = performance.now() - d0;
  const [cUp, cDown] = spawnSync(cref, [String(n)], { encoding: 'utf8' }).stdout.trim().split(' ').map(Number);
  const cUpLogs = cWithLogs(cref, n, home);
  return {
    n, upMs, cUp, cUpLogs, upCpu, upHelperMs, upHolderMs, statusMs: median(lat), statusColdMs: median(cold), rssMiB: rss / 1024, pssMiB: pss / 1024, rssBeforeMiB: rssBefore / 1024, idle, downMs, cDown,
    sdRssMiB: sdRss / 1024, helperRssMiB: helperRss / 1024,
  };
}

// The C reference again, each process first given what a new program's managed log needs (a
// directory and out.log, err.log in it), in the same filesystem as the daemon's home: creating
// them is part of every `up` of new programs, and its cost depends on the filesystem (on this
// build machine's /tmp, 0.3-1 ms per program, against ~20 us elsewhere on the same disk).
function cWithLogs(cref: string, n: number, home: string): number {
  const dir = join(home, 'c-logs');
  mkdirSync(dir, { recursive: true });
  try {
    return Number(spawnSync(cref, [String(n), dir], { encoding: 'utf8' }).stdout.trim().split(' ')[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Least-squares slope of ys over xs (per unit of x).
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => { num += (x - mx) * (ys[i] - my); den += (x - mx) ** 2; });
  return den === 0 ? 0 : num / den;
}

interface CrashWindow { restartsPerS: number; daemonCpu: number; daemonMiB: number; helperCpu: number; helperMiB: number }

// N programs, `crashing` of them exiting at once and restarted at once (a crash loop the policy
// does not stop), for WINDOWS windows of 5 s: restarts/s, CPU and RSS of the daemon and helper per
// window, then whether they level off: the slope of each over the windows after the first (which
// still has the start in it) and the mean of the first half against the second. A daemon that
// leaks per restart shows a steady positive RSS slope; one that levels off, a slope near 0.
const WINDOWS = Number(process.env.APPINIT_BENCH_CRASH_WINDOWS ?? 6);
async function crashLoop(n: number, crashing: number): Promise<void> {
  const home = join(work, `home-crash-${n}`);
  const env = { ...process.env, APPINIT_HOME: home, APPINIT_SAMPLE_MS: '5000' };
  spawnSync(process.execPath, [CLI, 'info'], { env, stdio: 'ignore' });
  const c = await connect({ home, autostart: false });
  const info = await c.info();
  const file = join(home, 'crash.yaml');
  let yaml = 'programs:\n';
  for (let i = 0; i < n - crashing; i++) yaml += `  p${i}:\n    command: sleep 1000\n    ready: 0\n    log: { timestamps: none }\n`;
  for (let i = 0; i < crashing; i++) {
    yaml += `  c${i}:\n    command: /bin/false\n    ready: 0\n    backoff: { initial: 0, factor: 1, max: 0 }\n    crash_loop: { limit: 1000000000, window: 1s }\n`;
  }
  writeFileSync(file, yaml);
  const up = spawnSync(process.execPath, [CLI, 'up', file], { env, encoding: 'utf8' });
  if (up.status !== 0) throw new Error(up.stderr);
  const restarts = async () => (await c.status()).reduce((a, j) => a + j.restarts, 0);
  console.log(`\ncrash loop: ${n} programs, ${crashing} of them exiting at once and restarted at once, ${WINDOWS} windows of 5 s`);
  console.log('window | restarts/s | daemon CPU | daemon RSS | helper CPU | helper RSS');
  await new Promise((r) => setTimeout(r, 2000));
  const wins: CrashWindow[] = [];
  for (let w = 1; w <= WINDOWS; w++) {
    const r0 = await restarts();
    const d0 = procTimes(info.pid);
    const h0 = procTimes(info.helperPid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 5000));
    const ms = performance.now() - t0;
    const r1 = await restarts();
    const win = { restartsPerS: (r1 - r0) / (ms / 1000), daemonCpu: ((procTimes(info.pid) - d0) / ms) * 100, daemonMiB: rssKiB(info.pid) / 1024,
      helperCpu: ((procTimes(info.helperPid) - h0) / ms) * 100, helperMiB: rssKiB(info.helperPid) / 1024 };
    wins.push(win);
    const line = `${win.restartsPerS.toFixed(0)}/s, daemon ${win.daemonCpu.toFixed(0)}% CPU ${win.daemonMiB.toFixed(1)} MiB, helper ${win.helperCpu.toFixed(0)}% CPU ${win.helperMiB.toFixed(1)} MiB`;
    console.log(`${w} | ${line.replace(/, /g, ' | ')}`);
    row({ figure: `crash loop, ${crashing} of ${n} programs, window ${w} of 5 s`, appinit: line, goal: 'level, not growing' });
  }
  const steady = wins.slice(1);
  if (steady.length >= 2) {
    const mins = steady.map((_, i) => ((i + 1) * 5) / 60); // minutes since the first window
    const half = Math.floor(steady.length / 2);
    const mean = (ws: CrashWindow[], k: keyof CrashWindow) => ws.reduce((a, x) => a + x[k], 0) / ws.length;
    const firstLast = (k: keyof CrashWindow, unit: string, digits: number) =>
      `${mean(steady.slice(0, half), k).toFixed(digits)} -> ${mean(steady.slice(-half), k).toFixed(digits)}${unit}`;
    // The restart rate varies with the machine's load: CPU per restart says whether each costs more over time.
    const perRestart = (ws: CrashWindow[]) => ((mean(ws, 'daemonCpu') / 100) * 1e6 / Math.max(1, mean(ws, 'restartsPerS'))).toFixed(0);
    const rssSlope = slope(mins, steady.map((x) => x.daemonMiB));
    const cpuSlope = slope(mins, steady.map((x) => x.daemonCpu));
    const hRssSlope = slope(mins, steady.map((x) => x.helperMiB));
    const trend = `daemon RSS ${rssSlope >= 0 ? '+' : ''}${rssSlope.toFixed(1)} MiB/min (${firstLast('daemonMiB', ' MiB', 1)}), ` +
      `CPU ${cpuSlope >= 0 ? '+' : ''}${cpuSlope.toFixed(1)} points/min (${firstLast('daemonCpu', '%', 0)}); helper RSS ${hRssSlope >= 0 ? '+' : ''}${hRssSlope.toFixed(2)} MiB/min; ` +
      `restarts ${firstLast('restartsPerS', '/s', 0)}, daemon CPU per restart ${perRestart(steady.slice(0, half))} -> ${perRestart(steady.slice(-half))} µs`;
    console.log(`trend over windows 2-${WINDOWS} (slope; mean of the first half -> the second): ${trend}`);
    row({ figure: `crash loop, ${crashing} of ${n} programs: trend over windows 2-${WINDOWS} (slope; first half -> second half)`, appinit: trend, goal: 'level, not growing' });
  }
  const d0 = performance.now();
  const down = spawnSync(process.execPath, [CLI, 'down'], { env, encoding: 'utf8' });
  if (down.status !== 0) throw new Error(down.stderr);
  while (alive(info.pid)) await new Promise((r) => setTimeout(r, 5));
  const downMs = performance.now() - d0;
  console.log(`down with the crash loop running: ${downMs.toFixed(0)} ms`);
  row({ figure: `down of ${n} programs, ${crashing} crash-looping`, appinit: `${downMs.toFixed(0)} ms` });
}

// The idle lines and rows: after start and (when measured) steady, daemon with its helper apart,
// supervisord in the same run; the load average at the end of each window.
function idleRows(n: number, f: IdleFigures): void {
  const pct = (x: number) => `${x.toFixed(2)}%`;
  const one = (what: string, w: { daemon: number; helper: number; sd?: number; floor?: number; load: string }) => {
    const ratio = w.sd ? `${(w.daemon / w.sd).toFixed(2)}x` : w.sd === 0 ? 'supervisord 0' : undefined;
    const floor = w.floor == null ? '' : `, floor (node + better-sqlite3 sampling the same processes) ${pct(w.floor)}`;
    console.log(`idle CPU, ${n} programs, ${what}: daemon ${pct(w.daemon)} (helper ${pct(w.helper)}), supervisord ${w.sd == null ? 'not installed' : pct(w.sd)}${floor}; load ${w.load}`);
    row({ figure: `daemon idle CPU, ${n} programs, ${what}`, appinit: `${pct(w.daemon)} (helper ${pct(w.helper)})`,
      reference: `${w.sd == null ? 'supervisord not installed' : `supervisord ${pct(w.sd)}`}${floor}`, ratio, goal: n === 500 ? "<= supervisord's" : '' });
  };
  one(`${(IDLE_MS / 1000).toFixed(0)} s from 1 s after start`, f.afterUp);
  if (f.steady) one(`steady, ${(STEADY_MS / 1000).toFixed(0)} s window from ${f.steady.startsAfterUpS.toFixed(0)} s after up`, f.steady);
}

/** The floor under the daemon's RSS (bench/ref/rss-floor.cjs): a node process, with the daemon's
 *  node flags, that holds only what the daemon must have — a better-sqlite3 store in WAL mode and a
 *  server on a Unix socket (level 'net'), plus koffi and node:http (level 'all') — measured idle
 *  as the daemon is (RSS and PSS after 2 s). */
async function floorRss(level: 'net' | 'all'): Promise<{ rssMiB: number; pssMiB: number; parts: ReturnType<typeof rssParts> }> {
  const dir = mkdtempSync(join(work, `floor-${level}-`));
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, FLOOR, dir, level], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${FLOOR} did not say ready within 10 s`)), 10_000);
      child.stdout!.once('data', () => { clearTimeout(timer); resolve(); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${FLOOR} exited (${code})`)); });
    });
    await new Promise((r) => setTimeout(r, 2000));
    return { rssMiB: rssKiB(child.pid!) / 1024, pssMiB: pssKiB(child.pid!) / 1024, parts: rssParts(child.pid!) };
  } finally {
    child.stdin!.end();
    if (child.exitCode == null) await new Promise((r) => child.once('exit', r));
  }
}

async function main() {
  const ns = process.argv.slice(2).flatMap((a) => a.split(',')).map(Number).filter((x) => x > 0); // 50 500 or 50,500
  const cref = join(work, 'scale');
  const b = spawnSync('cc', ['-O2', '-o', cref, REF], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(b.stderr);
  // What any node process costs here: the floor under the daemon's RSS.
  const bareRss = Number(spawnSync(process.execPath, ['-e', 'setTimeout(() => console.log(process.memoryUsage().rss / 1024), 300)'], { encoding: 'utf8' }).stdout.trim());
  console.log(`bare node (node -e, idle): RSS ${(bareRss / 1024).toFixed(1)} MiB`);
  const floorNet = await floorRss('net');
  const floor = await floorRss('all');
  console.log(`floor (node + better-sqlite3 store + net server on a Unix socket, the daemon's flags): RSS ${floorNet.rssMiB.toFixed(1)} MiB (PSS ${floorNet.pssMiB.toFixed(1)}); ` +
    `+ koffi + node:http: RSS ${floor.rssMiB.toFixed(1)} MiB (PSS ${floor.pssMiB.toFixed(1)})`);
  console.log(`  floor's RSS: ${partsText(floor.parts)}`);
  console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log('programs | up until all run (C) | ratio | status via library (median) | daemon RSS idle (before up) | idle CPU after start (supervisord) | down (C) | ratio');
  const list = ns.length ? ns : [50, 500, 1000];
  const rows = [];
  for (const n of list) {
    const r = await measure(n, cref, n === 500 || list.length === 1);
    rows.push(r);
    const a = r.idle.afterUp;
    console.log(`${r.n} | ${r.upMs.toFixed(0)} ms (${r.cUp.toFixed(0)} ms) | ${(r.upMs / r.cUp).toFixed(2)}x | ${r.statusMs.toFixed(2)} ms (first 30: ${r.statusColdMs.toFixed(2)}) | ` +
      `${r.rssMiB.toFixed(1)} MiB, PSS ${r.pssMiB.toFixed(1)} (${r.rssBeforeMiB.toFixed(1)}) | ${a.daemon.toFixed(2)}% (${a.sd == null ? 'no supervisord' : `${a.sd.toFixed(2)}%`}) | ${r.downMs.toFixed(0)} ms (${r.cDown.toFixed(0)} ms) | ${(r.downMs / r.cDown).toFixed(1)}x`);
    console.log(`  daemon's RSS with ${n} programs: ${partsText(partsOf.get(n)!)}`);
    idleRows(n, r.idle);
    row({ figure: `up of ${n} programs until all run`, appinit: `${r.upMs.toFixed(0)} ms`, reference: `C ${r.cUp.toFixed(0)} ms`, ratio: `${(r.upMs / r.cUp).toFixed(2)}x`,
      goal: n === 50 ? '<= 200 ms' : n === 500 ? '<= 1.5x' : '' });
    row({ figure: `CPU of the up of ${n} programs: the daemon's threads (main), the helper, its fd holder`, appinit: `${r.upCpu.allMs.toFixed(0)} ms (${r.upCpu.mainMs.toFixed(0)} ms), helper ${r.upHelperMs.toFixed(0)} ms, holder ${r.upHolderMs.toFixed(0)} ms` });
    console.log(`${r.n} | up against C that also makes each program's log directory and files (the floor of managed logs here): C ${r.cUpLogs.toFixed(0)} ms, ratio ${(r.upMs / r.cUpLogs).toFixed(2)}x`);
    row({ figure: `up of ${n} programs until all run, against C making each program's log directory and 2 files too`, appinit: `${r.upMs.toFixed(0)} ms`,
      reference: `C ${r.cUpLogs.toFixed(0)} ms`, ratio: `${(r.upMs / r.cUpLogs).toFixed(2)}x` });
    row({ figure: `status via the library, ${n} programs (median of 200 calls; the first 30 after the up: ${r.statusColdMs.toFixed(2)} ms)`, appinit: `${r.statusMs.toFixed(2)} ms`, goal: n === 50 ? '<= 1 ms' : n === 1000 ? '<= 5 ms' : '' });
    const sdRef = r.idle.afterUp.sd == null ? '' : `, supervisord ${r.sdRssMiB.toFixed(1)} MiB`;
    row({ figure: `daemon RSS idle, ${n} programs (PSS)`, appinit: `${r.rssMiB.toFixed(1)} MiB (${r.pssMiB.toFixed(1)} MiB), helper ${r.helperRssMiB.toFixed(1)} MiB`,
      reference: `floor ${floor.rssMiB.toFixed(1)} MiB (${floor.pssMiB.toFixed(1)}), bare node ${(bareRss / 1024).toFixed(1)} MiB${sdRef}`,
      ratio: `${(r.rssMiB / floor.rssMiB).toFixed(2)}x floor`, goal: n === 50 ? '<= 45 MB' : '' });
    row({ figure: `down with ${n} programs`, appinit: `${r.downMs.toFixed(0)} ms`, reference: `C ${r.cDown.toFixed(0)} ms`, ratio: `${(r.downMs / r.cDown).toFixed(1)}x`, goal: n === 500 ? '<= 1 s' : '' });
  }
  if (rows.length > 1) {
    const [a, b] = [rows[0], rows[rows.length - 1]];
    const per = ((b.rssMiB - a.rssMiB) * 1024) / (b.n - a.n);
    console.log(`daemon RSS per program: ${per.toFixed(1)} KiB (${a.n} -> ${b.n} programs)`);
    row({ figure: `daemon RSS per program (${a.n} -> ${b.n})`, appinit: `${per.toFixed(1)} KiB`, goal: '<= 20 KB' });
  }
  const big = Math.max(...list);
  await crashLoop(big, Math.min(200, big));
}

main().catch((err) => { console.error(err); process.exitCode = 1; }).finally(() => {
  spawnSync('pkill', ['-KILL', '-f', work]);
  rmSync(work, { recursive: true, force: true });
});
