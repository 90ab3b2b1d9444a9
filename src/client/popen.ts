// popen(3), pclose(3) and coprocesses (issue 12) as jobs of the daemon: the command runs as an
// `appinit run` job (accounted, listed by `jobs`, and it goes on running if the caller dies),
// and its stdin/stdout are relayed the way `appinit run` relays a terminal-less job: through
// the supervise helper's job socket ('d' input, 'e' end of input; 'o' output, 's' its end).
import net from 'node:net';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Client } from './index.js';

/** Options of popen and coprocess. A string command runs through /bin/sh -c, as popen's does. */
export interface PopenOptions {
  /** Absolute; default: this process's cwd. */
  cwd?: string;
  /** The whole environment; default: this process's. */
  env?: Record<string, string>;
  /** The job's name (its log directory); default: the command's. */
  name?: string;
}

/** A stream from popen: `close()` resolves to the wait status, as pclose returns it. */
export interface PopenStream {
  /** The job's number (`%N`) and pid. */
  job: number;
  pid: number | null;
  /** Ends the command's input (mode 'w') and resolves to its wait status once it has ended. */
  close(): Promise<number>;
}

/** A coprocess: a filter whose input the caller writes and whose output it reads. */
export interface Coprocess {
  job: number;
  pid: number | null;
  stdin: Writable;
  stdout: Readable;
  /** Resolves to the wait status (exit code << 8, or the signal number) once it has ended. */
  wait(): Promise<number>;
}

// Output that may have been written before a pclose and still be on its way after it: a pipe,
// the helper's queue for an attached client and the socket's buffers, generously.
const WRITTEN_BEFORE_CLOSE = 8 * 1024 * 1024;

// Input sent ahead of what the command has taken, at most: half the helper's queue per job.
const INPUT_WINDOW = 512 * 1024;

// The helper's socket beside the daemon's: the name is the contract with api/paths.ts.
const helperSocket = (home: string) => join(home, 'supervise.sock');

function dataFrame(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(data.length + 1);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, data]);
}

// flow 1: the command's output waits in its pipe while we do not read (as popen's pipe), rather
// than the helper dropping what a slow reader has not taken.
function attachFrame(id: number): Buffer {
  const body = Buffer.from(['attach', 'job', String(id), 'flow', '1'].join('\0') + '\0');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length);
  return Buffer.concat([head, body]);
}

/** One job's relay: output and its end in, input out. */
interface Relay {
  sock: net.Socket;
  status: Promise<number>;
  stdout: Readable;
  stdin: Writable;
  /** True once the command has ended (or the relay was lost). */
  ended(): boolean;
  /** From now on the command's output is read and dropped (its reader has gone); onMore is
   *  called once more than `beyond` bytes of it came after. */
  drop(beyond: number, onMore: () => void): void;
}

// What writing to a command that has ended gets: EPIPE, as a write to a pipe without a reader.
function epipe(): Error {
  return Object.assign(new Error('the command has ended (EPIPE)'), { code: 'EPIPE' });
}

function relay(sock: net.Socket, attached: () => void): Relay {
  let resolveStatus!: (s: number) => void;
  let rejectStatus!: (e: Error) => void;
  const status = new Promise<number>((res, rej) => { resolveStatus = res; rejectStatus = rej; });
  status.catch(() => { /* read by close()/wait(); unhandled otherwise */ });
  let ended = false;
  const stdout = new Readable({ read: () => sock.resume() });
  // At most INPUT_WINDOW bytes ahead of what the command took (the helper says {"ev":"took"}):
  // the helper queues 1 MB of a job's input and drops past it.
  let unacked = 0;
  let windowed = false;
  // A piece waiting for room: in the window ({"ev":"took"}) or in the socket ('drain'). The end
  // of the command lets it go too: a socket the helper no longer reads never drains, and a
  // close() that waited for it waited for ever.
  let waiting: (() => void) | null = null;
  const release = () => { const f = waiting; waiting = null; f?.(); };
  const stdin = new Writable({
    // In pieces of half the window, each sent only while it fits in the window: a 1 MB write sent
    // whole once the window had room put up to 1.5 MB ahead of the command, past the 1 MB the
    // helper queues, and it dropped the rest (20 MB into a late reader arrived as 17 MB under load).
    write(chunk: Buffer, _enc, cb) {
      if (ended) return cb(epipe());
      let off = 0;
      const step = (): void => {
        if (ended) return cb(off < chunk.length ? epipe() : null);
        if (off >= chunk.length) return cb();
        const piece = chunk.subarray(off, off + INPUT_WINDOW / 2);
        if (windowed && unacked > 0 && unacked + piece.length > INPUT_WINDOW) {
          waiting = step;
          return;
        }
        off += piece.length;
        unacked += piece.length;
        if (sock.write(dataFrame('d', piece))) step();
        else {
          waiting = step;
          sock.once('drain', release);
        }
      };
      step();
    },
    final(cb) {
      if (!ended) sock.write(dataFrame('e', Buffer.alloc(0)));
      cb();
    },
  });
  let inbuf: Buffer = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    inbuf = inbuf.length ? Buffer.concat([inbuf, d]) : d;
    while (inbuf.length >= 5) {
      const len = inbuf.readUInt32LE(0);
      if (inbuf.length < 4 + len) break;
      const type = String.fromCharCode(inbuf[4]);
      const body = inbuf.subarray(5, 4 + len);
      inbuf = inbuf.subarray(4 + len);
      // stdout only: the command's stderr stays in its log (`appinit logs NAME`).
      if (type === 'o') {
        if (dropping) {
          dropped += body.length;
          if (dropped > dropBeyond && onMore) { const f = onMore; onMore = null; f(); }
        } else if (!stdout.destroyed && !stdout.push(Buffer.from(body))) sock.pause();
      }
      else if (type === 's') {
        const ev = JSON.parse(body.toString('utf8')) as { ev: string; status?: number; respawned?: number; took?: number; n?: number };
        if (ev.ev === 'attached') {
          windowed = ev.took === 1;
          attached();
        } else if (ev.ev === 'took') {
          unacked = Math.max(0, unacked - (ev.n ?? 0));
          if (unacked <= INPUT_WINDOW / 2) release();
        } else if (ev.ev === 'exit' && !ev.respawned) {
          ended = true;
          release();
          stdout.push(null);
          resolveStatus(ev.status ?? 0);
          sock.end();
        }
      }
    }
  });
  const lost = (err?: Error) => {
    if (ended) return;
    ended = true;
    release();
    const e = err ?? new Error('the connection to the supervise helper was lost');
    stdout.destroy(e);
    rejectStatus(e);
  };
  sock.on('error', (e) => lost(e));
  sock.on('close', () => lost());
  let dropping = false;
  let dropped = 0;
  let dropBeyond = 0;
  let onMore: (() => void) | null = null;
  const drop = (beyond: number, more: () => void) => { dropping = true; dropBeyond = beyond; onMore = more; sock.resume(); };
  return { sock, status, stdout, stdin, ended: () => ended, drop };
}

