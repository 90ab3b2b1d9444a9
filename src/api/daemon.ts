// The daemon process: store, helper, supervisor and API server, and their lifecycle.
import { chmodSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { parseControlText } from '../config/load.js';
import { applyPrograms, type UpResult } from '../core/supervisor/load.js';
import { Supervisor } from '../core/supervisor/runtime.js';
import { tryLock } from '../os/lock.js';
import { Supervise } from '../os/supervise.js';
import { openDb } from '../store/db.js';
import { createApp, startServices } from './app.js';
import { createServer } from './http.js';
import { MODULES, type Service, type Services } from './modules.js';
import { pathsFor, type Paths } from './paths.js';
import { programsLoaded, type ApiContext } from './routes.js';

/** A running daemon. */
export interface Daemon {
  paths: Paths;
  sup: Supervisor;
  /** Stops every job, the helper and the server; resolves when done. */
  down: () => Promise<void>;
  /** Loads a control file as `up` does. */
  up: (file: string) => Promise<UpResult>;
  done: Promise<void>;
}

/** Thrown when another daemon already serves this home. */
export class AlreadyRunning extends Error {}

const VERSION = '0.1.0';

/** Starts the daemon for a home. */
export async function startDaemon(home: string): Promise<Daemon> {
  const paths = pathsFor(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  mkdirSync(paths.logs, { recursive: true });
  const lockFd = tryLock(paths.lock);
  if (lockFd == null) {
    let pid = '?';
    try { pid = readFileSync(paths.daemonPid, 'utf8').trim(); } catch { /* none */ }
    throw new AlreadyRunning(`appinit: a daemon is already running for ${home} (pid ${pid})`);
  }
  const db = openDb(paths.db, MODULES);
  const helper = new Supervise(paths.superviseSocket, paths.supervisePid, paths.superviseLog);
  const spawnCtx = { logsDir: paths.logs, env: { ...process.env } };
  delete spawnCtx.env.APPINIT_DAEMON_CHILD;
  const sup = new Supervisor(db, helper, spawnCtx);
  await sup.init();

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let server: Server | null = null;
  let stopping: Promise<void> | null = null;
  const services: Services = {};
  let running: Service[] = [];
  const down = (): Promise<void> => {
    stopping ??= (async () => {
      server?.close();
      for (const s of running.reverse()) await s.stop();
      await sup.shutdown(true);
      try { unlinkSync(paths.socket); } catch { /* gone */ }
      try { unlinkSync(paths.daemonPid); } catch { /* gone */ }
      db.close();
      resolveDone();
    })();
    return stopping;
  };
  const up = async (file: string) => {
    const abs = resolve(file);
    const programs = parseControlText(readFileSync(abs, 'utf8'), abs, dirname(abs));
    try {
      return await applyPrograms(sup, db, programs, abs, process.getuid?.() ?? 0);
    } finally {
      programsLoaded(ctx);
    }
  };

  const ctx: ApiContext = {
    sup, db, home, spawnCtx, helperPid: () => helper.helperPid, startedAt: Date.now(), version: VERSION,
    down: () => void down(), services,
  };
  running = await startServices(ctx);
  server = createServer(ctx, createApp(ctx));
  try { unlinkSync(paths.socket); } catch { /* no stale socket */ }
  const old = process.umask(0o077); // the socket is private: 0600
  await new Promise<void>((res, rej) => {
    server!.once('error', rej);
    server!.listen(paths.socket, () => res());
  });
  process.umask(old);
  chmodSync(paths.socket, 0o600);
  writeFileSync(paths.daemonPid, `${process.pid}\n`);
  void lockFd; // held for the life of the process; the kernel drops it when we die
  return { paths, sup, down, up, done };
}
