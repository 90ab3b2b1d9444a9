// Goal: the at queue scales (issue 18): adding an at job costs the same with 10,000 queued as
// with none, and removing all 10,000 at once does not block the daemon (other requests keep
// being answered). Prints the add rate per block of 1,000 (first vs last: the ratio should be
// ~1), the time of one `atrm` of every job, and the longest a concurrent `info` waited meanwhile.
// Usage: node dist/bench/at-queue.js [N=10000]   (or: npm run bench -- at-queue)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../src/client/index.js';

// A zombie is gone (whoever reaps it).
function alive(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s[s.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const home = mkdtempSync(join(tmpdir(), 'appinit-bench-at-'));
  const c = await connect({ home });
  const daemonPid = (await c.info()).pid;
  try {
    // An environment the size a shell's is (at keeps it): 40 variables of 60 bytes.
    const env: Record<string, string> = {};
    for (let i = 0; i < 40; i++) env[`VAR${i}`] = 'x'.repeat(60);
    const ids: number[] = [];
    const blocks: number[] = [];
    const block = Math.max(1, Math.floor(n / 10));
    let t = performance.now();
    for (let i = 0; i < n; i++) {
      const a = await c.atAdd({ spec: 'noon jan 1 2099', script: 'true\n', cwd: '/', env });
      ids.push(a.id);
      if ((i + 1) % block === 0) {
        const now = performance.now();
        blocks.push((now - t) / block);
        t = now;
      }
    }
    console.log(`add: ms per job by block of ${block}: ${blocks.map((b) => b.toFixed(2)).join(' ')}`);
    console.log(`add: last block / first block = ${(blocks[blocks.length - 1] / blocks[0]).toFixed(2)} (1.00 = does not grow with the queue)`);
    const t0 = performance.now();
    const l = await c.atList();
    console.log(`atq of ${l.length}: ${(performance.now() - t0).toFixed(0)} ms`);
    // While every job is removed in one request, ask for info every 5 ms: the worst wait is how
    // long the daemon was blocked.
    let worst = 0;
    let pings = 0;
    let removing = true;
    const pinger = (async () => {
      while (removing) {
        const s = performance.now();
        await c.info();
        worst = Math.max(worst, performance.now() - s);
        pings++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const r0 = performance.now();
    const r = await c.atRemove(ids);
    const removeMs = performance.now() - r0;
    removing = false;
    await pinger;
    console.log(`remove all ${r.removed.length}: ${removeMs.toFixed(0)} ms; concurrent info: ${pings} answered, worst wait ${worst.toFixed(0)} ms`);
  } finally {
    await c.down().catch((err) => console.error(`down: ${(err as Error).message}`));
    // The home goes once the daemon has ended (it was still unlinking the removed jobs' files:
    // an rmSync meanwhile failed with ENOTEMPTY and left the home behind).
    for (let i = 0; i < 200 && alive(daemonPid); i++) await new Promise((r) => setTimeout(r, 50));
    rmSync(home, { recursive: true, force: true, maxRetries: 5 });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