/** Starts argv as a held job, attaches to it, then lets it run: no output is missed. */
async function startRelayed(c: Client, cmd: string | string[], opts: PopenOptions): Promise<{ job: number; pid: number | null; r: Relay }> {
  const argv = typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : cmd;
  if (argv.length === 0) throw new Error('popen: an empty command');
  const env: Record<string, string> = opts.env ?? Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] != null));
  const held = await c.run({ argv, name: opts.name, cwd: opts.cwd ?? process.cwd(), env, hold: true, tty: false });
  const sock = net.connect(helperSocket(c.home));
  let r!: Relay;
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    r = relay(sock, () => { sock.removeListener('error', reject); resolve(); });
    sock.on('connect', () => sock.write(attachFrame(held.id)));
  });
  const started = await c.startJob(held.id).catch(async (err: Error) => { sock.destroy(); throw err; });
  return { job: started.job, pid: (started as { pid?: number | null }).pid ?? null, r };
}

/** popen(3): 'r' reads the command's stdout, 'w' writes its stdin. */
export async function popen(c: Client, cmd: string | string[], mode: 'r', opts?: PopenOptions): Promise<Readable & PopenStream>;
export async function popen(c: Client, cmd: string | string[], mode: 'w', opts?: PopenOptions): Promise<Writable & PopenStream>;
export async function popen(c: Client, cmd: string | string[], mode: 'r' | 'w', opts: PopenOptions = {}): Promise<(Readable | Writable) & PopenStream> {
  if (mode !== 'r' && mode !== 'w') throw new Error(`popen: mode must be 'r' or 'w', got ${JSON.stringify(mode)}`);
  const { job, pid, r } = await startRelayed(c, cmd, opts);
  if (mode === 'r') {
    r.stdin.end(); // as popen's "r": the command's stdin is not ours to write (it sees EOF)
    r.stdout.on('error', () => { /* reported by close() */ });
    // pclose before the end of the output: as with popen's pipe, a command that writes no more
    // (`sleep 1; touch F`) is waited for, and one that goes on writing gets SIGPIPE (it waited in
    // its write for a reader that had gone, for ever). What it wrote is dropped; only more than
    // the pipe, the helper and the socket could have held before the close counts as written
    // after it (data already on its way is not a write after the close).
    const close = async (): Promise<number> => {
      if (!r.ended()) r.drop(WRITTEN_BEFORE_CLOSE, () => { void c.kill([`%${job}`], 'PIPE').catch(() => { /* ended meanwhile */ }); });
      return r.status;
    };
    return Object.assign(r.stdout, { job, pid, close });
  }
  r.stdout.resume(); // its stdout goes to its log; nothing is kept here
  r.stdout.on('error', () => { /* reported by close() */ });
  const w = r.stdin;
  return Object.assign(w, {
    job, pid,
    close: () => new Promise<number>((resolve, reject) => {
      if (w.writableFinished) return void r.status.then(resolve, reject);
      w.end(() => r.status.then(resolve, reject));
    }),
  });
}

/** A coprocess: its stdin and stdout both connected to the caller. */
export async function coprocess(c: Client, cmd: string | string[], opts: PopenOptions = {}): Promise<Coprocess> {
  const { job, pid, r } = await startRelayed(c, cmd, opts);
  return { job, pid, stdin: r.stdin, stdout: r.stdout, wait: () => r.status };
}
