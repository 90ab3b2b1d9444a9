// Log throughput and cost: a program writing 200-byte lines as fast as it can, for D seconds,
// (1) straight to a file (the physical limit), (2) through appinit's managed log, (3) through PM2.
// Everything on tmpfs (/dev/shm), so the disk does not decide. Also: 1 MB/s in 10 KB writes.
// The floor of the CPU per GB: bench/ref/log-copy.c, a C loop that reads the same pipe and appends
// to a file, bare and with a timestamp per line as the helper writes them.
//   node dist/bench/logs.js [SECONDS]        (PM2 is installed into a temp prefix from npm)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/client/index.js';
import { row } from './table.js';
import { streamFiles } from '../src/core/logs/files.js';

const D = Number(process.argv[2] ?? 10);
const FIX = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const shm = existsSync('/dev/shm') ? '/dev/shm' : '/tmp';
const work = mkdtempSync(join(shm, 'appinit-bench-logs-'));
const lines = join(work, 'lines');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}
function lastNumber(file: string): number {
  const r = spawnSync('tail', ['-c', '4096', file], { encoding: 'utf8' });
  const ls = r.stdout.trim().split('\n');
  // A managed log's line starts with its timestamp (the default): the number follows it.
  const last = (ls[ls.length - 1] ?? '').replace(/^\d{4}-\d\d-\d\dT\S+ /, '');
  return Number(last.slice(0, 8)) || 0;
}
const mbps = (bytes: number, secs: number) => bytes / secs / 1e6;

async function direct(): Promise<number> {
  const file = join(work, 'direct.log');
  writeFileSync(file, '');
  const w = spawn('sh', ['-c', `exec ${lines} 0 200 >> ${file}`], { stdio: 'ignore' });
  const t0 = Date.now();
  // Keep tmpfs small: the writer appends (O_APPEND), so truncating under it is harmless.
  const trunc = setInterval(() => truncateSync(file, 0), 250);
  await sleep(D * 1000);
  clearInterval(trunc);
  w.kill('SIGSTOP');
  const n = lastNumber(file);
  const secs = (Date.now() - t0) / 1000;
  w.kill('SIGKILL');
  return mbps(n * 200, secs);
}

