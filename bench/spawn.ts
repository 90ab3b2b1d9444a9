// Spawn + reap rate and restart latency through appinit, against the same loop in C, in one run.
//   node dist/bench/spawn.js        (or: npm run bench -- spawn)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/client/index.js';
import { row } from './table.js';

const REF = fileURLToPath(new URL('../../bench/ref/', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/appinit.cjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'appinit-bench-'));

function build(name: string): string {
  const out = join(work, name);
  const r = spawnSync('cc', ['-O2', '-o', out, join(REF, `${name}.c`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
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

function pidOf(file: string): number {
  // The stamp process itself (its command line starts with the binary), not the C loop running it.
  const r = spawnSync('pgrep', ['-f', `^${join(work, 'stamp')} ${file}`], { encoding: 'utf8' });
  return Number(r.stdout.trim().split('\n')[0]);
}

async function latency(file: string, rounds: number): Promise<number[]> {
  const out: number[] = [];
  let last = await waitStamp(file, 0n);
  for (let i = 0; i < rounds; i++) {
    const pid = pidOf(file);
    const t0 = process.hrtime.bigint();
    process.kill(pid, 'SIGKILL');
    last = await waitStamp(file, t0);
    out.push(Number(last - t0) / 1e6);
  }
  return out;
}

async function main(): Promise<void> {
  const loop = build('spawn-loop');
  const stamp = build('stamp');
  const SECONDS = 3;
  const home = join(work, 'home');
  const env = { ...process.env, APPINIT_HOME: home };
  let cLoop: ChildProcess | null = null;
  try {
    // 1. spawn + reap rate of /bin/true
    const cRate = Number(spawnSync(loop, ['rate', String(SECONDS), '/bin/true'], { encoding: 'utf8' }).stdout);
    writeFileSync(join(work, 'rate.yaml'), `programs:\n  t:\n    command: /bin/true\n    ready: 0\n    backoff: { initial: 0, factor: 1, max: 0 }\n    crash_loop: { limit: 1000000000, window: 1s }\n`);
    const c = await connect({ home });
    await c.up(join(work, 'rate.yaml'), readFileSync(join(work, 'rate.yaml'), 'utf8'), work);
    const r0 = (await c.status('t'))[0].restarts;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const r1 = (await c.status('t'))[0].restarts;
    const ours = (r1 - r0) / ((Date.now() - t0) / 1000);
    await c.stop(['t']);

    // 2. restart latency: kill -9 to the new process running
    cLoop = spawn(loop, ['supervise', stamp, join(work, 'c.stamp')], { stdio: 'ignore' });
    const cLat = await latency(join(work, 'c.stamp'), 50);
    stopCLoop(cLoop, stamp, join(work, 'c.stamp'));
    writeFileSync(join(work, 'lat.yaml'), `programs:\n  s:\n    command: ${stamp} ${join(work, 'a.stamp')}\n    backoff: { initial: 0, factor: 1, max: 0 }\n    crash_loop: { limit: 1000000000, window: 1s }\n`);
    await c.up(join(work, 'lat.yaml'), readFileSync(join(work, 'lat.yaml'), 'utf8'), work);
    const aLat = await latency(join(work, 'a.stamp'), 50);

    console.log('what                          appinit        C loop    ratio (appinit/C)');
    console.log(`spawn+reap /bin/true (/s)   ${ours.toFixed(0).padStart(9)}  ${cRate.toFixed(0).padStart(12)}    ${(cRate / ours).toFixed(2)}x slower`);
    console.log(`restart latency median (ms) ${median(aLat).toFixed(3).padStart(9)}  ${median(cLat).toFixed(3).padStart(12)}    ${(median(aLat) / median(cLat)).toFixed(2)}x`);
    console.log(`restart latency p90 (ms)    ${aLat.sort((a, b) => a - b)[45].toFixed(3).padStart(9)}  ${cLat.sort((a, b) => a - b)[45].toFixed(3).padStart(12)}`);
    row({ figure: 'spawn + reap in a restart loop', appinit: `${ours.toFixed(0)}/s`, reference: `C posix_spawn loop ${cRate.toFixed(0)}/s`, ratio: `${(ours / cRate).toFixed(2)}x`, goal: '>= 0.9x' });
    row({ figure: 'restart latency (kill -9 -> running), median', appinit: `${median(aLat).toFixed(2)} ms`, reference: `C loop ${median(cLat).toFixed(2)} ms`,
      ratio: `${(median(aLat) / median(cLat)).toFixed(2)}x`, goal: '<= 1.2x' });
  } finally {
    if (cLoop) stopCLoop(cLoop, join(work, 'stamp'), join(work, 'c.stamp'));
    spawnSync(process.execPath, [CLI, 'down'], { env, stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  }
}

// The C loop's own child (the stamp it is running) outlives a SIGKILL of the loop: end it too,
// by its exact command line under this run's directory (nobody else's process matches).
function stopCLoop(loop: ReturnType<typeof spawn>, stamp: string, file: string): void {
  loop.kill('SIGKILL');
  spawnSync('pkill', ['-KILL', '-f', `^${stamp} ${file}$`], { stdio: 'ignore' });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
