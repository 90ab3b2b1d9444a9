// Spawn + reap rate and restart latency through appinit, against the same loop in C, in one run.
//   node dist/bench/spawn.js [ROUNDS]        (or: npm run bench -- spawn)
// The machine is shared (2 cores, other builds): each figure is measured in interleaved rounds
// (C, appinit, appinit, C, ...), and the CPU each side spends per spawn is printed too, since CPU
// time is steadier than wall time on a loaded machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type Client } from '../src/client/index.js';
import { row } from './table.js';

const REF = fileURLToPath(new URL('../../bench/ref/', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/appinit.cjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'appinit-bench-'));
const ROUNDS = Math.max(1, Number(process.argv[2] ?? process.env.SPAWN_ROUNDS ?? 5));
const WINDOW_S = 1; // one rate window per round and side
const KILLS = 60; // restart latency: kill -9s per side, alternating C and appinit

function build(name: string): string {
  const out = join(work, name);
  const r = spawnSync('cc', ['-O2', '-o', out, join(REF, `${name}.c`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return out;
}

function sorted(xs: number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}
function median(xs: number[]): number {
  const s = sorted(xs);
  return s[Math.floor(s.length / 2)];
}
function pct(xs: number[], p: number): number {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}
function load(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

// Waits on inotify (fs.watch), not a busy loop: a polling bench would take a core from
// whichever side has more processes to schedule.
function waitStamp(file: string, after: bigint, timeoutMs = 5000): Promise<bigint> {
  const read = (): bigint | null => {
    if (!existsSync(file)) return null;
    const t = readFileSync(file, 'utf8').trim();
    return t && BigInt(t) > after ? BigInt(t) : null;
  };
  return new Promise((resolve, reject) => {
    const w = watch(work, () => {
      const v = read();
      if (v != null) done(v);
    });
    const timer = setTimeout(() => { w.close(); reject(new Error(`no new stamp in ${file} within ${timeoutMs} ms`)); }, timeoutMs);
    const done = (v: bigint) => { clearTimeout(timer); w.close(); resolve(v); };
    const v = read();
    if (v != null) done(v);
  });
}

function pidOf(stamp: string, file: string): number {
  // The stamp process itself (its command line starts with the binary), not the C loop running it.
  const r = spawnSync('pgrep', ['-f', `^${stamp} ${file}$`], { encoding: 'utf8' });
  return Number(r.stdout.trim().split('\n')[0]);
}

// One kill -9 of the stamp process, in ms until its replacement wrote its stamp.
async function killOnce(stamp: string, file: string): Promise<number> {
  const pid = pidOf(stamp, file);
  const t0 = process.hrtime.bigint();
  process.kill(pid, 'SIGKILL');
  const t = await waitStamp(file, t0);
  return Number(t - t0) / 1e6;
}

// CPU of a process in µs: its own (schedstat, ns) and that of its reaped children (stat, ticks).
function cpuUs(pid: number): { self: number; children: number } {
  const self = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return { self, children: (Number(f[13]) + Number(f[14])) * 10000 };
}

// The helper's fd holder: its child running the same binary.
function holderOf(helper: number): number | null {
  const exe = readlinkSync(`/proc/${helper}/exe`);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === helper && readlinkSync(`/proc/${d}/exe`) === exe) return Number(d);
    } catch { /* gone */ }
  }
  return null;
}

interface CSide { c: number; cCpu: number; cParent: number; cChild: number }
interface Floor { rate: number; parent: number; child: number }
interface RateRound extends CSide { a: number; daemon: number; helper: number; holder: number; children: number; floor: Floor | null; listened: CSide | null }

async function restartsOf(c: Client, name: string): Promise<number> {
  return (await c.status(name))[0].restarts;
}

// One window of the appinit loop: restarts per second and CPU per restart of each process.
async function appinitWindow(c: Client, pids: { daemon: number; helper: number; holder: number | null }): Promise<Omit<RateRound, keyof CSide | 'floor' | 'listened'>> {
  await c.start(['t']);
  await new Promise((r) => setTimeout(r, 200)); // past the first spawn and the status traffic
  const r0 = await restartsOf(c, 't');
  const t0 = Date.now();
  const d0 = cpuUs(pids.daemon), h0 = cpuUs(pids.helper), k0 = pids.holder ? cpuUs(pids.holder).self : 0;
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const d1 = cpuUs(pids.daemon), h1 = cpuUs(pids.helper), k1 = pids.holder ? cpuUs(pids.holder).self : 0;
  const r1 = await restartsOf(c, 't');
  const secs = (Date.now() - t0) / 1000;
  await c.stop(['t']);
  const n = Math.max(1, r1 - r0);
  return { a: (r1 - r0) / secs, daemon: (d1.self - d0.self) / n, helper: (h1.self - h0.self) / n, holder: (k1 - k0) / n, children: (h1.children - h0.children) / n };
}

function cWindow(loop: string): CSide {
  const out = spawnSync(loop, ['rate', String(WINDOW_S), '/bin/true'], { encoding: 'utf8' }).stdout.trim().split(/\s+/).map(Number);
  return { c: out[0], cCpu: out[1], cParent: out[2], cChild: out[3] };
}

// The floor: the helper's own way of spawning, in C (bench/ref/spawn-floors.c): clone3 vfork born
// in a cgroup v2 group, the child's setup (signals, setsid, rlimit, stdin, a log pipe, close_range).
function floorWindow(floors: string, cg: string): Floor | null {
  const r = spawnSync(floors, ['rate', String(WINDOW_S), 'vcs', cg, '/bin/true'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const out = r.stdout.trim().split(/\s+/).map(Number);
  return { rate: out[0], parent: out[1], child: out[2] };
}

// The C loop again with one more taskstats + process-connector listener on the machine (what a
// root helper registers): every exit then builds and sends it a record, in the exiting task.
async function listenedWindow(floors: string, loop: string): Promise<CSide | null> {
  const l = spawn(floors, ['listen'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const ok = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 3000);
      l.stdout!.once('data', () => { clearTimeout(t); resolve(true); });
      l.once('exit', () => { clearTimeout(t); resolve(false); });
    });
    return ok ? cWindow(loop) : null;
  } finally {
    l.kill('SIGKILL');
  }
}

// A cgroup v2 directory of this run for the floor (root only, a writable v2 tree), or null.
function floorGroup(): string | null {
  try {
    const mi = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[3] === '/' && f[f.indexOf('-') + 1] === 'cgroup2');
    const self = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
    if (!mi || !self) return null;
    const dir = join(mi[4], self.slice(3), `appinit-bench-floor-${process.pid}`).replace(/\/+/g, '/');
    mkdirSync(dir);
    return dir;
  } catch {
    return null;
  }
}

