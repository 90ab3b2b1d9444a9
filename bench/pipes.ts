// Throughput through an appinit pipe between two programs (`stdin: { from: producer }`) against
// the same two programs as `prog1 | prog2` in sh, in the same run. Goal: >= 0.9x (with one reader
// it is one kernel pipe from producer to reader; appinit only holds its ends).
// Also, for information: the same with two readers (a tee in the helper).
// The producer is `dd if=/dev/zero bs=64k count=N`, which times its own writes: they block when the
// pipe is full, so its time is the transfer's. The reader is `dd of=/dev/null bs=64k`.
//   node dist/bench/pipes.js [MiB] [ROUNDS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/client/index.js';

const MIB = Number(process.argv[2] ?? 2048);
const ROUNDS = Number(process.argv[3] ?? 5);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'appinit-bench-pipes-'));
const home = join(work, 'home');
const count = MIB / 0.0625; // 64 KiB blocks
const producer = `dd if=/dev/zero bs=64k count=${count}`;
const reader = 'dd of=/dev/null bs=64k';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** dd's "N bytes (...) copied, S s, R" -> bytes per second. */
function ddRate(text: string): number {
  const m = /(\d+) bytes .* copied, ([\d.]+) s/.exec(text);
  if (!m) throw new Error(`no dd summary in: ${text}`);
  return Number(m[1]) / Number(m[2]);
}

function shell(): number {
  const r = spawnSync('sh', ['-c', `${producer} | ${reader} 2>/dev/null`], { encoding: 'utf8' });
  return ddRate(r.stderr);
}

async function appinit(readers: number, round: number): Promise<number> {
  const prod = `p${readers}r${round}`; // a new producer each time: an unchanged one would not run again
  const c = await connect({ home });
  // Fresh names each round: jobs are new, nothing is carried from one round to the next.
  const names = Array.from({ length: readers }, (_, i) => `${prod}-reader${i}`);
  const file = join(work, `p${readers}-${round}.yaml`);
  const text = `programs:\n  ${prod}:\n    command: ${producer}\n    restart: never\n    ready: 0\n` +
    names.map((n) => `  ${n}:\n    command: ${reader}\n    stdin: { from: ${prod} }\n    stderr: /dev/null\n    restart: never\n    ready: 0\n`).join('');
  writeFileSync(file, text);
  await c.up(file, text, work);
  for (;;) {
    const s = await c.status();
    const mine = s.filter((j) => names.includes(j.name));
    if (mine.some((j) => j.state === 'fatal')) throw new Error(`a reader could not start: ${JSON.stringify(mine)}`);
    if (mine.length === readers && mine.every((j) => j.state === 'exited')) break;
    await sleep(20);
  }
  const log = readFileSync(join(home, 'logs', prod, 'err.log'), 'utf8');
  return ddRate(log.split('\n').filter((l) => l.includes('copied')).pop() ?? '');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gbs = (x: number) => `${(x / 1e9).toFixed(2)} GB/s`;

try {
  const sh: number[] = [];
  const one: number[] = [];
  const two: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    sh.push(shell());
    one.push(await appinit(1, i));
    two.push(await appinit(2, i));
  }
  const ratio = median(one) / median(sh);
  console.log(`${MIB} MiB, ${ROUNDS} rounds, medians:`);
  console.log(`  sh: ${producer} | ${reader}     ${gbs(median(sh))}`);
  console.log(`  appinit, one reader (one kernel pipe)      ${gbs(median(one))}   ratio ${ratio.toFixed(2)}x (goal >= 0.9x)`);
  console.log(`  appinit, two readers (tee in the helper)   ${gbs(median(two))}   ratio ${(median(two) / median(sh)).toFixed(2)}x (for information)`);
  if (ratio < 0.9) process.exitCode = 1;
} finally {
  spawnSync(process.execPath, [CLI, 'down'], { env: { ...process.env, APPINIT_HOME: home }, stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
