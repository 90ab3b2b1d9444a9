// The daemon's side of appinit-supervise (native/supervise.c), the small process that
// forks, reaps and owns every child. It outlives the daemon: on connect we get back the
// children it still owns and every exit it saw that we have not acknowledged.
import { spawn as spawnProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { HelperLost, parseHelperLine, ProtocolError, type HelperEvent, type HelloEvent } from './helper-protocol.js';

/** Path of the compiled helper binary, built at install by scripts/build-native.mjs. */
export const SUPERVISE_BIN = fileURLToPath(new URL('../../../build/appinit-supervise', import.meta.url));

/** Where a child's stdout or stderr goes, in the helper's words. */
export type StreamSpec = `log:${string}` | `file:${string}` | `append:${string}` | `pipe:${string}` | 'null' | 'stdout';

/** What to start: everything the child needs, already resolved. */
export interface SpawnRequest {
  job: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  user?: string | null;
  group?: string | null;
  umask?: number | null;
  /** setpriority in the child (before its ids change): a run job's caller's own nice value. */
  nice?: number | null;
  stdin?: string;
  stdout: StreamSpec;
  stderr: StreamSpec;
  tty?: string | null; // device path, or 'pty'
  /** Hex of a struct termios the helper applies to a `tty` device line (TCSAFLUSH), as the article's TCSETAF. */
  termios?: string | null;
  log?: { timestamps: string; maxSize: number; keep: number; rotate: string; maxLine: number };
  /** A pty's initial window size. */
  winsize?: { rows: number; cols: number };
  /** setrlimit in the child before exec, by name (nofile, core, ...); null = unlimited. */
  rlimits?: Record<string, { soft: number | null; hard: number | null }>;
  /** Per-job cgroup limits where writable: pids.max, memory bytes, percent of one CPU. */
  limits?: { pids: number | null; memory: number | null; cpu: number | null };
  /** NOTIFY_SOCKET (notify: store size), listening sockets and the descriptor store (native/notify.c). */
  sockets?: { notify: number | null; store: string; listen: { name: string; url: string }[]; asUser?: boolean } | null;
  /** Lets the helper restart the job at once on its own, up to `budget` times. */
  restartTicket?: { budget: number; any: boolean; ok: number[] } | null;
}

/** The helper's answer to a spawn. execErrno set means exec failed and the child exits 127. */
export interface SpawnResult {
  pid: number;
  start: number; // ticks since boot
  execErrno?: number;
  stage?: string;
  error?: string;
  /** The path the child failed on (stdin, stdout, stderr, tty, cwd, or the command). */
  path?: string;
}

export { decodeStatus } from './helper-protocol.js';
export type { ExitEvent, ChildEvent as OwnedChild, HelperEvent } from './helper-protocol.js';

/** One frame: a little-endian u32 length, then `verb\0key\0value\0...`. Built as one string
 *  and written once into one buffer: a spawn frame carries ~50 fields (argv, the environment),
 *  and pairs, parts and three buffers per frame were garbage the daemon collected during an `up`. */
class Frame {
  private text: string;
  constructor(verb: string) {
    this.text = `${verb}\0`;
  }

  add(key: string, value: string): this {
    if (key.includes('\0') || value.includes('\0')) throw new Error(`a NUL byte cannot be passed to a child (${key})`);
    this.text += `${key}\0${value}\0`;
    return this;
  }

  bytes(): Buffer {
    const n = Buffer.byteLength(this.text);
    const out = Buffer.allocUnsafe(4 + n);
    out.writeUInt32LE(n, 0);
    out.write(this.text, 4);
    return out;
  }
}

function frame(verb: string, fields: [string, string][]): Buffer {
  const f = new Frame(verb);
  for (const [k, v] of fields) f.add(k, v);
  return f.bytes();
}

const ACK_EVERY = 64;
const ACK_DELAY_MS = 5;
// Group commit: a batch that comes within this long of the last one waits for the rest of the
// window and is handled (one store transaction) together with what else came meanwhile. Idle, a
// batch is handled at once; in a restart loop (a batch per 1-3 ms) one commit covers several:
// ~45 µs less daemon CPU per restart than 0 ms, measured in bench/spawn.ts's loop (2 ms grouped
// too little under load, where batches come ~3 ms apart). The helper restarts under its ticket
// without waiting for us; what waits is the store and `status` (at most this long). Answers to
// our own requests (spawned, spawn-error) and a new connection's hello are never held.
const GROUP_MS = 5;
// While batches keep coming (a crash loop) the window doubles with each held batch, up to this:
// a restart loop of /bin/true then commits every 20 ms, not every ~7 (daemon CPU per restart
// about a quarter lower, 3 + 3 rounds alternated). A batch after a quiet window is handled at
// once and the window is GROUP_MS again, so an idle daemon hears an exit as soon as it comes.
const GROUP_MAX_MS = 20;

/**
 * Connection to the helper. Emits 'batch' (HelperEvent[], in the helper's order), 'malformed'
 * (a line that could not be parsed) and 'close'.
 */
export class Supervise extends EventEmitter {
  private sock: net.Socket | null = null;
  private pending = new Map<string, (r: SpawnResult | Error) => void>();
  private nextReq = 1;
  private tail = '';
  // Acknowledgements are coalesced (issue 17: one write per batch cost a restart loop a third of
  // the daemon's time): sent once ACK_EVERY events wait or ACK_DELAY_MS after the first.
  private ackSeq = 0;
  private ackedSeq = 0;
  private ackTimer: NodeJS.Timeout | null = null;
  private corked = false;
  // Events read but not yet handled (a group commit's window is open), and when the last batch was.
  private queued: HelperEvent[] = [];
  private groupTimer: NodeJS.Timeout | null = null;
  private lastBatchAt = -Infinity;
  private groupMs = GROUP_MS;
  helperPid = 0;
  epoch = '';
  /** What the connected helper said of itself. */
  hello: HelloEvent | null = null;
  /** True when this daemon started the connected helper from the binary it ships (not an older one). */
  startedHere = false;

  constructor(private readonly socketPath: string, private readonly pidFile: string, private readonly logFile: string) {
    super();
  }

  /** Connects to a running helper, starting one first if none answers. */
  async connect(): Promise<void> {
    try {
      await this.open();
      this.startedHere = false;
      return;
    } catch {
      /* no helper yet */
    }
    this.startedHere = true;
    if (!existsSync(SUPERVISE_BIN)) throw new Error(`appinit: ${SUPERVISE_BIN} is missing; run npm run build`);
    const out = openSync(this.logFile, 'a');
    // detached: the helper gets its own session, so it survives the daemon and its terminal.
    const child = spawnProcess(SUPERVISE_BIN, [this.socketPath, this.pidFile], { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await this.open();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`appinit: the supervise helper did not start: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.socketPath);
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.removeListener('error', reject);
        sock.setNoDelay(true);
        this.sock = sock;
        this.resetAck(); // a new helper (or the same one) counts from what it resends
        sock.setEncoding('utf8');
        sock.on('data', (d: string) => this.onData(d));
        sock.on('error', () => {});
        sock.on('close', () => {
          this.drain(); // what was read is handled before the loss (acks go nowhere: it is sent again)
          this.sock = null;
          for (const cb of this.pending.values()) cb(new HelperLost());
          this.pending.clear();
          this.emit('close');
        });
        sock.write(frame('hello', []));
        resolve();
      });
    });
  }

  private onData(d: string): void {
    const text = this.tail + d;
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    const batch = this.queued;
    const before = batch.length;
    for (const line of lines) {
      if (!line) continue;
      try {
        batch.push(parseHelperLine(line));
      } catch (err) {
        // A malformed line is the helper's bug, not a reason to stop supervising.
        if (!(err instanceof ProtocolError)) throw err;
        this.emit('malformed', err.message);
      }
    }
    if (batch.length === before) return;
    // An answer someone waits for (a spawn of ours: `run`, `start`, a scheduled run) is never
    // held: it goes now, with what was queued before it.
    for (let i = before; i < batch.length; i++) {
      const ev = batch[i].ev;
      if (ev === 'spawned' || ev === 'spawn-error' || ev === 'hello' || ev === 'ready') return this.drain();
    }
    if (this.groupTimer) return;
    const wait = this.lastBatchAt + this.groupMs - performance.now();
    if (wait <= 0) {
      this.groupMs = GROUP_MS;
      this.drain();
    } else {
      this.groupTimer = setTimeout(() => this.drain(), wait);
      this.groupMs = Math.min(GROUP_MAX_MS, this.groupMs * 2);
    }
  }

  /** Handles every event read so far, as one batch. Acks follow its commit (the supervisor
   *  acks after its transaction), so an event is never acknowledged before it is stored. */
  drain(): void {
    if (this.groupTimer) clearTimeout(this.groupTimer);
    this.groupTimer = null;
    if (!this.queued.length) return;
    const batch = this.queued;
    this.queued = [];
    this.lastBatchAt = performance.now();
    // What the batch makes us send (spawns, signals, its ack) leaves in one write (send corks).
    this.emit('batch', batch);
  }

  /** Handles one message from the helper; the daemon calls it inside its batch transaction. */
  dispatch(msg: HelperEvent): void {
    switch (msg.ev) {
      case 'hello':
        this.hello = msg;
        this.helperPid = msg.pid;
        this.epoch = msg.epoch;
        return;
      case 'spawned':
      case 'spawn-error': {
        const cb = this.pending.get(msg.req);
        this.pending.delete(msg.req);
        if (!cb) return;
        if (msg.ev === 'spawn-error') cb(new Error(msg.error));
        else cb(msg);
        return;
      }
      default:
        return;
    }
  }

  private send(verb: string, fields: [string, string][]): void {
    this.sendBytes(frame(verb, fields));
  }

  private sendBytes(bytes: Buffer): void {
    const sock = this.sock;
    if (!sock) throw new Error('the supervise helper is not connected');
    // Frames sent in one turn (400 scheduled runs due the same second, a stop of every job)
    // leave in one write, and the helper reads them in one go.
    if (!this.corked) {
      this.corked = true;
      sock.cork();
      process.nextTick(() => this.flush());
    }
    sock.write(bytes);
  }

  /** Sends the frames written so far in this turn now (the end of a transaction's effects). */
  flush(): void {
    if (!this.corked || this.heldUntil > performance.now()) return;
    this.corked = false;
    this.sock?.uncork();
  }

  // Frames written before this instant (monotonic ms, performance.now()) leave together at it:
  // a wall clock set back meanwhile cannot make the hold longer.
  private heldUntil = 0;
  private holdTimer: NodeJS.Timeout | null = null;

  /**
   * Keeps what is written from now on (and anything else written meanwhile) in the socket's
   * buffer for `ms`, then sends it in one write: the scheduler prepares the runs due at a second
   * a little before it and releases their spawn requests at the second.
   */
  hold(ms: number): void {
    if (!(ms > 0) || !this.sock) return;
    this.heldUntil = Math.max(this.heldUntil, performance.now() + ms);
    if (!this.corked) {
      this.corked = true;
      this.sock.cork();
    }
    if (this.holdTimer) clearTimeout(this.holdTimer);
    const release = () => {
      const left = this.heldUntil - performance.now();
      if (left > 0) {
        this.holdTimer = setTimeout(release, Math.ceil(left));
        return;
      }
      this.holdTimer = null;
      this.heldUntil = 0;
      this.flush();
    };
    this.holdTimer = setTimeout(release, Math.ceil(this.heldUntil - performance.now()));
  }

  /** Starts a child; `done` is called (synchronously, in order with the helper's other
   *  messages, so before the child's exit) once it has exec'd or failed to. */
  spawn(req: SpawnRequest, done: (r: SpawnResult | Error) => void): void {
    // Between a helper's death and the next one's hello: no answer either way, as for a spawn
    // the dead helper had not answered (the reconnect's reconcile starts the job then). It was
    // an error, and the program was given up on (fatal) for a helper's restart.
    if (!this.sock) return done(new HelperLost());
    const id = String(this.nextReq++);
    let f: Frame;
    try {
      f = spawnFrame(id, req);
    } catch (err) {
      return done(err as Error);
    }
    this.pending.set(id, done);
    try {
      this.sendBytes(f.bytes());
    } catch (err) {
      this.pending.delete(id);
      done(err as Error);
    }
  }

  /** Sends a signal to a job's process group; with all, to every process of the job. */
  signalJob(job: string, sig: number, all: boolean): void {
    this.send('signal', [['job', job], ['sig', String(sig)], ['all', all ? '1' : '0']]);
  }

  /** Tells the helper these events are safely stored. */
  ack(seq: number): void {
    this.ackSeq = Math.max(this.ackSeq, seq);
    // The helper holds its ticket restarts while 256 events wait for an ack: well below that.
    if (this.ackSeq - this.ackedSeq >= ACK_EVERY) this.flushAck();
    else this.ackTimer ??= setTimeout(() => this.flushAck(), ACK_DELAY_MS);
  }

  /** Sends the acknowledgement that waits, if any. */
  flushAck(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    if (!this.sock || this.ackSeq <= this.ackedSeq) return;
    this.send('ack', [['seq', String(this.ackSeq)]]);
    this.ackedSeq = this.ackSeq;
  }

  private resetAck(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    this.ackSeq = 0;
    this.ackedSeq = 0;
    this.corked = false; // a new socket is not corked
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.heldUntil = 0;
  }

  /** Asks for a `stats` event (counters of what the helper dropped rather than block or grow). */
  requestStats(): void {
    this.send('stats', []);
  }

  /** Lets go of a job's NOTIFY_SOCKET, a descriptor store, listening sockets (their unix files removed). */
  release(what: { job?: string; store?: string; urls?: string[] }): void {
    const f: [string, string][] = [];
    if (what.job) f.push(['job', what.job]);
    if (what.store) f.push(['store', what.store]);
    for (const u of what.urls ?? []) f.push(['url', u]);
    if (f.length) this.send('release', f);
  }

  /** Pipes between programs (native/pipes.h): `pipe-eof` a producer ended for good, `pipe-drop`,
   *  `pipes` asks for a `pipes` event with every pipe's fill level. */
  pipeCommand(verb: 'pipes' | 'pipe-eof' | 'pipe-drop', name?: string): void {
    this.send(verb, name ? [['path', name]] : []);
  }

  /** Reopens every log file (after an external rotation). */
  reopenLogs(): void {
    this.send('reopen', []);
  }

  /** Empties a log file the helper is writing. */
  truncateLog(path: string): void {
    this.send('truncate', [['path', path]]);
  }

  /** Asks the helper to exit (only when nothing is left for it to own). */
  quit(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.sock) return resolve();
      this.sock.once('close', () => resolve());
      this.drain();
      this.flushAck();
      this.send('quit', []);
    });
  }

  /** Drops the connection without stopping the helper. */
  disconnect(): void {
    this.drain();
    this.flushAck();
    this.sock?.destroy();
  }
}

// A spawn request as the helper reads it (native/supervise.c, parse of `spawn`).
function spawnFrame(id: string, req: SpawnRequest): Frame {
  const f = new Frame('spawn').add('req', id).add('job', req.job).add('cwd', req.cwd);
  for (const a of req.argv) f.add('argv', a);
  for (const k in req.env) f.add('env', `${k}=${req.env[k]}`);
  if (req.user) f.add('user', req.user);
  if (req.group) f.add('group', req.group);
  if (req.umask != null) f.add('umask', req.umask.toString(8));
  if (req.nice != null) f.add('nice', String(req.nice));
  f.add('stdin', req.stdin ?? '/dev/null').add('stdout', req.stdout).add('stderr', req.stderr);
  if (req.tty) f.add('tty', req.tty);
  for (const [name, l] of Object.entries(req.rlimits ?? {})) f.add('rlimit', `${name}:${l.soft ?? 'unlimited'}:${l.hard ?? 'unlimited'}`);
  if (req.limits?.pids != null) f.add('cg_pids', String(req.limits.pids));
  if (req.limits?.memory != null) f.add('cg_memory', String(req.limits.memory));
  if (req.limits?.cpu != null) f.add('cg_cpu', String(req.limits.cpu));
  if (req.termios) f.add('termios', req.termios);
  if (req.winsize) f.add('rows', String(req.winsize.rows)).add('cols', String(req.winsize.cols));
  if (req.log) {
    f.add('ts', req.log.timestamps).add('maxsize', String(req.log.maxSize)).add('keep', String(req.log.keep));
    f.add('period', req.log.rotate).add('maxline', String(req.log.maxLine));
  }
  if (req.sockets) {
    if (req.sockets.notify != null) f.add('notify', String(req.sockets.notify));
    f.add('store', req.sockets.store);
    for (const l of req.sockets.listen) f.add('listen', `${l.name}\t${l.url}`);
    if (req.sockets.asUser) f.add('listen_as', 'user'); // a user's file on root's daemon: unix: sockets made with the user's rights
  }
  if (req.restartTicket && req.restartTicket.budget > 0) {
    f.add('rs_budget', String(req.restartTicket.budget)).add('rs_any', req.restartTicket.any ? '1' : '0').add('rs_ok', req.restartTicket.ok.join(','));
  }
  return f;
}
