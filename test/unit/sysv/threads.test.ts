// Blocking calls wait on appinit/sysv's own threads: 50 blocked receives leave fs.readFile (libuv's
// thread pool) as fast as with none, and a blocked call never holds up process exit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { IPC_CREAT, IPC_PRIVATE, IPC_RMID, SysvError, msgctl, msgget, msgrcv, pendingCalls } from '../../../src/sysv.js';
import { CPrograms, Ledger, lineFrom } from './kit.js';

const ledger = new Ledger();
const dir = new CPrograms();
after(() => {
  ledger.cleanup();
  dir.cleanup();
});

async function readLoop(path: string, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await Promise.all([readFile(path), readFile(path), readFile(path), readFile(path)]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

test('50 receives blocked at once leave fs.readFile as fast as with none', async () => {
  const file = join(dir.dir, 'data');
  await writeFile(file, Buffer.alloc(4096, 1));
  await readLoop(file, 20); // warm up
  // Rounds alternate without and with 50 blocked receives; the medians are compared, so a burst of
  // load from other processes on this machine falls on both sides alike.
  const none: number[] = [];
  const busy: number[] = [];
  for (let round = 0; round < 5; round++) {
    none.push(await readLoop(file, 60));
    const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o600));
    const blocked = Array.from({ length: 50 }, () => msgrcv(id, 0).catch((e: unknown) => e));
    assert.equal(pendingCalls(), 50);
    busy.push(await readLoop(file, 60));
    msgctl(id, IPC_RMID);
    const ends = await Promise.all(blocked);
    assert.ok(ends.every((e) => e instanceof SysvError && e.code === 'EIDRM'), 'every blocked receive ends with EIDRM');
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[2];
  // Generous factor: with koffi's .async (libuv's pool, 4 threads) four blocked calls stall every
  // fs call, so the loop with receives blocked would never finish at all.
  assert.ok(median(busy) < median(none) * 5 + 50, `readFile loops took ${busy.map((x) => x.toFixed(1)).join(', ')} ms with 50 blocked receives vs ${none.map((x) => x.toFixed(1)).join(', ')} ms without`);
});

test('process.exit() returns at once with receives blocked; a pending receive keeps a script alive until it is answered', async () => {
  const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o600));
  const lib = new URL('../../../src/sysv.js', import.meta.url).href;
  const script = join(dir.dir, 'exit.mjs');
  await writeFile(script, `import { msgrcv } from ${JSON.stringify(lib)};
for (let i = 0; i < 10; i++) msgrcv(${id}, 1000 + i).catch(() => {});
console.log('blocked');
setTimeout(() => process.exit(7), 10);`);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ended = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await lineFrom(child, /^blocked$/, 'the exit script');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
  assert.equal(await ended, 7, 'process.exit(7) with 10 receives blocked must end the process with 7 (KILLed after 10 s otherwise)');
  clearTimeout(timeout);

  const script2 = join(dir.dir, 'alive.mjs');
  await writeFile(script2, `import { msgrcv, msgsnd } from ${JSON.stringify(lib)};
console.log('waiting');
const m = await msgrcv(${id}, 77);
console.log('got ' + m.data);`);
  const c2 = spawn(process.execPath, [script2], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ended2 = new Promise<number | null>((r) => c2.on('exit', (code) => r(code)));
  await lineFrom(c2, /^waiting$/, 'the alive script');
  const { msgsnd } = await import('../../../src/sysv.js');
  const got = lineFrom(c2, /^got /, 'the alive script');
  await msgsnd(id, 77, 'hi');
  assert.equal(await got, 'got hi');
  assert.equal(await ended2, 0);
});

test('a worker_thread and the main thread each get their own completions', async () => {
  const { Worker } = await import('node:worker_threads');
  const { msgsnd } = await import('../../../src/sysv.js');
  const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o600));
  const lib = new URL('../../../src/sysv.js', import.meta.url).href;
  const w = new Worker(`import(${JSON.stringify(lib)}).then(async (s) => {
    const { parentPort } = await import('node:worker_threads');
    parentPort.postMessage('waiting');
    const m = await s.msgrcv(${id}, 2);
    parentPort.postMessage('worker got ' + m.data);
  });`, { eval: true });
  const said: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    w.on('message', (m: string) => { said.push(m); if (m.startsWith('worker got')) resolve(); });
    w.on('error', reject);
  });
  await new Promise<void>((r) => w.once('message', () => r()));
  const mine = msgrcv(id, 1);
  await msgsnd(id, 1, 'for main');
  await msgsnd(id, 2, 'for worker');
  assert.equal((await mine).data.toString(), 'for main');
  await done;
  assert.ok(said.includes('worker got for worker'), said.join('; '));
  await w.terminate();
});
