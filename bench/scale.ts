// Many programs: `up` until all run, `status` through the library, the daemon's memory and idle
// CPU, and `down` — against a C loop doing the same work (start N sessions, end them) in one run.
//   node dist/bench/scale.js [N...]      (default 50 500)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/client/index.js';

const REF = fileURLToPath(new URL('../../bench/ref/scale.c', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
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

// A zombie is gone: who reaps it (init here) is not the daemon's doing.
function alive(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s[s.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function measure(n: number, cref: string) {
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
  const t0 = performance.now();
  const up = spawnSync(process.execPath, [CLI, 'up', file], { env, encoding: 'utf8' });
  if (up.status !== 0) throw new Error(up.stderr);
  for (;;) {
    const s = await c.status();
    if (s.length === n && s.every((j) => j.state === 'running' && j.pid != null)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const upMs = performance.now() - t0;
  const lat: number[] = [];
  for (let i = 0; i < 30; i++) {
    const a = performance.now();
    await c.status();
    lat.push(performance.now() - a);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const cpu0 = procTimes(info.pid);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, 5000));
  const idleCpu = ((procTimes(info.pid) - cpu0) / (performance.now() - w0)) * 100;
  const rss = rssKiB(info.pid);
  const d0 = performance.now();
  const down = spawnSync(process.execPath, [CLI, 'down'], { env, encoding: 'utf8' });
  if (down.status !== 0) throw new Error(down.stderr);
  while (alive(info.pid)) await new Promise((r) => setTimeout(r, 5));
  const downMs = performance.now() - d0;
  const [cUp, cDown] = spawnSync(cref, [String(n)], { encoding: 'utf8' }).stdout.trim().split(' ').map(Number);
  return { n, upMs, cUp, statusMs: median(lat), rssMiB: rss / 1024, rssBeforeMiB: rssBefore / 1024, idleCpu, downMs, cDown };
}

async function main() {
  const ns = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const cref = join(work, 'scale');
  const b = spawnSync('cc', ['-O2', '-o', cref, REF], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(b.stderr);
  console.log('programs | up until all run (C) | ratio | status via library (median) | daemon RSS idle (before up) | idle CPU | down (C) | ratio');
  for (const n of ns.length ? ns : [50, 500]) {
    const r = await measure(n, cref);
    console.log(`${r.n} | ${r.upMs.toFixed(0)} ms (${r.cUp.toFixed(0)} ms) | ${(r.upMs / r.cUp).toFixed(2)}x | ${r.statusMs.toFixed(2)} ms | ` +
      `${r.rssMiB.toFixed(1)} MiB (${r.rssBeforeMiB.toFixed(1)}) | ${r.idleCpu.toFixed(2)}% | ${r.downMs.toFixed(0)} ms (${r.cDown.toFixed(0)} ms) | ${(r.downMs / r.cDown).toFixed(1)}x`);
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; }).finally(() => {
  spawnSync('pkill', ['-KILL', '-f', work]);
  rmSync(work, { recursive: true, force: true });
});
