// appinit/sysv against C, in one run: message round trips Node ↔ C through the bindings vs C ↔ C
// (goal ≤ 2×), semaphore ping-pong Node ↔ C vs C ↔ C, and uncontended P/V pairs per second.
// C and Node alternate in ROUNDS rounds and each side's median is reported, so a burst of load
// from other processes falls on both sides alike.
//   node dist/bench/sysv.js        (or: npm run bench -- sysv; N=… ROUNDS=… to change the size)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_CREAT, IPC_PRIVATE, IPC_RMID, SETVAL, msgctl, msgget, msgrcv, msgsnd, semctl, semget, semop } from '../src/sysv.js';

const REF = fileURLToPath(new URL('../../bench/ref/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'appinit-bench-'));
const peer = join(work, 'sysv-peer');
const objs: (() => void)[] = [];
const N = Number(process.env.N ?? 5000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

function cleanup(): void {
  for (const rm of objs.splice(0)) try { rm(); } catch { /* gone */ }
  rmSync(work, { recursive: true, force: true });
}

function ref(args: string[]): number {
  const r = spawnSync(peer, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sysv-peer ${args.join(' ')}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

async function timed(n: number, body: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await body();
  return Number(process.hrtime.bigint() - t0) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;

async function main(): Promise<void> {
  const cc = spawnSync('cc', ['-O2', '-o', peer, join(REF, 'sysv-peer.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(cc.stderr);

  // Message round trips: a C echo answers (type 1 in, type 2 back); the client is C, then Node.
  const q = msgget(IPC_PRIVATE, IPC_CREAT | 0o600);
  objs.push(() => msgctl(q, IPC_RMID));
  const echo = spawn(peer, ['echo', String(q)], { stdio: 'ignore' });
  const payload = Buffer.alloc(64, 'x');
  const trip = async () => { await msgsnd(q, 1, payload); await msgrcv(q, 2); };
  const tripSpin = async () => { await msgsnd(q, 1, payload); await msgrcv(q, 2, { spin: 50 }); };
  await timed(1000, trip); // warm up
  const m = { c: [] as number[], node: [] as number[], spin: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    m.c.push(ref(['client', String(q), String(N)]));
    m.node.push(await timed(N, trip));
    m.spin.push(await timed(N, tripSpin));
  }
  await msgsnd(q, 1, '');
  await new Promise((r) => echo.on('exit', r));
  const [mc, mn, ms] = [median(m.c), median(m.node), median(m.spin)];
  console.log(`message round trip, 64 bytes:  C ↔ C ${us(mc)}   Node ↔ C ${us(mn)} (${(mn / mc).toFixed(2)}×)   Node ↔ C with spin: 50 ${us(ms)} (${(ms / mc).toFixed(2)}×)   goal ≤ 2×`);

  // Semaphore ping-pong: V(0) then P(1) against a C peer doing P(0) then V(1).
  const s = semget(IPC_PRIVATE, 2, IPC_CREAT | 0o600);
  objs.push(() => semctl(s, 0, IPC_RMID));
  const semecho = spawn(peer, ['semecho', String(s)], { stdio: 'ignore' });
  const ex = async () => { await semop(s, [{ num: 0, op: 1 }]); await semop(s, [{ num: 1, op: -1 }]); };
  const sp = { c: [] as number[], node: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    sp.c.push(ref(['semclient', String(s), String(N)]));
    sp.node.push(await timed(N, ex));
  }
  semctl(s, 0, IPC_RMID);
  await new Promise((r) => semecho.on('exit', r));
  console.log(`semaphore ping-pong exchange:  C ↔ C ${us(median(sp.c))}   Node ↔ C ${us(median(sp.node))} (${(median(sp.node) / median(sp.c)).toFixed(2)}×)`);

  // Uncontended P/V pairs in one process.
  const u = semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600);
  objs.push(() => semctl(u, 0, IPC_RMID));
  semctl(u, 0, SETVAL, 1);
  const pv = async () => { await semop(u, [{ num: 0, op: -1 }]); await semop(u, [{ num: 0, op: 1 }]); };
  const p = { c: [] as number[], node: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    p.c.push(ref(['pv', String(u), String(N * 10)]));
    p.node.push(await timed(N * 10, pv));
  }
  const [pc, pn] = [median(p.c), median(p.node)];
  console.log(`uncontended P/V pairs:          C ${Math.round(1e9 / pc).toLocaleString('en')}/s   Node ${Math.round(1e9 / pn).toLocaleString('en')}/s (C ${(pn / pc).toFixed(2)}× faster)`);
}

main().then(cleanup, (err) => {
  cleanup();
  console.error(err);
  process.exit(1);
});
