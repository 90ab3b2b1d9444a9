// appinit/sysv against C, in one run: message round trips Node ↔ C through the bindings vs C ↔ C
// (goal ≤ 2×), semaphore ping-pong Node ↔ C vs C ↔ C, and uncontended P/V pairs per second.
//   node dist/bench/sysv.js        (or: npm run bench -- sysv)
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

function cleanup(): void {
  for (const rm of objs.splice(0)) try { rm(); } catch { /* gone */ }
  rmSync(work, { recursive: true, force: true });
}

function ref(args: string[]): number {
  const r = spawnSync(peer, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sysv-peer ${args.join(' ')}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

async function main(): Promise<void> {
  const cc = spawnSync('cc', ['-O2', '-o', peer, join(REF, 'sysv-peer.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(cc.stderr);
  const N = Number(process.env.N ?? 20000);

  // Message round trips: a C echo answers; the client is C, then Node.
  const q = msgget(IPC_PRIVATE, IPC_CREAT | 0o600);
  objs.push(() => msgctl(q, IPC_RMID));
  const echo = spawn(peer, ['echo', String(q)], { stdio: 'ignore' });
  const cNs = ref(['client', String(q), String(N)]);
  const payload = Buffer.alloc(64, 'x');
  for (let i = 0; i < 1000; i++) { await msgsnd(q, 1, payload); await msgrcv(q, 2); }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) { await msgsnd(q, 1, payload); await msgrcv(q, 2); }
  const nodeNs = Number(process.hrtime.bigint() - t0) / N;
  // The same with spin: 50 (retry without waiting for up to 50 µs before a thread takes the wait).
  const t0s = process.hrtime.bigint();
  for (let i = 0; i < N; i++) { await msgsnd(q, 1, payload); await msgrcv(q, 2, { spin: 50 }); }
  const spinNs = Number(process.hrtime.bigint() - t0s) / N;
  await msgsnd(q, 1, '');
  await new Promise((r) => echo.on('exit', r));
  console.log(`message round trip, 64 bytes:  C ↔ C ${(cNs / 1000).toFixed(1)} µs   Node ↔ C ${(nodeNs / 1000).toFixed(1)} µs   ratio ${(nodeNs / cNs).toFixed(2)}×   with spin 50 µs ${(spinNs / 1000).toFixed(1)} µs, ratio ${(spinNs / cNs).toFixed(2)}× (goal ≤ 2×)`);

  // Semaphore ping-pong: V(0) then P(1) against a C peer doing P(0) then V(1).
  const s = semget(IPC_PRIVATE, 2, IPC_CREAT | 0o600);
  objs.push(() => semctl(s, 0, IPC_RMID));
  const semecho = spawn(peer, ['semecho', String(s)], { stdio: 'ignore' });
  const cSem = ref(['semclient', String(s), String(N)]);
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) { await semop(s, [{ num: 0, op: 1 }]); await semop(s, [{ num: 1, op: -1 }]); }
  const nodeSem = Number(process.hrtime.bigint() - t1) / N;
  semctl(s, 0, IPC_RMID);
  await new Promise((r) => semecho.on('exit', r));
  console.log(`semaphore ping-pong exchange:  C ↔ C ${(cSem / 1000).toFixed(1)} µs   Node ↔ C ${(nodeSem / 1000).toFixed(1)} µs   ratio ${(nodeSem / cSem).toFixed(2)}×`);

  // Uncontended P/V pairs in one process.
  const u = semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600);
  objs.push(() => semctl(u, 0, IPC_RMID));
  semctl(u, 0, SETVAL, 1);
  const M = N * 10;
  const cPv = ref(['pv', String(u), String(M)]);
  const t2 = process.hrtime.bigint();
  for (let i = 0; i < M; i++) { await semop(u, [{ num: 0, op: -1 }]); await semop(u, [{ num: 0, op: 1 }]); }
  const nodePv = Number(process.hrtime.bigint() - t2) / M;
  console.log(`uncontended P/V pairs:          C ${Math.round(1e9 / cPv).toLocaleString('en')}/s   Node ${Math.round(1e9 / nodePv).toLocaleString('en')}/s   ratio ${(nodePv / cPv).toFixed(2)}×`);
}

main().then(cleanup, (err) => {
  cleanup();
  console.error(err);
  process.exit(1);
});
