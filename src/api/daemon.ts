// The daemon process: store, helper, supervisor and API server, and their lifecycle.
import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, watch, writeFileSync, writeSync, type FSWatcher } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { removeAll as removeIpcObjects } from '../core/ipc/manager.js';
import { applyControlFile } from './programs/apply-file.js';
import type { UpResult } from '../core/supervisor/load.js';
import { stopInOrder } from '../core/groups/run.js';
import { isResting, Supervisor } from '../core/supervisor/runtime.js';
import { LEFT_AFTER_KILL } from '../core/supervisor/machine.js';
import { raiseNofile } from '../os/limits.js';
import { tryLock } from '../os/lock.js';
import { terminalSettings } from '../os/terminal.js';
import { becomeSubreaper } from '../os/reap.js';
import { Supervise } from '../os/supervise.js';
import type { HelperEvent } from '../os/helper-protocol.js';
import { lostText } from '../core/accounting/index.js';
import { BackupKeeper } from '../store/backup.js';
import { sampleChangeCount } from '../store/monitor.js';
import { secureHome, secureSystem } from '../store/home.js';
import { userName } from '../os/proc/users.js';
import { openStore } from '../store/open.js';
import { Health } from './health.js';
import { createApp, startServices } from './app.js';
import { createServer } from './http.js';
import { upgrade } from './attach.js';
import { fastUpgrade, isFastUpgrade } from './resources/fast.js';
import { MODULES, type Service, type Services } from './modules.js';
import { packageVersion } from './package-version.js';
import { downLeftFile, pathsFor, systemPaths, type Paths } from './paths.js';
import { programsLoaded, type ApiContext } from './routes.js';
import { releaseMemory, SETTLE_BURST, Settler } from './settle.js';
import { StoreGuard } from './store-guard.js';

/** A running daemon. */
export interface Daemon {
  paths: Paths;
  sup: Supervisor;
  /** Stops every job, the helper and the server; resolves when done. With stopJobs false (an
   *  upgrade's handover) the jobs and the helper are left running for the next daemon to adopt. */
  down: (stopJobs?: boolean) => Promise<void>;
  /** Loads a control file as `up` does. */
  up: (file: string) => Promise<UpResult>;
  done: Promise<void>;
  /** What is degraded right now (disk full, socket recreated, backup failing). */
  health: Health;
  /** Notes for the daemon's log (home mode fixed, socket recreated, disk full and back). */
  notes: NodeJS.EventEmitter;
}

/** Thrown when another daemon already serves this home. */
export class AlreadyRunning extends Error {}

// The installed package's version: after `npm i -g` the new daemon reports the new one.
const VERSION = packageVersion();
/** How often a verified backup of the store is taken when it changed (APPINIT_BACKUP_MS, 0 = never). */
const BACKUP_MS = Number(process.env.APPINIT_BACKUP_MS ?? 60_000);

// The daemon's own small files: created fresh, never through a symlink.
function writePrivate(path: string, text: string): void {
  try { unlinkSync(path); } catch { /* none */ }
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try { writeSync(fd, text); } finally { closeSync(fd); }
}