// A bare C copy (pipe -> file) of 1 GB of the same lines: CPU seconds per GB, [bare, with timestamps].
function floor(): [number, number] {
  const copy = join(work, 'log-copy');
  const r = spawnSync('cc', ['-O2', '-o', copy, fileURLToPath(new URL('../../bench/ref/log-copy.c', import.meta.url))], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const once = (prefix: number) => {
    const out = spawnSync('sh', ['-c', `${lines} 0 200 | ${copy} ${join(work, 'copy.log')} 1000000000 ${prefix}`], { encoding: 'utf8' });
    rmSync(join(work, 'copy.log'), { force: true });
    return Number(out.stdout.trim().split(' ')[0]);
  };
  // Interleaved, the lower of two each: the machine is shared.
  const bare = [once(0), once(1), once(0), once(1)];
  return [Math.min(bare[0], bare[2]), Math.min(bare[1], bare[3])];
}

async function appinit(): Promise<{ rate: number; helperPerGB: number; daemonPerGB: number; rss: number[]; settle: number; idle1MB: number }> {
  const home = join(work, 'home');
  const c = await connect({ home });
  const info = await c.info();
  const file = join(work, 'a.yaml');
  writeFileSync(file, `programs:\n  flood:\n    command: ${lines} 0 200\n    log: { maxSize: 200MB, keep: 1 }\n    autostart: false\n  trickle:\n    command: ${lines} 0 10240 10000\n    log: { maxSize: 200MB, keep: 1 }\n    autostart: false\n`);
  await c.up(file, readFileSync(file, 'utf8'), work);
  const rss0 = rssMiB(info.pid);
  const h0 = cpuSeconds(info.helperPid);
  const d0 = cpuSeconds(info.pid);
  const t0 = Date.now();
  await c.start(['flood']);
  await sleep(D * 1000);
  const [job] = await c.status('flood');
  process.kill(job.pid!, 'SIGSTOP');
  const secs = (Date.now() - t0) / 1000;
  await sleep(300); // let the helper drain the pipe
  // The newest file with a line in it: a rotation may just have left out.log empty.
  const files = streamFiles(join(home, 'logs', 'flood', 'out.log')).filter((f) => !f.endsWith('.gz')).reverse();
  const n = Math.max(0, ...files.map(lastNumber));
  const gb = (n * 200) / 1e9;
  const h1 = cpuSeconds(info.helperPid);
  const d1 = cpuSeconds(info.pid);
  const rssPeak = rssMiB(info.pid);
  process.kill(job.pid!, 'SIGCONT');
  await c.stop(['flood']);
  let settle = 0;
  while (rssMiB(info.pid) > rss0 * 1.1 + 5 && settle < 60) { await sleep(1000); settle++; }
  const rssAfter = rssMiB(info.pid);
  // 1 MB/s in 10 KB writes: what it costs while nothing else happens.
  await c.start(['trickle']);
  await sleep(1000);
  const th = cpuSeconds(info.helperPid), td = cpuSeconds(info.pid), tt = Date.now();
  await sleep(10_000);
  const idle1MB = ((cpuSeconds(info.helperPid) - th + cpuSeconds(info.pid) - td) / ((Date.now() - tt) / 1000)) * 100;
  await c.stop(['trickle']);
  return { rate: mbps(n * 200, secs), helperPerGB: (h1 - h0) / gb, daemonPerGB: (d1 - d0) / gb, rss: [rss0, rssPeak, rssAfter], settle, idle1MB };
}

async function pm2(): Promise<{ rate: number; perGB: number } | string> {
  const prefix = '/tmp/appinit-bench-pm2';
  const bin = join(prefix, 'node_modules', '.bin', 'pm2');
  if (!existsSync(bin)) {
    mkdirSync(prefix, { recursive: true });
    const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', 'pm2@5'], { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(bin)) return `PM2 could not be installed (${r.stderr.trim().split('\n').pop()})`;
  }
  const env = { ...process.env, PM2_HOME: join(work, 'pm2') };
  const pm = (...a: string[]) => spawnSync(bin, a, { env, encoding: 'utf8' });
  try {
    pm('start', lines, '--name', 'flood', '--no-autorestart', '-o', join(work, 'pm2-out.log'), '-e', join(work, 'pm2-err.log'), '--', '0', '200');
    const god = Number(readFileSync(join(work, 'pm2', 'pm2.pid'), 'utf8'));
    const c0 = cpuSeconds(god);
    const t0 = Date.now();
    // PM2 keeps its log files growing; truncating them keeps tmpfs small (it appends).
    const trunc = setInterval(() => { try { truncateSync(join(work, 'pm2-out.log'), 0); } catch { /* not yet */ } }, 250);
    await sleep(D * 1000);
    clearInterval(trunc);
    const list = JSON.parse(pm('jlist').stdout) as { pid: number }[];
    process.kill(list[0].pid, 'SIGSTOP');
    const secs = (Date.now() - t0) / 1000;
    await sleep(500);
    const n = lastNumber(join(work, 'pm2-out.log'));
    const c1 = cpuSeconds(god);
    process.kill(list[0].pid, 'SIGKILL');
    return { rate: mbps(n * 200, secs), perGB: (c1 - c0) / ((n * 200) / 1e9) };
  } finally {
    pm('kill');
  }
}

async function main(): Promise<void> {
  const r = spawnSync('cc', ['-O2', '-o', lines, join(FIX, 'lines.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  try {
    const d = await direct();
    const f = floor();
    const a = await appinit();
    const p = await pm2();
    console.log(`200-byte lines for ${D}s on ${shm} (tmpfs)`);
    console.log(`direct to a file        ${d.toFixed(0).padStart(6)} MB/s`);
    console.log(`appinit managed log     ${a.rate.toFixed(0).padStart(6)} MB/s   ${(a.rate / d).toFixed(2)} of direct`);
    console.log(`  CPU per GB: helper ${a.helperPerGB.toFixed(2)} s, daemon ${a.daemonPerGB.toFixed(3)} s`);
    console.log(`  floor, a C loop read() from the pipe + write() to the file: ${f[0].toFixed(2)} s/GB bare, ${f[1].toFixed(2)} s/GB with a timestamp per line`);
    console.log(`  appinit (helper + daemon) / that floor with timestamps: ${((a.helperPerGB + a.daemonPerGB) / f[1]).toFixed(2)}x`);
    console.log(`  daemon RSS: ${a.rss[0].toFixed(1)} MiB before, ${a.rss[1].toFixed(1)} at the end of the flood, ${a.rss[2].toFixed(1)} after ${a.settle}s`);
    console.log(`  1 MB/s in 10 KB writes: helper + daemon ${a.idle1MB.toFixed(2)}% of a core`);
    if (typeof p === 'string') console.log(`pm2: ${p}`);
    else {
      console.log(`pm2                     ${p.rate.toFixed(0).padStart(6)} MB/s   ${(p.rate / d).toFixed(2)} of direct; daemon CPU ${p.perGB.toFixed(2)} s per GB`);
      console.log(`appinit CPU per GB / pm2 CPU per GB: ${((a.helperPerGB + a.daemonPerGB) / p.perGB).toFixed(3)}`);
      row({ figure: 'managed-log CPU per GB (helper + daemon)', appinit: `${(a.helperPerGB + a.daemonPerGB).toFixed(2)} s`, reference: `PM2 ${p.perGB.toFixed(2)} s`,
        ratio: `${((a.helperPerGB + a.daemonPerGB) / p.perGB).toFixed(3)}x`, goal: '<= 0.1x' });
    }
    row({ figure: 'managed-log CPU per GB (helper + daemon) vs a C read()+write() loop with timestamps (the floor)', appinit: `${(a.helperPerGB + a.daemonPerGB).toFixed(2)} s`,
      reference: `C ${f[1].toFixed(2)} s (bare copy ${f[0].toFixed(2)} s)`, ratio: `${((a.helperPerGB + a.daemonPerGB) / f[1]).toFixed(2)}x` });
  } finally {
    spawnSync(process.execPath, [CLI, 'down'], { env: { ...process.env, APPINIT_HOME: join(work, 'home') }, stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
