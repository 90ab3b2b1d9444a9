// Goal (issue 9): appinit's resources through the library are no slower than Redis on the same
// machine. Round trips, one at a time (a caller that waits for each answer, as a lock user does):
//   lock + unlock (c.mutex(n).lock(); unlock())  vs  SET k 1 NX + DEL k
//   send + receive (c.queue(n).send(); receiveOne())  vs  LPUSH q x + BRPOP q 0
// and the command line: `appinit lock NAME -- true` vs `flock FILE true`.
// Starts a daemon in a temporary home and Debian's redis-server on a free port in a temporary
// directory (no persistence, as Redis is usually run for locks), speaks RESP over node:net itself,
// runs the cases in interleaved rounds and prints medians and ratios. Stops both at the end.
// Also: a no-op request (GET /v1/up/last) through the
// same kept-alive transport, which says how much of a round trip is HTTP + JSON + the event loop.
// Before and after in the same run: the library's resource calls go over its kept channel (an
// HTTP Upgrade to appinit-resources, a JSON line each way: src/client/fast-resources.ts); the
// "over HTTP" rows are the same library calls sent as HTTP requests, as every call was before
// the channel. Wall time on a shared machine swings with its load; the CPU columns (both sides
// of a round trip, per operation) are the steadier before/after comparison.
// What dominates a lock + unlock now (--cpu-prof of the daemon, strace -c): the commit of each
// grant (SQLite WAL, synchronous=NORMAL: two 4 KB frames — the holding and the answer kept for a
// re-sent id — about 7 pwrite and 6 fcntl calls; it is what makes a kill -9 of the daemon never
// grant twice), then the socket write that wakes the other side; HTTP parsing is gone from the
// path. On a loaded machine the rest of the wall time is waiting for a CPU (last column).
// Usage: node dist/bench/coord.js [rounds=7] [perRound=200] [cliRuns=15]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, connect } from '../src/client/index.js';
import { socketPath } from '../src/client/home.js';
import { unixTransport } from '../src/client/transport.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

// ---------- a minimal RESP client: one command at a time ----------

type Reply = string | number | null | Reply[];

class Resp {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((r: Reply) => void)[] = [];
  constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      for (;;) {
        const r = parse(this.buf, 0);
        if (!r) break;
        this.buf = this.buf.subarray(r.end);
        this.waiting.shift()!(r.value);
      }
    });
  }
  /** Sends one command and resolves with its reply (errors are thrown). */
  cmd(...args: string[]): Promise<Reply> {
    let out = `*${args.length}\r\n`;
    for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting.push((r) => (typeof r === 'string' && r.startsWith('ERR:') ? reject(new Error(r)) : resolve(r)));
      this.sock.write(out);
    });
  }
}

