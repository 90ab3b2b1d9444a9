// A real system daemon (`appinit daemon --system`) under a temporary APPINIT_SYSTEM_HOME, and real
// second users made with useradd, for the security tests. Commands run as those users are real
// processes with their uid and gid (the kernel's SO_PEERCRED names them to the daemon).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli, sessionMembers, waitFor, type CliResult } from './harness.js';

/** A user made for a test. */
export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

/** Creates a user (with its own group, no home) and, optionally, extra groups it belongs to. */
export function makeUser(name: string, groups: string[] = []): TestUser {
  spawnSync('userdel', [name]);
  spawnSync('groupdel', [name]);
  for (const g of groups) if (spawnSync('getent', ['group', g]).status !== 0) spawnSync('groupadd', [g]);
  const r = spawnSync('useradd', ['-M', '-U', '-s', '/bin/sh', ...(groups.length ? ['-G', groups.join(',')] : []), name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`useradd ${name}: ${r.stderr}`);
  const id = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  return { name, uid: id('-u'), gid: id('-g') };
}

/** Removes users (and their groups, and extra groups) made by makeUser. */
export function removeUsers(names: string[], groups: string[] = []): void {
  for (const n of names) {
    spawnSync('userdel', [n]);
    spawnSync('groupdel', [n]);
  }
  for (const g of groups) spawnSync('groupdel', [g]);
}

/** One HTTP answer on a Unix socket. */
export interface RawAnswer {
  status: number;
  body: string;
}

/** A system daemon in a temporary APPINIT_SYSTEM_HOME. */
export class SystemHome {
  readonly dir: string;
  /** A directory every user may read: control files and scripts for the tests. */
  readonly files: string;
  daemon: ChildProcess | null = null;
  daemonOut = '';
  private readonly seen = new Set<number>();

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'appinit-sys-'));
    chmodSync(this.dir, 0o755);
    this.files = join(this.dir, 'files');
    mkdirSync(this.files, { mode: 0o755 });
    chmodSync(this.files, 0o755);
    // at.deny empty, as Debian's at package ships it: every user may use at (with neither file, only root).
    mkdirSync(join(this.dir, 'etc'), { mode: 0o755 });
    chmodSync(join(this.dir, 'etc'), 0o755);
    writeFileSync(join(this.dir, 'etc', 'at.deny'), '');
  }

  get socket(): string {
    return join(this.dir, 'run', 'appinit.sock');
  }

  /** The environment of a command: only what a login would give, and the system home. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', APPINIT_SYSTEM_HOME: this.dir, HOME: '/', ...extra };
  }

  /** Starts `appinit daemon --system` (as root) and waits until it answers. */
  async start(extraEnv: Record<string, string> = {}, stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe']): Promise<void> {
    const d = spawn(process.execPath, [CLI, 'daemon', '--system'], { env: this.env(extraEnv), cwd: '/', stdio: stdio as never });
    d.stdout?.on('data', (b) => (this.daemonOut += b));
    d.stderr?.on('data', (b) => (this.daemonOut += b));
    this.daemon = d;
    await waitFor(`the system daemon answers on ${this.socket} (output: ${this.daemonOut})`, async () => (await this.request('GET', '/v1/info').catch(() => null))?.status === 200, 20_000);
  }

  /** The daemon's pid. */
  daemonPid(): number {
    return Number(readFileSync(join(this.dir, 'lib', 'daemon.pid'), 'utf8'));
  }

  /** Runs `appinit --system ARGS` as a user (root when none), to completion. */
  cli(args: string[], opts: { user?: TestUser; input?: string; cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
    const u = opts.user;
    return runCli(['--system', ...args], {
      env: this.env({ ...(u ? { USER: u.name, LOGNAME: u.name } : {}), ...opts.env }), cwd: opts.cwd ?? '/tmp',
      ...(u ? { uid: u.uid, gid: u.gid } : {}),
    }, `appinit --system ${args.join(' ')} (as ${u?.name ?? 'root'})`, opts);
  }

  /** One request on the socket from this (root) process. */
  request(method: string, path: string, body?: unknown): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request({ socketPath: this.socket, method, path, agent: false, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  /** One raw exchange on the socket as a user (a small node process of theirs): what was sent, what came back. */
  async rawAs(user: TestUser, raw: string): Promise<string> {
    const script = `const s=require('net').connect(process.argv[1]);let o='';s.on('connect',()=>s.write(Buffer.from(process.argv[2],'base64')));s.on('data',d=>{o+=d;if(o.startsWith('HTTP/1.1 101'))setTimeout(()=>s.destroy(),300);});s.on('error',e=>{o+='ERROR '+e.code;});s.on('close',()=>{process.stdout.write(o);});setTimeout(()=>s.destroy(),5000);`;
    const r = spawnSync(process.execPath, ['-e', script, this.socket, Buffer.from(raw).toString('base64')], { uid: user.uid, gid: user.gid, encoding: 'utf8', timeout: 15_000 });
    return r.stdout;
  }

  /** Writes a file every user may read (0644) and returns its path. */
  write(name: string, text: string, mode = 0o644): string {
    const p = join(this.files, name);
    writeFileSync(p, text);
    chmodSync(p, mode);
    return p;
  }

  /** Notes a pid to make sure of at cleanup (its session is killed). */
  saw(pid: number | null | undefined): void {
    if (pid) this.seen.add(pid);
  }

  /** Stops the daemon and everything it started, then removes the directory. */
  async cleanup(): Promise<void> {
    if (this.daemon && this.daemon.exitCode == null) {
      await this.cli(['down'], { timeoutMs: 60_000 }).catch(() => undefined);
    }
    const kill = (pid: number) => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
    for (const f of ['daemon.pid', 'supervise.pid']) {
      try { kill(Number(readFileSync(join(this.dir, 'lib', f), 'utf8'))); } catch { /* none */ }
    }
    if (this.daemon && this.daemon.exitCode == null) this.daemon.kill('SIGKILL');
    for (const pid of this.seen) for (const p of sessionMembers(pid)) kill(p);
    spawnSync('pkill', ['-KILL', '-f', this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
