// The typed appinit library: `import { connect } from 'appinit'`.
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { appinitHome, pathsFor } from '../api/paths.js';
import type { UpResult } from '../core/supervisor/load.js';
import type { JobView } from '../api/views.js';
import type { AcctRecord } from '../store/records.js';
import { unixStream, unixTransport, type Transport } from './transport.js';

export type { JobView, UpResult, AcctRecord, Transport };

/** An error from the daemon, with its stable code. */
export class AppinitError extends Error {
  constructor(public readonly code: string, message: string, public readonly status: number, public readonly details?: unknown) {
    super(message);
  }
}

/** What the daemon says about itself. */
export interface DaemonInfo {
  pid: number;
  helperPid: number;
  home: string;
  version: string;
  uptime: number;
}

/** A log line: its program, stream, text and (with log.timestamps) time in ms. */
export interface LogLine {
  name: string;
  stream: 'stdout' | 'stderr';
  line: string;
  time: number | null;
}

/** Options for connect. */
export interface ConnectOptions {
  home?: string;
  /** Start the daemon in the background when none answers (default true). */
  autostart?: boolean;
  /** Called once when the daemon had to be started. */
  onStart?: (pid: number) => void;
  transport?: Transport;
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** A connection to the daemon of one APPINIT_HOME. */
export class Client {
  constructor(private readonly t: Transport, readonly home: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.t(method, path, body);
    if (r.status >= 400) {
      const e = (r.body as { error?: { code: string; message: string; details?: unknown } })?.error;
      throw new AppinitError(e?.code ?? 'error', e?.message ?? `HTTP ${r.status}`, r.status, e?.details);
    }
    return r.body as T;
  }

  /** The daemon's pid, helper pid, home and version. */
  info(): Promise<DaemonInfo> { return this.call('GET', '/v1/info'); }
  /** Every job (or those of one program). */
  status(name?: string): Promise<JobView[]> { return this.call('GET', `/v1/status${name ? `?name=${encodeURIComponent(name)}` : ''}`); }
  /** Loads a control file's text, replacing the programs loaded before. */
  up(file: string, text: string, baseDir: string): Promise<UpResult> { return this.call('POST', '/v1/up', { file, text, baseDir }); }
  /** Starts programs ('all' for every one). */
  start(names: string[]): Promise<JobView[]> { return this.call('POST', '/v1/start', { names }); }
  /** Stops programs; resolves when nothing of them is left running. */
  stop(names: string[]): Promise<JobView[]> { return this.call('POST', '/v1/stop', { names }); }
  /** Stops, then starts programs. */
  restart(names: string[]): Promise<JobView[]> { return this.call('POST', '/v1/restart', { names }); }
  /** Sends a signal to programs' process groups. */
  signal(signal: string | number, names: string[]): Promise<{ signal: string; sent: number }> { return this.call('POST', '/v1/signal', { signal, names }); }
  /** Stops everything, then the daemon. */
  down(): Promise<{ stopping: boolean }> { return this.call('POST', '/v1/down'); }
  /** Accounting records, oldest first. */
  acct(q: { program?: string; command?: string; limit?: number; since?: number; until?: number } = {}): Promise<AcctRecord[]> {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v != null) p.set(k, String(v));
    return this.call('GET', `/v1/acct?${p}`);
  }
  /** The last lines programs wrote (all programs without a name), oldest first. */
  logs(q: { name?: string; n?: number; stream?: 'stdout' | 'stderr'; since?: string } = {}): Promise<{ lines: LogLine[] }> {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v != null) p.set(k, String(v));
    return this.call('GET', `/v1/logs?${p}`);
  }
  /** Follows programs' logs (all without a name); returns a function that stops following.
   *  onLine gets `{missed: N}` when this reader was too slow and N lines were skipped. */
  followLogs(q: { name?: string; stream?: 'stdout' | 'stderr'; n?: number }, onLine: (l: LogLine | { missed: number }) => void, onEnd: (err?: Error) => void = () => {}): () => void {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v != null) p.set(k, String(v));
    return unixStream(pathsFor(this.home).socket, `/v1/logs/follow?${p}`, (v) => onLine(v as LogLine), onEnd);
  }
  /** Empties programs' logs (live and rotated files). */
  flushLogs(names: string[]): Promise<{ flushed: string[] }> { return this.call('POST', '/v1/logs/flush', { names }); }
  /** Makes the daemon reopen every log file, after an external tool rotated them. */
  reopenLogs(): Promise<{ reopened: boolean }> { return this.call('POST', '/v1/logs/reopen'); }
}

/** True when a daemon answers on the home's socket. */
export async function isRunning(home = appinitHome()): Promise<boolean> {
  try {
    await unixTransport(pathsFor(home).socket)('GET', '/v1/info');
    return true;
  } catch {
    return false;
  }
}

/** Starts a daemon in the background and waits (bounded) until it answers. */
export async function startBackgroundDaemon(home: string): Promise<number> {
  const paths = pathsFor(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const log = openSync(paths.daemonLog, 'a');
  const child = spawn(process.execPath, [CLI, 'daemon', '--background'], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, APPINIT_HOME: home },
  });
  closeSync(log);
  child.unref();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode != null) break;
    if (existsSync(paths.socket) && (await isRunning(home))) return child.pid ?? 0;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`appinit: the daemon did not start; see ${paths.daemonLog}`);
}

/** Connects to the daemon of a home, starting it when needed (as PM2 does). */
export async function connect(opts: ConnectOptions = {}): Promise<Client> {
  const home = opts.home ?? appinitHome();
  const t = opts.transport ?? unixTransport(pathsFor(home).socket);
  if (!opts.transport && !(await isRunning(home))) {
    if (opts.autostart === false) throw new AppinitError('not_running', `appinit: no daemon is running for ${home}`, 0);
    const pid = await startBackgroundDaemon(home);
    opts.onStart?.(pid);
  }
  return new Client(t, home);
}
