// Runs a short command without a shell, bounded by a timeout: for exec health checks. The
// command gets its own process group so that a timeout ends everything it started.
import { spawn } from 'node:child_process';

/** How a bounded command ended. */
export interface BoundedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when it could not be started (ENOENT, EACCES, ...). */
  error: string | null;
  /** The last bytes it wrote (stdout and stderr), for the reason shown to people. */
  output: string;
}

/** Runs argv (no shell) in cwd with env (as uid/gid when given: no supplementary groups); kills its process group after timeoutMs. */
export function runBounded(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; uid?: number; gid?: number }): Promise<BoundedResult> {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let done = false;
    const ids = opts.uid != null && opts.gid != null ? { uid: opts.uid, gid: opts.gid } : {};
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...ids });
    const keep = (d: Buffer) => { output = (output + d.toString()).slice(-512); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      timedOut = true;
      try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, opts.timeoutMs);
    const finish = (r: Omit<BoundedResult, 'timedOut' | 'output'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...r, timedOut, output: output.trim() });
    };
    child.on('error', (err: NodeJS.ErrnoException) => finish({ code: null, signal: null, error: err.code === 'ENOENT' ? `command not found: ${argv[0]}` : err.message }));
    child.on('close', (code, signal) => finish({ code, signal, error: null }));
  });
}
