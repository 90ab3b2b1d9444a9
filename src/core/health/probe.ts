// One health probe: an HTTP GET (2xx or 3xx is healthy), a TCP connect, or a command run
// without a shell (exit 0 is healthy). Every probe ends within its timeout.
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import type { HealthCheck } from '../../config/program.js';
import { runBounded } from '../../os/run-bounded.js';

/** What one probe found; `detail` says why it failed, for status and the daemon log. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** Where an exec probe runs: the job's directory and environment. */
export interface ProbeContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The program's user, when the daemon (root) runs the check for another user. */
  uid?: number;
  gid?: number;
}

// node:https (and with it tls and all of node:crypto, ~2-3 MB of an idle daemon's RSS) is loaded
// by the first https:// check, not by every daemon.
let httpsModule: typeof import('node:https') | null = null;
const https = (): typeof import('node:https') => (httpsModule ??= createRequire(import.meta.url)('node:https') as typeof import('node:https'));

/** Runs one probe of `check`; never rejects. */
export function probe(check: HealthCheck, ctx: ProbeContext): Promise<ProbeResult> {
  if (check.kind === 'http') return probeHttp(String(check.target), check.timeout);
  if (check.kind === 'tcp') return probeTcp(String(check.target), check.timeout);
  return probeExec(check.target as string[], check.timeout, ctx);
}

/** A short text for a probe's target, as people wrote it. */
export function describeTarget(check: HealthCheck): string {
  return Array.isArray(check.target) ? check.target.join(' ') : check.kind === 'tcp' ? `tcp ${check.target}` : check.target;
}

function probeHttp(url: string, timeout: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https().get : http.get;
    // A fresh connection each time (no agent): a check must see a server that stopped accepting.
    let settled = false;
    const done = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = get(url, { agent: false, headers: { 'user-agent': 'appinit-health' } }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      done(code >= 200 && code < 400 ? { ok: true, detail: `HTTP ${code}` } : { ok: false, detail: `${url}: HTTP ${code}` });
    });
    // One deadline for the whole exchange (the socket's idle timeout would let a slow trickle through).
    const timer = setTimeout(() => done({ ok: false, detail: `${url}: no answer within ${timeout} ms` }), timeout);
    req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, detail: `${url}: ${errText(err)}` }));
  });
}

function probeTcp(target: string, timeout: number): Promise<ProbeResult> {
  const i = target.lastIndexOf(':');
  const host = i > 0 ? target.slice(0, i) : '127.0.0.1';
  const port = Number(i >= 0 ? target.slice(i + 1) : target);
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (r: ProbeResult) => { clearTimeout(timer); sock.destroy(); resolve(r); };
    const timer = setTimeout(() => done({ ok: false, detail: `tcp ${host}:${port}: no connection within ${timeout} ms` }), timeout);
    sock.on('connect', () => done({ ok: true, detail: 'connected' }));
    sock.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, detail: `tcp ${host}:${port}: ${errText(err)}` }));
  });
}

async function probeExec(argv: string[], timeout: number, ctx: ProbeContext): Promise<ProbeResult> {
  const r = await runBounded(argv, { cwd: ctx.cwd, env: ctx.env, timeoutMs: timeout, uid: ctx.uid, gid: ctx.gid });
  const cmd = argv.join(' ');
  if (r.error) return { ok: false, detail: `${cmd}: ${r.error}` };
  if (r.timedOut) return { ok: false, detail: `${cmd}: still running after ${timeout} ms (killed)` };
  if (r.code === 0) return { ok: true, detail: 'exit 0' };
  const how = r.code != null ? `exit ${r.code}` : `signal ${r.signal}`;
  return { ok: false, detail: `${cmd}: ${how}${r.output ? ` (${r.output.split('\n').pop()})` : ''}` };
}

function errText(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  return err.code ? `${err.code}: ${err.message}` : err.message;
}
