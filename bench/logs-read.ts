// Reading big logs: `appinit logs NAME -n 100000000 | wc -l` over MB megabytes of stdout and
// stderr (merged by time, times shown in local time) against `tail -n` and `cat` of the same files
// in the same run; `-n 15` against `tail -n 15`; the daemon's RSS and status latency meanwhile.
//   node dist/bench/logs-read.js [MB]      (default 300; files on disk in the temporary directory)
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/client/index.js';
import { writeBigLog } from '../test/fixtures/biglog.js';

const MB = Number(process.argv[2] ?? 300);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'appinit-bench-logread-'));
const env = { ...process.env, APPINIT_HOME: home };
const dir = join(home, 'logs', 'big');
const files = `"${join(dir, 'out.log')}" "${join(dir, 'err.log')}"`;
const appinit = `"${process.execPath}" "${CLI}"`;

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

// Runs a shell pipeline; its wall time in s and its output.
function timed(cmd: string): { secs: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', cmd], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return { secs: (performance.now() - t0) / 1000, out: r.stdout.trim() };
}

// One status request on a new connection (the client's kept-alive one would be stale after the
// synchronous runs above: the daemon closes idle connections after 5 s).
function status(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: join(home, 'appinit.sock'), path: '/v1/status', agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const c = await connect({ home });
  const { pid } = await c.info();
  const lines = writeBigLog(dir, MB);
  timed(`cat ${files} > /dev/null`); // the page cache holds them for every contestant
  const runs = 3;
  const ours: number[] = [], tails: number[] = [], cats: number[] = [], small: number[] = [], smallTail: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = timed(`${appinit} logs big -n 100000000 | wc -l`);
    if (Number(a.out) !== lines) throw new Error(`appinit counted ${a.out} lines, not ${lines}`);
    ours.push(a.secs);
    tails.push(timed(`tail -q -n 100000000 ${files} | wc -l`).secs);
    cats.push(timed(`cat ${files} | wc -l`).secs);
    small.push(timed(`${appinit} logs big -n 15 > /dev/null`).secs);
    smallTail.push(timed(`tail -q -n 15 ${files} > /dev/null`).secs);
  }
  // Meanwhile: the daemon's memory and how long a status request waits.
  const before = rssMiB(pid);
  let peak = before;
  const lat: number[] = [];
  const reader = spawn('sh', ['-c', `${appinit} logs big -n 100000000 | wc -l`], { env, stdio: 'ignore' });
  let done = false;
  reader.on('close', () => (done = true));
  while (!done) {
    const t0 = performance.now();
    await status();
    lat.push(performance.now() - t0);
    peak = Math.max(peak, rssMiB(pid));
    await new Promise((r) => setTimeout(r, 20));
  }
  const baseline: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    await status();
    baseline.push(performance.now() - t0);
  }
  const gb = (MB * 1e6) / 1e9;
  console.log(`${MB} MB, ${lines} lines of stdout and stderr (merged by time, local time shown); median of ${runs}`);
  console.log(`appinit logs -n 1e8 | wc -l  ${median(ours).toFixed(2).padStart(6)} s   ${(gb / median(ours)).toFixed(2)} GB/s`);
  console.log(`tail -n 1e8 | wc -l          ${median(tails).toFixed(2).padStart(6)} s   appinit / tail ${(median(ours) / median(tails)).toFixed(1)}`);
  console.log(`cat | wc -l                  ${median(cats).toFixed(2).padStart(6)} s   appinit / cat ${(median(ours) / median(cats)).toFixed(1)}`);
  console.log(`appinit logs -n 15           ${(median(small) * 1000).toFixed(0).padStart(6)} ms  tail -n 15 ${(median(smallTail) * 1000).toFixed(0)} ms (appinit includes starting node)`);
  console.log(`daemon RSS ${before.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB while streaming ${MB} MB`);
  console.log(`status meanwhile: ${lat.length} answers, median ${median(lat).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms (idle: median ${median(baseline).toFixed(1)} ms)`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    if (process.env.KEEP) return console.log(home);
    spawnSync(process.execPath, [CLI, 'down'], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  });