function parse(b: Buffer, at: number): { value: Reply; end: number } | null {
  const nl = b.indexOf('\r\n', at);
  if (nl < 0) return null;
  const line = b.toString('utf8', at + 1, nl);
  switch (String.fromCharCode(b[at])) {
    case '+': return { value: line, end: nl + 2 };
    case '-': return { value: `ERR:${line}`, end: nl + 2 };
    case ':': return { value: Number(line), end: nl + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      if (b.length < nl + 2 + n + 2) return null;
      return { value: b.toString('utf8', nl + 2, nl + 2 + n), end: nl + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      const items: Reply[] = [];
      let end = nl + 2;
      for (let i = 0; i < n; i++) {
        const r = parse(b, end);
        if (!r) return null;
        items.push(r.value);
        end = r.end;
      }
      return { value: items, end };
    }
    default: throw new Error(`RESP: unexpected ${JSON.stringify(line)}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(dir: string): Promise<{ proc: ChildProcess; resp: Resp; sock: Socket }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      const sock = await new Promise<Socket>((resolve, reject) => {
        const s = netConnect(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
      sock.setNoDelay(true);
      const resp = new Resp(sock);
      if ((await resp.cmd('PING')) === 'PONG') return { proc, resp, sock };
    } catch (err) {
      if (Date.now() > until || proc.exitCode != null) throw new Error(`redis-server did not answer on port ${port}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// CPU ms a process has used, every thread of it, and ms it waited on a run queue (runnable, no
// CPU free): the scheduler's own counts in nanoseconds (/proc/PID/task/*/schedstat), not
// /proc/PID/stat's 10 ms ticks, which a short round misses.
function sched(pid: number | 'self'): { run: number; wait: number } {
  let run = 0;
  let wait = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ');
      run += Number(f[0]);
      // The main thread's wait only: threads waiting at the same moment would count twice.
      if (t === String(pid === 'self' ? process.pid : pid)) wait += Number(f[1]);
    } catch { /* thread ended */ }
  }
  return { run: run / 1e6, wait: wait / 1e6 };
}

// Per iteration of fn, run n times in a row: wall µs, and CPU µs of the server and of this client
// (CPU says what each side costs even when a loaded machine stretches the wall time).
async function perOp(n: number, fn: () => Promise<unknown>, server: number): Promise<{ wall: number; server: number; client: number; queued: number }> {
  const s0 = sched(server);
  const q0 = sched('self').wait;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const wall = ((performance.now() - t0) * 1000) / n;
  const c = process.cpuUsage(c0);
  const s1 = sched(server);
  // Time either side was ready to run but had no CPU: on a shared machine, much of the wall time.
  const queued = ((s1.wait - s0.wait + sched('self').wait - q0) * 1000) / n;
  return { wall, server: ((s1.run - s0.run) * 1000) / n, client: (c.user + c.system) / n, queued };
}

function spawnMs(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 7);
  const perRound = Number(process.argv[3] ?? 200);
  const cliRuns = Number(process.argv[4] ?? 15);
  const home = mkdtempSync(join(tmpdir(), 'appinit-bench-coord-'));
  const env = { ...process.env, APPINIT_HOME: home };
  let redis: Awaited<ReturnType<typeof startRedis>> | null = null;
  let c: Client | null = null;
  try {
    const info = spawnSync(process.execPath, [CLI, 'info'], { env, encoding: 'utf8' });
    if (info.status !== 0) throw new Error(`appinit info: ${info.stderr}`);
    c = await connect({ home, autostart: false });
    redis = await startRedis(home);
    const r = redis.resp;
    const m = c.mutex('bench');
    const q = c.queue('bench.q');
    await q.create();
    const raw = unixTransport(socketPath(home));
    // The same library, every call as an HTTP request (as before the kept channel).
    const viaHttp = new Client(unixTransport(socketPath(home)), home, socketPath(home), false);
    const mh = viaHttp.mutex('bench.http');
    const qh = viaHttp.queue('bench.http.q');
    await qh.create();

    const daemon = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));
    const rpid = redis.proc.pid!;
    const cases: { label: string; server: number; run: () => Promise<unknown> }[] = [
      { label: 'appinit library: lock + unlock', server: daemon, run: async () => { await m.lock(); await m.unlock(); } },
      { label: 'redis: SET NX + DEL', server: rpid, run: async () => { if ((await r.cmd('SET', 'bench', '1', 'NX')) !== 'OK') throw new Error('SET NX failed'); await r.cmd('DEL', 'bench'); } },
      { label: 'appinit library: send + receive', server: daemon, run: async () => { await q.send(1, 'x'); await q.receiveOne(); } },
      { label: 'redis: LPUSH + BRPOP', server: rpid, run: async () => { await r.cmd('LPUSH', 'bench.q', 'x'); await r.cmd('BRPOP', 'bench.q', '0'); } },
      { label: 'appinit: 2 no-op requests (GET /v1/up/last)', server: daemon, run: async () => { await raw('GET', '/v1/up/last'); await raw('GET', '/v1/up/last'); } },
      { label: 'appinit library over HTTP: lock + unlock', server: daemon, run: async () => { await mh.lock(); await mh.unlock(); } },
      { label: 'appinit library over HTTP: send + receive', server: daemon, run: async () => { await qh.send(1, 'x'); await qh.receiveOne(); } },
    ];
    const times = cases.map(() => [] as { wall: number; server: number; client: number; queued: number }[]);
    for (const k of cases) await perOp(20, k.run, k.server); // warm up: JIT, prepared statements, connections
    for (let i = 0; i < rounds; i++) for (const [j, k] of cases.entries()) times[j].push(await perOp(perRound, k.run, k.server));
    const med = times.map((t) => median(t.map((x) => x.wall)));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    console.log(`${'round trip (one at a time)'.padEnd(46)} ${'wall µs'.padStart(9)} ${'server CPU µs'.padStart(14)} ${'client CPU µs'.padStart(14)} ${'no CPU free µs'.padStart(15)}   (median wall, mean CPU and run-queue wait; ${rounds} interleaved rounds of ${perRound})`);
    cases.forEach((k, i) => console.log(`${k.label.padEnd(46)} ${med[i].toFixed(0).padStart(9)} ${mean(times[i].map((x) => x.server)).toFixed(0).padStart(14)} ${mean(times[i].map((x) => x.client)).toFixed(0).padStart(14)} ${mean(times[i].map((x) => x.queued)).toFixed(0).padStart(15)}`));
    // CPU of both sides per operation: what a round trip costs the machine, load or not.
    const cpu = times.map((t) => mean(t.map((x) => x.server + x.client)));
    const line = (what: string, i: number, j: number) =>
      console.log(`${what.padEnd(46)} wall ${(med[i] / med[j]).toFixed(2).padStart(6)}   CPU ${(cpu[i] / cpu[j]).toFixed(2).padStart(6)}`);
    console.log(`\nratios (goal ≤ 1 against Redis)`);
    line('lock+unlock / SET NX+DEL', 0, 1);
    line('lock+unlock over HTTP / SET NX+DEL (before)', 5, 1);
    line('send+receive / LPUSH+BRPOP', 2, 3);
    line('send+receive over HTTP / LPUSH+BRPOP (before)', 6, 3);
    line('lock+unlock: kept channel / HTTP', 0, 5);
    line('send+receive: kept channel / HTTP', 2, 6);
    console.log(`share of a lock+unlock over HTTP that is two no-op requests: ${((med[4] / med[5]) * 100).toFixed(0)}%`);

    // The command line: a whole process each, as a shell script uses them.
    const lockFile = join(home, 'flock.lock');
    const a: number[] = [];
    const f: number[] = [];
    spawnMs(process.execPath, [CLI, 'lock', 'bench.cli', '--', 'true'], env);
    spawnMs('flock', [lockFile, 'true'], env);
    for (let i = 0; i < cliRuns; i++) {
      a.push(spawnMs(process.execPath, [CLI, 'lock', 'bench.cli', '--', 'true'], env));
      f.push(spawnMs('flock', [lockFile, 'true'], env));
    }
    const node0: number[] = [];
    for (let i = 0; i < cliRuns; i++) node0.push(spawnMs(process.execPath, ['-e', '0'], env));
    console.log(`\n${'command (wall ms median)'.padEnd(46)} ${'ms'.padStart(10)}   (${cliRuns} interleaved runs)`);
    console.log(`${'appinit lock bench.cli -- true'.padEnd(46)} ${median(a).toFixed(1).padStart(10)}`);
    console.log(`${'flock FILE true'.padEnd(46)} ${median(f).toFixed(1).padStart(10)}`);
    console.log(`${'node -e 0 (the floor of any node command)'.padEnd(46)} ${median(node0).toFixed(1).padStart(10)}`);
    console.log(`ratio appinit lock / flock: ${(median(a) / median(f)).toFixed(1)}; of which node's own start: ${((median(node0) / median(a)) * 100).toFixed(0)}%`);
  } finally {
    redis?.sock.destroy();
    redis?.proc.kill('SIGKILL');
    spawnSync(process.execPath, [CLI, 'down'], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