// A store write that fails for lack of space throws wherever it happens (a helper event, a
// timer, the sampler). None of them may end the daemon: the transaction rolled back but the
// state it carried is in memory, and the guard writes it back when space returns. Anything
// else still ends the process as Node would (stack on stderr, exit 1).
function guardProcess(guard: StoreGuard, dbPath: string): void {
  process.on('uncaughtException', (err) => {
    if (guard.failed(err)) return;
    // A store made read-only under the daemon: which file and what to do, not SQLite's stack.
    if (/^SQLITE_READONLY/.test((err as { code?: string }).code ?? '')) {
      process.stderr.write(`appinit: ${readOnlyStore(dbPath, err)}\n`);
      process.exit(1);
    }
    process.stderr.write(`${err instanceof Error && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    if (guard.failed(reason)) return;
    throw reason;
  });
}

/** What a store the daemon cannot write means, and what to do. */
export function readOnlyStore(dbPath: string, err: unknown): string {
  return `the store ${dbPath} cannot be written (${(err as Error).message}): the daemon's user (uid ${process.getuid?.() ?? '?'}) must be able to write it, its -wal and -shm files and their directory (ls -l ${dirname(dbPath)})`;
}

function fileId(path: string): string {
  try {
    const st = lstatSync(path);
    return `${st.ino}:${st.ctimeMs}`;
  } catch {
    return 'deleted';
  }
}

/** Thrown when `daemon --system` is started by anyone but root. */
export class NotRoot extends Error {}

/** Options of startDaemon. */
export interface DaemonOptions {
  /** The system daemon: every user's jobs from one socket (0666) in /run/appinit (or APPINIT_SYSTEM_HOME/run). Root only. */
  system?: boolean;
}

/** Starts the daemon for a home (for the system daemon, home is ignored: systemPaths() says where). */
export async function startDaemon(home: string, opts: DaemonOptions = {}): Promise<Daemon> {
  const paths = opts.system ? systemPaths() : pathsFor(home);
  home = paths.home;
  if (opts.system) {
    const uid = process.geteuid?.() ?? 0;
    if (uid !== 0) {
      throw new NotRoot(`appinit: daemon --system must be started by root (it serves every user and runs each user's jobs as that user); you are uid ${uid}${userName(uid) ? ` (${userName(uid)})` : ''}. For your own jobs run \`appinit daemon\` (or any command: it starts your daemon)`);
    }
  }
  const { EventEmitter } = await import('node:events');
  const notes = new EventEmitter();
  const health = new Health();
  // Trust the home before anything is written there: ours, 0700, no planted files or symlinks.
  const { fixed } = paths.system ? secureSystem(paths.system) : secureHome(home);
  // Defined process state, whatever the shell that started us had: files we create are 0644
  // (0600 where they are private), and a low `ulimit -n` does not starve the helper's pipes.
  process.umask(0o022);
  const nofile = raiseNofile();
  mkdirSync(paths.logs, { recursive: true, mode: 0o755 });
  const lockFd = tryLock(paths.lock);
  if (lockFd == null) {
    let pid = '?';
    try { pid = readFileSync(paths.daemonPid, 'utf8').trim(); } catch { /* none */ }
    throw new AlreadyRunning(`appinit: a daemon is already running for ${home} (pid ${pid})`);
  }
  const { db } = openStore(paths.db, MODULES, paths.supervisePid);
  const guard = new StoreGuard(db, health, (m) => notes.emit('note', m));
  guardProcess(guard, paths.db);
  // Sampled history alone does not call for a copy of the store: only jobs, records, schedules...
  const backups = new BackupKeeper(db, paths.db, BACKUP_MS, (m) => notes.emit('note', m), () => sampleChangeCount(db));
  const helper = new Supervise(paths.superviseSocket, paths.supervisePid, paths.superviseLog);
  // termios: the article's ioctl(0, TCGETA): our own terminal's settings, for terminal lines.
  const spawnCtx = { logsDir: paths.logs, env: { ...process.env }, termios: terminalSettings(0), system: paths.system != null };
  delete spawnCtx.env.APPINIT_DAEMON_CHILD;
  const sup = new Supervisor(db, helper, spawnCtx);
  guard.watch(sup);
  // Records the kernel dropped cannot be had again: users of `acct` are told theirs are incomplete.
  sup.on('helper', (msg: HelperEvent) => { if (msg.ev === 'acct-lost') health.set('accounting', lostText(msg)); });
  // Jobs of a helper that dies come to the daemon, which can still collect their real ends.
  becomeSubreaper();
  await sup.init();
  // Memory a burst of job changes (an `up`, a `down` of many) left is given back once it is over.
  const settler = new Settler(releaseMemory);
  sup.on('change', () => settler.note());

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const servers: Server[] = [];
  // Every connection, upgraded ones too: a follower (`logs -f`, an attach, the library's channel)
  // never ends by itself, and an open one kept the stopped daemon's process alive (`down` waited
  // 120 s, then said the daemon did not stop). They are ended once the jobs have stopped.
  const connections = new Set<import('node:net').Socket>();
  let socketWatch: { watcher: FSWatcher | null; timer: NodeJS.Timeout } | null = null;
  let stopping: Promise<void> | null = null;
  const services: Services = { health, storeGuard: guard };
  let running: Service[] = [];
  const down = (stopJobs = true): Promise<void> => {
    // On the way out no step may keep the rest from running: on a full disk a service's last
    // write throws (SQLITE_FULL), and a down that stopped there closed the sockets, left every
    // job running and never ended (a SIGTERM after it got the same failed promise). A step's
    // failure is logged; the jobs are stopped and the daemon ends all the same.
    const step = async (what: string, f: () => unknown): Promise<void> => {
      try {
        await f();
      } catch (err) {
        console.error(`${new Date().toISOString()} appinit: down: ${what}: ${(err as Error).message ?? String(err)} (going on)`);
      }
    };
    stopping ??= (async () => {
      try { unlinkSync(downLeftFile(paths.daemonPid)); } catch { /* none left by an earlier daemon */ }
      settler.stop();
      if (socketWatch) { socketWatch.watcher?.close(); clearInterval(socketWatch.timer); }
      for (const s of servers) s.close();
      for (const s of running.reverse()) await step('stopping a service', () => s.stop());
      // Highest priority number first, as supervisord stops; one batch (all at once) by default.
      if (stopJobs) {
        // Stopped even on a full disk: the daemon's sockets are closed already, and it is leaving.
        const toStop = [...sup.jobs.values()].filter((j) => !isResting(j));
        await step('stopping the jobs', () => stopInOrder(sup, toStop, { evenUnstored: true }));
        // What outlived SIGKILL (state D) in this stop is told to the `appinit down` that waits
        // for us: it names them and fails, as `stop` does, rather than say every job stopped.
        const left = toStop.filter((j) => j.reason?.startsWith(LEFT_AFTER_KILL)).map((j) => `${j.spec.name} %${j.number}: ${j.reason}`);
        await step('naming the survivors', () => { if (left.length) writeFileSync(downLeftFile(paths.daemonPid), `${left.join('\n')}\n`, { mode: 0o600 }); });
        // The control file's System V objects go once no job can use them.
        await step('removing System V objects', () => removeIpcObjects(db));
      }
      await step('ending the helper', () => sup.shutdown(stopJobs));
      // Streams (`logs -f`) are ended whole, so a follower can tell this end from a kill -9; a
      // turn for their last chunks to leave, then every connection goes.
      for (const end of ctx.closing ?? []) end();
      await new Promise((r) => setImmediate(r));
      for (const c of connections) c.destroy();
      await step('the last backup', () => backups.stop());
      guard.stop();
      try { unlinkSync(paths.socket); } catch { /* gone */ }
      try { unlinkSync(paths.daemonPid); } catch { /* gone */ }
      try { unlinkSync(join(dirname(paths.daemonPid), 'daemon.version')); } catch { /* gone */ }
      await step('closing the store', () => db.close());
      resolveDone();
    })();
    return stopping;
  };
  const up = async (file: string) => {
    const abs = resolve(file);
    try {
      return await applyControlFile(ctx, readFileSync(abs, 'utf8'), abs, dirname(abs), { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    } finally {
      programsLoaded(ctx);
    }
  };

  const ctx: ApiContext = {
    sup, db, home, system: paths.system, spawnCtx, helperPid: () => helper.helperPid, helperCgroup: () => helper.hello?.cgroup ?? null, startedAt: Date.now(), version: VERSION,
    down: () => void down(), services, closing: new Set(),
  };
  running = await startServices(ctx);
  const app = createApp(ctx);

  // The socket is the only way in: if its file is deleted (or replaced) we listen again at once,
  // rather than run on unreachable while every command thinks no daemon is there.
  let socketId = ''; // inode and change time: an inode number alone is reused at once
  const listen = async () => {
    const server = createServer(ctx, app);
    server.on('connection', (c: import('node:net').Socket) => {
      connections.add(c);
      c.on('close', () => connections.delete(c));
    });
    // Terminal attach through the daemon (the system daemon's helper admits only root).
    // ... and the library's resource channel (src/api/resources/fast.ts).
    server.on('upgrade', (req, sock, head) => (isFastUpgrade(req) ? fastUpgrade(app, req, sock as import('node:net').Socket, head) : upgrade(ctx, req, sock as import('node:net').Socket, head)));
    try { unlinkSync(paths.socket); } catch { /* no stale socket */ }
    const old = process.umask(0o077); // the socket is private: 0600 from its first instant
    try {
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(paths.socket, () => res());
      });
    } finally {
      process.umask(old);
    }
    // The system daemon's socket is everyone's door: each request is identified by SO_PEERCRED.
    chmodSync(paths.socket, paths.system ? 0o666 : 0o600);
    socketId = fileId(paths.socket);
    servers.push(server);
  };
  await listen();
  let relistening = false;
  const checkSocket = () => {
    if (stopping || relistening) return;
    if (fileId(paths.socket) === socketId) return;
    relistening = true;
    const old = servers.splice(0);
    for (const s of old) s.close(); // stop accepting there; open connections finish
    listen().then(() => {
      notes.emit('note', `the socket ${paths.socket} was deleted or replaced: listening on a new one`);
    }, (err) => notes.emit('note', `cannot listen on ${paths.socket} again: ${(err as Error).message}`)).finally(() => { relistening = false; });
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(paths.socket), { persistent: false }, (_ev, name) => { if (name === 'appinit.sock') checkSocket(); });
    watcher.on('error', () => { /* the interval still checks */ });
  } catch { /* inotify unavailable: the interval checks */ }
  const timer = setInterval(checkSocket, 2000);
  timer.unref();
  socketWatch = { watcher, timer };

  try {
    writePrivate(paths.daemonPid, `${process.pid}\n`);
    writePrivate(join(dirname(paths.daemonPid), 'daemon.version'), `${VERSION}\n`); // the CLI compares its own
  } catch (err) {
    if (!guard.failed(err)) throw err;
  }
  void lockFd; // held for the life of the process; the kernel drops it when we die
  backups.start();
  settler.note(SETTLE_BURST); // the start itself (module loading, migrations, adoption) was a burst
  setImmediate(() => {
    for (const f of fixed) notes.emit('note', `home: ${f}`);
    notes.emit('note', `descriptor limit ${nofile}, umask 022`);
  });
  return { paths, sup, down, up, done, health, notes };
}
