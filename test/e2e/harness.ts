// A real daemon in a temporary APPINIT_HOME, driven through the real CLI and client.
// Every wait is bounded and says what did not happen; cleanup leaves nothing running.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holderPidOf } from '../fixtures/holder.js';
import { connect, type Client, type JobView } from '../../src/client/index.js';
import type { ExitEvent, HelperEvent } from '../../src/os/helper-protocol.js';
import type { Supervise, SpawnResult } from '../../src/os/supervise.js';

/** The compiled CLI entry point. */
// The package's bin (the bundle, scripts/build-cli.mjs), which runs the ES module entry for the verbs it does not carry.
export const CLI = fileURLToPath(new URL('../../src/cli/appinit.cjs', import.meta.url));

/** Result of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Polls until fn returns a truthy value; fails with `what` after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 25): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})${liveLogs()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// The homes not cleaned up yet: a timed-out wait shows their daemons' logs, so that a failure
// seen only on CI (another machine, another load) says what the daemon and its helper said.
const liveHomes = new Set<TestHome>();

function liveLogs(): string {
  return [...liveHomes].map((h) => `\n-- ${h.home}: ${h.daemonLog(15)}\n-- ${h.helperLog(10)}`).join('');
}

/** True when a pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of live processes whose environment holds mark. */
export function marked(mark: string): number[] {
  const needle = Buffer.from(`${mark}\0`);
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`).indexOf(needle) >= 0 && alive(Number(d))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Field of /proc/PID/stat after the comm (3 = state, 4 = ppid, 5 = pgrp, 6 = session, 22 = start). */
export function statField(pid: number, field: number): string {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[field - 3];
}

/** Every pid whose session is sid. */
export function sessionMembers(sid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (Number(statField(Number(d), 6)) === sid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Runs the CLI with `args` to completion, killed (and the promise rejected, naming `what`) after the timeout. */
export function runCli(
  args: string[],
  spawnOpts: SpawnOptions,
  what: string,
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { ...spawnOpts, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin!.on('error', () => { /* it ended without reading its input */ });
    child.stdin!.end(opts.input ?? '');
  });
}

/** One temporary appinit home with its daemon. */
export class TestHome {
  readonly home: string;
  private client: Client | null = null;
  private seenPids = new Set<number>();

  constructor(prefix = 'appinit-test-') {
    this.home = mkdtempSync(join(tmpdir(), prefix));
    liveHomes.add(this);
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, APPINIT_HOME: this.home };
  }

  /** Runs the CLI to completion. */
  cli(args: string[], opts: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
    return runCli(args, { env: this.env, cwd: opts.cwd ?? this.home }, `appinit ${args.join(' ')}`, opts);
  }

  /** Writes a file into the home and returns its path. */
  write(name: string, text: string): string {
    const p = join(this.home, name);
    writeFileSync(p, text);
    return p;
  }

  /** Loads a YAML control file through `appinit up`, failing on a non-zero exit. */
  async up(yaml: string, name = 'appinit.yaml'): Promise<CliResult> {
    const r = await this.cli(['up', this.write(name, yaml)]);
    if (r.code !== 0) throw new Error(`appinit up failed (${r.code}): ${r.stderr}`);
    return r;
  }

  /** The typed client (the daemon must be running). */
  async api(): Promise<Client> {
    this.client ??= await connect({ home: this.home, autostart: false });
    return this.client;
  }

  /** Status of every job, through the client. */
  async status(): Promise<JobView[]> {
    const s = await (await this.api()).status();
    for (const j of s) if (j.pid) this.seenPids.add(j.pid);
    return s;
  }

  /** Waits until the named program's first job satisfies pred. */
  async waitJob(name: string, what: string, pred: (j: JobView) => boolean, timeoutMs = 10_000): Promise<JobView> {
    return waitFor(`${name}: ${what}`, async () => (await this.status()).find((j) => j.name === name && pred(j)), timeoutMs);
  }

  /** The end of the daemon's log (its jobs' state changes), for a failure's message: what the
   *  daemon did is what a failed assertion on the programs' own output cannot say. */
  daemonLog(lines = 40): string {
    return this.logTail('daemon.log', "the daemon's log", lines);
  }

  /** The end of the supervise helper's own log (what it could not do: lost records, failed spawns). */
  helperLog(lines = 10): string {
    return this.logTail('supervise.log', "the helper's log", lines);
  }

  private logTail(file: string, what: string, lines: number): string {
    try {
      const all = readFileSync(join(this.home, file), 'utf8').trimEnd().split('\n');
      return `${what}, last ${Math.min(lines, all.length)} lines:\n${all.slice(-lines).join('\n')}`;
    } catch (err) {
      return `no ${what.replace(/^the /, '')}: ${(err as Error).message}`;
    }
  }

  /** Pid of the daemon, from its pid file. */
  daemonPid(): number {
    return Number(readFileSync(join(this.home, 'daemon.pid'), 'utf8'));
  }

  /** Pid of the supervise helper. */
  helperPid(): number {
    return Number(readFileSync(join(this.home, 'supervise.pid'), 'utf8'));
  }

  /** Pid of the helper's fd holder (native/holder.c), or undefined (test/fixtures/holder.ts). */
  holderPid(): number | undefined {
    return holderPidOf(this.home);
  }

  /** Forgets the cached client (after the daemon was killed). */
  reconnect(): void {
    this.client = null;
  }

  /** Stops the daemon and everything it started, whatever state it is in, then removes the home. */
  async cleanup(): Promise<void> {
    liveHomes.delete(this);
    if (existsSync(join(this.home, 'appinit.sock'))) {
      await this.cli(['down'], { timeoutMs: 30_000 }).catch(() => undefined);
    }
    const kill = (pid: number) => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
    for (const f of ['daemon.pid', 'supervise.pid']) {
      try { kill(Number(readFileSync(join(this.home, f), 'utf8'))); } catch { /* none */ }
    }
    // Anything still running in a session we saw a job lead.
    for (const pid of this.seenPids) for (const p of sessionMembers(pid)) kill(p);
    // Anything still running with this home in its environment or command line.
    spawnSync('pkill', ['-KILL', '-f', this.home]);
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** A spawn through a bare helper (no daemon): argv in `dir`, marked with APPINIT_TEST_MARK=dir, output to /dev/null. */
export function helperSpawner(helper: Supervise, dir: string) {
  return (job: string, argv: string[], extra: Partial<Parameters<Supervise['spawn']>[0]> = {}) =>
    new Promise<SpawnResult>((resolve, reject) =>
      helper.spawn({ job, argv, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', APPINIT_TEST_MARK: dir }, cwd: dir, stdout: 'null', stderr: 'null', ...extra }, (r) =>
        r instanceof Error ? reject(r) : resolve(r)),
    );
}

/** A bare helper's events as the daemon would take them (dispatched, acknowledged), kept in `seen`. */
export function recordEvents(helper: Supervise) {
  const seen: HelperEvent[] = [];
  helper.on('batch', (batch: HelperEvent[]) => {
    let seq = 0;
    for (const m of batch) {
      seen.push(m);
      helper.dispatch(m);
      if ('seq' in m && typeof m.seq === 'number') seq = Math.max(seq, m.seq);
    }
    if (seq) helper.ack(seq);
  });
  const exitOf = (pid: number) => waitFor(`the exit of ${pid}`, () => seen.find((m): m is ExitEvent => m.ev === 'exit' && m.pid === pid) ?? null);
  return { seen, exitOf };
}

/** /proc/PID/stat's fields from 3 (state) on. */
export function statFields(pid: number): string[] {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}

/** Ends a bare helper's test, pass or fail: every marked process, the helper, its directory. */
export async function endHelper(helper: Supervise, dir: string, mark: string): Promise<void> {
  for (const pid of marked(mark)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  await helper.quit().catch(() => undefined);
  try { process.kill(Number(readFileSync(join(dir, 'supervise.pid'), 'utf8')), 'SIGKILL'); } catch { /* gone */ }
  rmSync(dir, { recursive: true, force: true });
}
