// The dashboard's cost: (1) the first load's size over the wire (gzip, everything the page needs;
// goal < 300 KB); (2) time to interactive with 500 jobs (the table filled from the first push),
// against `appinit status --json` for the same 500 jobs in the same run; (3) the daemon's CPU
// with 5 dashboards open on 500 jobs, against the same daemon with none open.
//   node dist/bench/web.js [JOBS] [SECONDS]     (default 500 jobs, 15 s per CPU window)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const JOBS = Number(process.argv[2] ?? 500);
const SECONDS = Number(process.argv[3] ?? 15);
const home = mkdtempSync(join(tmpdir(), 'appinit-bench-web-'));
const env = { ...process.env, APPINIT_HOME: home };

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`appinit ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function cpuMs(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const yaml = ['programs:', ...Array.from({ length: JOBS }, (_, i) => `  p${i}:\n    command: sleep 100000\n    log: { timestamps: none }`)].join('\n') + '\n';
  writeFileSync(join(home, 'a.yaml'), yaml);
  cli(['up', join(home, 'a.yaml')]);
  const web = JSON.parse(cli(['web', '--listen', '127.0.0.1:0', '--json'])) as { url: string; listen: string };
  const daemon = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));

  // 1. Every file of the page, over the wire (gzip): what the views could ever fetch.
  const { WEB_DIR } = await import('../src/api/web/static.js');
  let all = 0;
  for (const f of readdirSync(WEB_DIR)) {
    const r = await fetch(`http://${web.listen}/${f === 'index.html' ? '' : f}`, { headers: { 'accept-encoding': 'gzip' } });
    await r.arrayBuffer();
    all += Number(r.headers.get('content-length'));
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    // 2. Time to interactive: navigation start to the full table on screen (a fresh context each run).
    const tti: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      let first = 0; // the page's files fetched until the table is there (gzip, as sent)
      page.on('response', (r) => { if (!r.url().includes('/api/') && !r.url().includes('/login')) first += Number(r.headers()['content-length'] ?? 0); });
      await page.goto(web.url);
      await page.waitForFunction((n) => document.querySelectorAll('tr[data-job]').length === n, JOBS, { timeout: 60_000 });
      tti.push(await page.evaluate(() => performance.now()));
      if (i === 0) console.log(`first load: ${(first / 1024).toFixed(1)} KB gzip over the wire; every view's files: ${(all / 1024).toFixed(1)} KB gzip (goal < 300 KB: ${((all / (300 * 1024)) * 100).toFixed(0)}% of it)`);
      await ctx.close();
    }
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) cli(['status', '--json']);
    const status = (performance.now() - t0) / 3;
    const best = Math.min(...tti);
    console.log(`time to interactive, ${JOBS} jobs: ${best.toFixed(0)} ms (best of 3: ${tti.map((t) => t.toFixed(0)).join(', ')}); appinit status --json: ${status.toFixed(0)} ms; ratio ${(best / status).toFixed(2)}`);

    // 3. Daemon CPU: none open, then 5 dashboards open (each with the live table).
    await sleep(1000);
    let c0 = cpuMs(daemon);
    await sleep(SECONDS * 1000);
    const idle = cpuMs(daemon) - c0;
    const ctx = await browser.newContext();
    const pages = [];
    for (let i = 0; i < 5; i++) {
      const page = await ctx.newPage();
      await page.goto(web.url);
      await page.waitForFunction((n) => document.querySelectorAll('tr[data-job]').length === n, JOBS, { timeout: 60_000 });
      pages.push(page);
    }
    await sleep(1000);
    c0 = cpuMs(daemon);
    await sleep(SECONDS * 1000);
    const open5 = cpuMs(daemon) - c0;
    const pct = (ms: number) => ((ms / (SECONDS * 1000)) * 100).toFixed(1);
    console.log(`daemon CPU over ${SECONDS} s, ${JOBS} jobs: no dashboard ${idle} ms (${pct(idle)}%), 5 dashboards ${open5} ms (${pct(open5)}%); ratio ${(open5 / Math.max(idle, 10)).toFixed(2)}`);
    await ctx.close();
  } finally {
    await browser.close();
    spawnSync(process.execPath, [CLI, 'down'], { env });
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  spawnSync(process.execPath, [CLI, 'down'], { env });
  rmSync(home, { recursive: true, force: true });
  process.exit(1);
});
