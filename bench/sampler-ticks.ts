// The job sampler's first ticks against its steady ones, in a process of its own: N `sleep`
// processes sampled as the daemon samples its jobs (KeptFiles, descendantsSampled, sampleJobs),
// one tick at a time, the CPU of each tick split into the main thread's and the rest (V8's
// compiler and GC threads), with a pause after each tick so that the compiles it set off are
// counted with it. The first ticks open every file and run code that V8 is still compiling; what
// they cost above the steady ticks is a one-off of every daemon start (bench/scale's window right
// after `up` holds three of them). Not in `npm run bench`'s list; run it by hand, with the
// daemon's node flags:
//   node --max-semi-space-size=1 dist/bench/sampler-ticks.js [N=500] [ticks=10] [rounds=3]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sampleJobs, type CpuMark, type SampleTarget } from '../src/core/monitor/sampler.js';
import { descendantsSampled, KeptFiles, readProcSample, readUptime, type ProcSample } from '../src/os/proc/index.js';

const n = Number(process.argv[2] ?? 500);
const ticks = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mainNs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
const allUs = () => { const u = process.cpuUsage(); return u.user + u.system; };

// Each round samples the same processes through fresh KeptFiles, but V8 has compiled the code by
// the second round: only the first round is a daemon's start. Later rounds show the steady cost
// of a first tick's opens alone.
async function round(pids: number[]): Promise<{ main: number; other: number }[]> {
  const files = new KeptFiles(6000);
  const tick = new Map<number, ProcSample | null>();
  const targets = function* (): Iterable<SampleTarget> {
    tick.clear();
    for (let i = 0; i < pids.length; i++) yield { id: i + 1, pids: descendantsSampled([pids[i]], tick, files) };
    tick.clear();
    files.sweep();
  };
  const read = (pid: number) => (tick.has(pid) ? tick.get(pid) ?? null : readProcSample(pid, files));
  let marks = new Map<number, CpuMark>();
  let prevUptime: number | null = null;
  const out = [];
  for (let t = 0; t < ticks; t++) {
    await sleep(300);
    const m0 = mainNs();
    const a0 = allUs();
    const uptime = readUptime().uptime;
    const r = sampleJobs(targets(), read, marks, { wallMs: Date.now(), uptime, prevUptime, hz: 100, pageSize: 4096 });
    if (r.samples.length !== pids.length) throw new Error(`a tick sampled ${r.samples.length} of ${pids.length} processes`);
    marks = r.marks;
    prevUptime = uptime;
    const m1 = mainNs();
    await sleep(300); // the compiles the tick set off end on V8's threads
    const mainMs = (m1 - m0) / 1e6;
    const idleMain = (mainNs() - m1) / 1e6;
    out.push({ main: mainMs, other: Math.max(0, (allUs() - a0) / 1e3 - mainMs - idleMain) });
  }
  files.close();
  return out;
}

async function main(): Promise<void> {
  const kids: ChildProcess[] = [];
  try {
    for (let i = 0; i < n; i++) kids.push(spawn('sleep', ['1000'], { stdio: 'ignore' }));
    const pids = kids.map((k) => k.pid!);
    // Until every child has exec'd sleep (node's copy until then).
    for (let i = 0; i < 400 && !pids.every((p) => { try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } }); i++) await sleep(10);
    console.log(`sampler ticks, ${n} processes, ${ticks} ticks per round; CPU ms per tick, main thread + V8's other threads; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    for (let r = 1; r <= rounds; r++) {
      const rows = await round(pids);
      const sum = (xs: typeof rows) => xs.reduce((a, x) => a + x.main + x.other, 0);
      const first = rows.slice(0, 4);
      const steady = rows.slice(-3);
      console.log(`round ${r}${r === 1 ? ' (cold code, as a daemon starts)' : ' (code compiled)'}: ${rows.map((x) => `${x.main.toFixed(1)}+${x.other.toFixed(1)}`).join(' ')}`);
      console.log(`  first 4 ticks ${sum(first).toFixed(1)} ms, steady ${(sum(steady) / steady.length).toFixed(1)} ms per tick (last 3): the first 4 cost ${(sum(first) - 4 * sum(steady) / steady.length).toFixed(1)} ms more`);
    }
  } finally {
    for (const k of kids) k.kill('SIGKILL');
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
