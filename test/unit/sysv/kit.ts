// Test kit for appinit/sysv: small C programs compiled into a temp dir, and a ledger of kernel
// objects a test made, removed at the end whether it passed or failed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IPC_RMID, msgctl, semctl, shmctl } from '../../../src/sysv.js';

/** A temp dir of compiled C programs; `cleanup` removes it. */
export class CPrograms {
  readonly dir = mkdtempSync(join(tmpdir(), 'appinit-sysv-'));
  /** Compiles source to DIR/name and returns the path. */
  build(name: string, source: string): string {
    const src = join(this.dir, `${name}.c`);
    const out = join(this.dir, name);
    writeFileSync(src, source);
    const r = spawnSync('cc', ['-O1', '-Wall', '-o', out, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cc ${name}.c failed:\n${r.stderr}`);
    return out;
  }
  /** Removes the dir. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Kernel objects a test created, removed by `cleanup` (those already gone are skipped). */
export class Ledger {
  private readonly objs: { kind: 'msg' | 'sem' | 'shm'; id: number }[] = [];
  /** Records an id and returns it. */
  add(kind: 'msg' | 'sem' | 'shm', id: number): number {
    this.objs.push({ kind, id });
    return id;
  }
  /** Removes every recorded object still there. */
  cleanup(): void {
    for (const { kind, id } of this.objs.splice(0)) {
      try {
        if (kind === 'msg') msgctl(id, IPC_RMID);
        else if (kind === 'sem') semctl(id, 0, IPC_RMID);
        else shmctl(id, IPC_RMID);
      } catch { /* already removed by the test */ }
    }
  }
}

/** Runs a program to its end; stdout, stderr and status. */
export function run(cmd: string, args: string[] = [], timeoutMs = 10_000): Promise<{ stdout: string; stderr: string; status: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not end within ${timeoutMs} ms (stdout: ${stdout}, stderr: ${stderr})`));
    }, timeoutMs);
    c.on('error', reject);
    c.on('close', (status, signal) => {
      clearTimeout(t);
      resolve({ stdout, stderr, status, signal });
    });
  });
}

/** Resolves with the first stdout line of a running child that matches re (bounded). */
export function lineFrom(c: ChildProcess, re: RegExp, what: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`no line matching ${re} from ${what} within ${timeoutMs} ms (got: ${JSON.stringify(buf)})`)), timeoutMs);
    c.stdout!.on('data', (d) => {
      buf += d;
      const m = buf.split('\n').find((l) => re.test(l));
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    });
  });
}

/** Waits (bounded) until check() is true, polling the kernel's state; fails with what. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