function others(): number {
  // Other helpers on the machine: each (as root) is one more taskstats listener every exit pays for.
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (readlinkSync(`/proc/${d}/exe`).endsWith('/appinit-supervise')) n++; } catch { /* gone */ }
  }
  return n;
}

async function main(): Promise<void> {
  const loop = build('spawn-loop');
  const floors = build('spawn-floors');
  const stamp = build('stamp');
  const cg = floorGroup();
  const home = join(work, 'home');
  const env = { ...process.env, APPINIT_HOME: home };
  let cLoop: ChildProcess | null = null;
  const loadBefore = load();
  try {
    // 1. spawn + reap rate of /bin/true, C and appinit in turn (ABBA order)
    writeFileSync(join(work, 'rate.yaml'), `programs:\n  t:\n    command: /bin/true\n    autostart: false\n    ready: 0\n    backoff: { initial: 0, factor: 1, max: 0 }\n    crash_loop: { limit: 1000000000, window: 1s }\n`);
    const c = await connect({ home });
    await c.up(join(work, 'rate.yaml'), readFileSync(join(work, 'rate.yaml'), 'utf8'), work);
    const info = await c.info();
    const pids = { daemon: info.pid, helper: info.helperPid, holder: holderOf(info.helperPid) };
    const rounds: RateRound[] = [];
    const helpersSeen = others();
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        const cr = cWindow(loop);
        const fl = cg ? floorWindow(floors, cg) : null;
        const li = await listenedWindow(floors, loop);
        rounds.push({ ...cr, floor: fl, listened: li, ...(await appinitWindow(c, pids)) });
      } else {
        const ar = await appinitWindow(c, pids);
        const li = await listenedWindow(floors, loop);
        const fl = cg ? floorWindow(floors, cg) : null;
        rounds.push({ ...cWindow(loop), floor: fl, listened: li, ...ar });
      }
    }

    // 2. restart latency: kill -9 to the new process running; both loops run side by side (the
    //    stamps sleep) and are killed in turn, so both see the same moments of the machine.
    cLoop = spawn(loop, ['supervise', stamp, join(work, 'c.stamp')], { stdio: 'ignore' });
    writeFileSync(join(work, 'lat.yaml'), `programs:\n  s:\n    command: ${stamp} ${join(work, 'a.stamp')}\n    backoff: { initial: 0, factor: 1, max: 0 }\n    crash_loop: { limit: 1000000000, window: 1s }\n`);
    await c.up(join(work, 'lat.yaml'), readFileSync(join(work, 'lat.yaml'), 'utf8'), work);
    await waitStamp(join(work, 'c.stamp'), 0n);
    await waitStamp(join(work, 'a.stamp'), 0n);
    const cLat: number[] = [], aLat: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      if (i % 2 === 0) {
        cLat.push(await killOnce(stamp, join(work, 'c.stamp')));
        aLat.push(await killOnce(stamp, join(work, 'a.stamp')));
      } else {
        aLat.push(await killOnce(stamp, join(work, 'a.stamp')));
        cLat.push(await killOnce(stamp, join(work, 'c.stamp')));
      }
    }
    stopCLoop(cLoop, stamp, join(work, 'c.stamp'));
    cLoop = null;

    const ratios = rounds.map((r) => r.a / r.c);
    const f0 = (x: number) => x.toFixed(0);
    console.log(`load average before ${loadBefore}, after ${load()}; ${ROUNDS} rounds of ${WINDOW_S} s each side, ${KILLS} kills each side`);
    console.log('round  appinit/s  C loop/s  ratio   CPU per spawn (µs): C loop parent + child | appinit daemon helper holder child = sum');
    rounds.forEach((r, i) => console.log(`${String(i + 1).padStart(5)}  ${f0(r.a).padStart(9)}  ${f0(r.c).padStart(8)}  ${(r.a / r.c).toFixed(2).padStart(5)}   ${f0(r.cParent).padStart(6)} + ${f0(r.cChild).padStart(5)} | ${f0(r.daemon).padStart(6)} ${f0(r.helper).padStart(6)} ${f0(r.holder).padStart(6)} ${f0(r.children).padStart(6)} = ${f0(r.daemon + r.helper + r.holder + r.children)}`));
    console.log('round  floor: C clone3 vfork into a cgroup + the helper\'s child setup: /s, parent + child µs | C loop with one more taskstats listener: /s, parent + child µs');
    rounds.forEach((r, i) => console.log(`${String(i + 1).padStart(5)}  ${r.floor ? `${f0(r.floor.rate).padStart(6)}/s ${f0(r.floor.parent).padStart(4)} + ${f0(r.floor.child).padStart(4)}` : '  (no writable cgroup v2)'.padEnd(22)} | ${r.listened ? `${f0(r.listened.c).padStart(6)}/s ${f0(r.listened.cParent).padStart(4)} + ${f0(r.listened.cChild).padStart(4)}` : '(no taskstats here)'}`));
    const aRate = median(rounds.map((r) => r.a)), cRate = median(rounds.map((r) => r.c));
    const cpuA = median(rounds.map((r) => r.daemon + r.helper + r.holder + r.children)), cpuC = median(rounds.map((r) => r.cCpu));
    console.log(`spawn+reap /bin/true: appinit ${f0(aRate)}/s, C ${f0(cRate)}/s (medians); ratio per round median ${median(ratios).toFixed(2)}x, range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x`);
    console.log(`CPU per spawn (medians): appinit ${f0(cpuA)} µs (daemon ${f0(median(rounds.map((r) => r.daemon)))}, helper ${f0(median(rounds.map((r) => r.helper)))}, holder ${f0(median(rounds.map((r) => r.holder)))}, child ${f0(median(rounds.map((r) => r.children)))}), C loop ${f0(cpuC)} µs`);
    const floorsOk = rounds.filter((r) => r.floor).map((r) => r.floor as Floor);
    const heard = rounds.filter((r) => r.listened);
    const taxChild = heard.length ? median(heard.map((r) => (r.listened as CSide).cChild - r.cChild)) : null;
    const taxParent = heard.length ? median(heard.map((r) => (r.listened as CSide).cParent - r.cParent)) : null;
    const cChild = median(rounds.map((r) => r.cChild)), aChild = median(rounds.map((r) => r.children));
    console.log(`the /bin/true child: under appinit ${f0(aChild)} µs, under the C loop ${f0(cChild)} µs` +
      (floorsOk.length ? `, under the C floor ${f0(median(floorsOk.map((f) => f.child)))} µs` : '') +
      (taxChild != null ? `; one more taskstats listener: +${f0(taxChild)} µs per child, +${f0(taxParent ?? 0)} µs per parent spawn (helpers on the machine: ${helpersSeen})` : ''));
    console.log(`restart latency median: appinit ${median(aLat).toFixed(3)} ms, C ${median(cLat).toFixed(3)} ms, ${(median(aLat) / median(cLat)).toFixed(2)}x; p90 ${pct(aLat, 0.9).toFixed(3)} vs ${pct(cLat, 0.9).toFixed(3)} ms`);
    row({ figure: 'spawn + reap in a restart loop', appinit: `${f0(aRate)}/s`, reference: `C posix_spawn loop ${f0(cRate)}/s`,
      ratio: `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`, goal: '>= 0.9x' });
    if (floorsOk.length) {
      const fRate = median(floorsOk.map((f) => f.rate));
      row({ figure: 'spawn + reap, floor: the helper\'s way of spawning in C (clone3 vfork into a cgroup, the child\'s setup)', appinit: `${f0(aRate)}/s`,
        reference: `C ${f0(fRate)}/s (child ${f0(median(floorsOk.map((f) => f.child)))} µs; C posix_spawn child ${f0(cChild)} µs)`, ratio: `${(aRate / fRate).toFixed(2)}x`, goal: '' });
    }
    if (taxChild != null) {
      row({ figure: 'CPU of the /bin/true child per run; cost of one more taskstats listener on the machine', appinit: `${f0(aChild)} µs`,
        reference: `C loop child ${f0(cChild)} µs; +1 listener: child +${f0(taxChild)} µs, parent +${f0(taxParent ?? 0)} µs (${helpersSeen} helpers running)`, ratio: `${(aChild / cChild).toFixed(2)}x`, goal: '' });
    }
    row({ figure: 'restart latency (kill -9 -> running), median', appinit: `${median(aLat).toFixed(2)} ms`, reference: `C loop ${median(cLat).toFixed(2)} ms`,
      ratio: `${(median(aLat) / median(cLat)).toFixed(2)}x`, goal: '<= 1.2x' });
  } finally {
    if (cLoop) stopCLoop(cLoop, stamp, join(work, 'c.stamp'));
    spawnSync(process.execPath, [CLI, 'down'], { env, stdio: 'ignore' });
    if (cg) try { rmdirSync(cg); } catch { /* still busy: nothing of ours runs there after the loop */ }
    rmSync(work, { recursive: true, force: true });
  }
}

// The C loop's own child (the stamp it is running) outlives a SIGKILL of the loop: end it too,
// by its exact command line under this run's directory (nobody else's process matches).
function stopCLoop(loop: ChildProcess, stamp: string, file: string): void {
  loop.kill('SIGKILL');
  spawnSync('pkill', ['-KILL', '-f', `^${stamp} ${file}$`], { stdio: 'ignore' });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
