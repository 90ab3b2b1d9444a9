// lock, sem, mq, ipcs, ipcrm, deadlock: appinit's own resources from the shell.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Command } from '../args.js';
import { ResourceCallError, type DeadlockView, type ResourceList } from '../../client/index.js';
import { userName } from '../../os/proc/index.js';
import { client, CliError, EXIT } from '../context.js';
import type { Runner } from '../modules.js';
import { EXIT_PIPE, onReaderGone } from '../run.js';
import { readStdin } from '../stdin.js';

// A deadlock, a busy resource or a missing message is the command's failure, said plainly.
async function plain<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ResourceCallError) throw new CliError(err.message);
    throw err;
  }
}

function count(v: string | undefined, what: string): number {
  if (v == null) return 1;
  const n = /^\d+$/.test(v) ? Number(v) : NaN; // decimal digits only: not 1e3, 0x10 or 1.0
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError(`${what}: expected a whole number ≥ 1, got "${v}"`, EXIT.usage);
  return n;
}

function mode(v: string | undefined): number | undefined {
  if (v == null) return undefined;
  if (!/^0?[0-7]{3}$/.test(v)) throw new CliError(`--mode: expected octal permission bits like 0660, got "${v}"`, EXIT.usage);
  return parseInt(v, 8);
}

/** appinit lock [-n] [-w SECONDS] NAME -- CMD...: as flock(1), holds NAME while CMD runs. */
async function lock(name: string, cmd: string[], o: { nonblock?: boolean; wait?: string }): Promise<number> {
  if (cmd.length === 0) throw new CliError('lock: usage: appinit lock [-n] [-w SECONDS] NAME -- CMD ARGS...', EXIT.usage);
  const c = await client();
  const m = c.mutex(name);
  const limit = o.wait != null ? Number(o.wait) : null;
  if (limit != null && !(limit >= 0 && Number.isFinite(limit))) throw new CliError(`-w: expected seconds, got "${o.wait}"`, EXIT.usage);
  try {
    // -w: the daemon ends the wait (a timer here raced its grant: the lock then went to a
    // process that had given up). -w 0 is -n, as flock's.
    await m.lock({ wait: !o.nonblock, timeoutMs: limit == null ? undefined : limit * 1000 });
  } catch (err) {
    if (err instanceof ResourceCallError && err.code === 'busy') return EXIT.failure; // flock -n: status 1, silently
    if (err instanceof ResourceCallError) throw new CliError(err.message);
    throw err;
  }
  // CMD starts only once the daemon knows it (adoptHolder): the lock then goes with CMD, as
  // flock(1)'s command inherits the lock, and a SIGKILL of this process leaves NAME held until
  // CMD ends. A shell waits on descriptor 3 for the go-ahead and then execs CMD (same pid); if
  // this process dies before it, the read sees end of file and CMD never runs unlocked.
  const GATE = 'read _ <&3 || exit 125; exec 3<&-; exec "$@"';
  const status = await new Promise<number>((resolve) => {
    const child = spawn('/bin/sh', ['-c', GATE, 'sh', ...cmd], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
    child.on('error', (err) => {
      process.stderr.write(`appinit: lock: ${err.message}\n`);
      resolve(126);
    });
    child.on('exit', (code, sig) => resolve(sig ? 128 + (constants.signals[sig] ?? 0) : code ?? 1));
    const go = child.stdio[3] as NodeJS.WritableStream | null;
    const release = () => go?.end('go\n');
    if (child.pid) c.adoptHolder(child.pid).then(release, release);
    else release();
  });
  try {
    await m.unlock();
  } catch (err) {
    // Removed (appinit ipcrm) or taken over while CMD ran: CMD's status still is the answer, as
    // flock's when its file is unlinked; what happened to the lock is said beside it.
    if (!(err instanceof ResourceCallError) || (err.code !== 'not_found' && err.code !== 'not_holder')) throw err;
    process.stderr.write(`appinit: lock: ${name} was removed while the command ran (it was not held to the end)\n`);
  }
  return status;
}

async function sem(name: string, verb: string, arg: string | undefined, o: { undo?: boolean; mode?: string; json?: boolean }): Promise<number> {
  const c = await client();
  const s = c.semaphore(name);
  switch (verb) {
    case 'create': {
      const n = arg == null ? 0 : /^\d+$/.test(arg) ? Number(arg) : NaN;
      if (!Number.isSafeInteger(n) || n < 0) throw new CliError(`sem create: expected an initial value, a whole number ≥ 0, got "${arg}"`, EXIT.usage);
      await plain(s.create(n, { mode: mode(o.mode) }));
      return EXIT.ok;
    }
    case 'P': case 'p': await plain(s.p(count(arg, 'P'), { undo: o.undo })); return EXIT.ok;
    case 'V': case 'v': await plain(s.v(count(arg, 'V'), { undo: o.undo })); return EXIT.ok;
    case 'Z': case 'z': await plain(s.waitZero()); return EXIT.ok;
    case 'get': {
      const r = (await c.resources()).resources.find((x) => x.name === name);
      if (!r) throw new CliError(`no resource named "${name}"`);
      if (r.value == null) throw new CliError(`${name}: permission denied (mode ${r.mode.toString(8).padStart(4, '0')}, owner uid ${r.uid})`);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : `${r.value}\n`);
      return EXIT.ok;
    }
    case 'rm': await plain(c.removeResources([name])); return EXIT.ok;
    default: throw new CliError(`sem: unknown operation "${verb}": expected create N, P [n], V [n], Z, get or rm`, EXIT.usage);
  }
}

async function mq(name: string, verb: string, msg: string | undefined, o: { type?: string; nowait?: boolean; json?: boolean; mode?: string; maxBytes?: string }): Promise<number> {
  const c = await client();
  const q = c.queue(name);
  const type = o.type != null ? Number(o.type) : undefined;
  if (type != null && !Number.isInteger(type)) throw new CliError(`--type: expected a whole number, got "${o.type}"`, EXIT.usage);
  switch (verb) {
    case 'create': {
      const maxBytes = o.maxBytes != null ? Number(o.maxBytes) : undefined;
      // Checked before the daemon sees it: "abc" would travel as null and mean the default.
      if (maxBytes != null && !(Number.isInteger(maxBytes) && maxBytes >= 1)) throw new CliError(`--max-bytes: expected a whole number of bytes ≥ 1, got "${o.maxBytes}"`, EXIT.usage);
      await plain(q.create({ maxBytes, mode: mode(o.mode) }));
      return EXIT.ok;
    }
    case 'send': {
      // Without MESSAGE, standard input is the message when it is a pipe or file (`date | appinit
      // mq q send`), less one final newline: `recv` prints a message with one.
      let data = msg;
      if (data == null && !process.stdin.isTTY) {
        const text = await readStdin('mq send: standard input');
        // Nothing at all (stdin of /dev/null, as under cron) is a forgotten MESSAGE; '' sends an empty one.
        if (text === '') throw new CliError("mq send: standard input is empty: give MESSAGE (or '' for an empty message)", EXIT.usage);
        data = text.replace(/\n$/, '');
      }
      if (data == null) throw new CliError('mq send: usage: appinit mq NAME send [--type T] MESSAGE (or the message on standard input)', EXIT.usage);
      await plain(q.send(type ?? 1, data, { wait: !o.nowait }));
      return EXIT.ok;
    }
    case 'recv': {
      const m = await plain(q.receiveOne({ type: type ?? 0, nowait: o.nowait }));
      // The message left the queue with the answer: one that cannot be written (a full disk, a
      // reader gone) goes back to the queue, at its end, rather than being lost.
      let gone = false;
      const written = await new Promise<boolean>((resolve) => {
        onReaderGone(process.stdout, () => { gone = true; resolve(false); });
        process.stdout.write(o.json ? JSON.stringify(m) + '\n' : m.data + '\n', (err) => {
          if ((err as NodeJS.ErrnoException | null)?.code === 'EPIPE') gone = true;
          resolve(!err);
        });
      });
      if (written) {
        onReaderGone(process.stdout, null);
        return EXIT.ok;
      }
      try {
        await q.send(m.type, m.data, { wait: false });
        process.stderr.write(`appinit: mq ${name} recv: the message could not be written; it is back in ${name} (at its end)\n`);
      } catch (err) {
        process.stderr.write(`appinit: mq ${name} recv: the message could not be written, nor put back (${(err as Error).message}): it was: ${JSON.stringify(m)}\n`);
      }
      return gone ? EXIT_PIPE : EXIT.failure;
    }
    case 'rm': await plain(c.removeResources([name])); return EXIT.ok;
    default: throw new CliError(`mq: unknown operation "${verb}": expected create, send, recv or rm`, EXIT.usage);
  }
}

const pad = (s: string, n: number) => s.padEnd(n);

// A give-back (release) event names its resource first: "gpu: 2 unit(s) given back after … ended".
const RELEASE = /^([^:\s]+): .* after .* ended$/;

// Local time as "2026-12-02 01:55:58", the way a log line shows it.
function when(at: number): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * appinit's resources in util-linux ipcs's layout: a section per kind asked for (all by default;
 * `ipcs -q` asks for queues, `-s` for semaphores and mutexes), key = name, each section ended by
 * an empty line as ipcs ends its own; then the give-back events of the semaphores and mutexes.
 */
export function formatIpcs(l: ResourceList, kinds: ReadonlySet<string> = new Set(['queue', 'semaphore', 'mutex'])): string {
  const who = (uid: number) => userName(uid) ?? String(uid);
  const perms = (m: number) => m.toString(8);
  const out: string[] = [];
  if (kinds.has('queue')) {
    out.push('------ appinit Message Queues --------', `${pad('key', 20)} ${pad('owner', 10)} ${pad('perms', 10)} ${pad('used-bytes', 12)} ${pad('messages', 11)} waiters`);
    for (const r of l.resources.filter((x) => x.kind === 'queue')) out.push(`${pad(r.name, 20)} ${pad(who(r.uid), 10)} ${pad(perms(r.mode), 10)} ${pad(String(r.bytes), 12)} ${pad(String(r.messages), 11)} ${r.waiters.length}`);
    out.push('');
  }
  if (kinds.has('semaphore')) {
    out.push('------ appinit Semaphores --------', `${pad('key', 20)} ${pad('owner', 10)} ${pad('perms', 10)} ${pad('value', 9)} ${pad('holders', 30)} waiters`);
    for (const r of l.resources.filter((x) => x.kind === 'semaphore')) {
      out.push(`${pad(r.name, 20)} ${pad(who(r.uid), 10)} ${pad(perms(r.mode), 10)} ${pad(String(r.value ?? '-'), 9)} ${pad(r.holders.map((h) => `${h.holder}:${h.units}`).join(',') || '-', 30)} ${r.waiters.join(',') || '-'}`);
    }
    out.push('');
  }
  if (kinds.has('mutex')) {
    out.push('------ appinit Mutexes --------', `${pad('key', 20)} ${pad('owner', 10)} ${pad('perms', 10)} ${pad('holder', 30)} waiters`);
    for (const r of l.resources.filter((x) => x.kind === 'mutex')) {
      out.push(`${pad(r.name, 20)} ${pad(who(r.uid), 10)} ${pad(perms(r.mode), 10)} ${pad(r.holders.map((h) => h.holder).join(',') || '-', 30)} ${r.waiters.join(',') || '-'}`);
    }
    out.push('');
  }
  // What was given back when a holder ended (the issue's "each such release is an event in
  // appinit ipcs"): only semaphores and mutexes are held, so only their listing shows these.
  if (kinds.has('semaphore') || kinds.has('mutex')) {
    const releases = l.events.filter((e) => RELEASE.test(e.text));
    out.push('------ appinit Events --------', `${pad('time', 20)} event`);
    for (const e of releases) out.push(`${pad(when(e.at), 20)} ${e.text}`);
    out.push('');
  }
  return out.join('\n') + '\n';
}

/** E, A, C and R with named rows and columns, and the result, as the seed writes them. */
export function formatDeadlock(d: DeadlockView): string {
  const w = Math.max(8, ...d.holders.map((h) => h.length));
  const cols = d.resources.map((r) => Math.max(r.length, 3));
  const row = (v: (number | null)[]) => v.map((x, k) => (x == null ? '-' : String(x)).padStart(cols[k])).join(' ');
  const head = `${''.padEnd(w)}  ${d.resources.map((r, k) => r.padStart(cols[k])).join(' ')}`;
  const lines = [head, `${'E'.padEnd(w)}  ${row(d.existing)}`, `${'A'.padEnd(w)}  ${row(d.available)}`, '', `allocation C`, head,
    ...d.holders.map((h, i) => `${h.padEnd(w)}  ${row(d.allocation[i])}`), '', 'request R', head, ...d.holders.map((h, i) => `${h.padEnd(w)}  ${row(d.request[i])}`), ''];
  lines.push(d.deadlocked.length ? `deadlocked: ${d.deadlocked.join('; ')}` : d.holders.length ? `no deadlock: order ${d.order.join(', ')}` : 'no deadlock: nobody holds or waits');
  return lines.join('\n') + '\n';
}

/** The resource-allocation graph in Graphviz: processes as circles, resources as rectangles. */
export function formatDot(d: DeadlockView): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph appinit {', '  rankdir=LR;'];
  for (const r of d.resources) lines.push(`  ${q(`r:${r}`)} [label=${q(r)}, shape=box];`);
  d.holders.forEach((h, i) => {
    lines.push(`  ${q(`p:${h}`)} [label=${q(h)}, shape=circle${d.deadlocked.includes(h) ? ', color=red' : ''}];`);
    d.resources.forEach((r, k) => {
      if (d.allocation[i][k] > 0) lines.push(`  ${q(`r:${r}`)} -> ${q(`p:${h}`)} [label=${q(`holds ${d.allocation[i][k]}`)}];`);
      if (d.request[i][k] > 0) lines.push(`  ${q(`p:${h}`)} -> ${q(`r:${r}`)} [label=${q(`wants ${d.request[i][k]}`)}, style=dashed];`);
    });
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Registers lock, sem, mq, ipcs and ipcrm (and the live `deadlock`, through deadlock.ts). */
export function registerResourceUseCommands(program: Command, run: Runner): void {
  program.command('lock <name> [cmd...]').description('as flock(1): hold the mutex NAME while CMD runs; exit with its status')
    .option('-n, --nonblock', 'fail at once (status 1) if NAME is held').option('-w, --wait <seconds>', 'give up (status 1) after SECONDS')
    .action((name, cmd, o) => run(() => lock(name, cmd, o)));
  program.command('sem <name> <op> [n]').description('a semaphore: create N | P [n] | V [n] | Z | get | rm')
    .option('--undo', 'units taken are given back when this caller (its job, or this process) ends')
    .option('--mode <mode>', 'permission bits for create (default 0600)').option('--json', 'get: print JSON')
    .action((name, op, n, o) => run(() => sem(name, op, n, o)));
  program.command('mq <name> <op> [message]').description('a message queue: create | send [--type T] MESSAGE | recv [--type T] [--nowait] | rm')
    .option('--type <t>', 'send: the message type (≥ 1); recv: 0 any, N that type, -N the lowest type ≤ N')
    .option('--nowait', 'fail at once instead of waiting').option('--json', 'recv: print {type, data, sender}')
    .option('--mode <mode>', 'permission bits for create (default 0600)').option('--max-bytes <n>', 'create: the queue\'s byte limit (default 16384)')
    .action((name, op, message, o) => run(() => mq(name, op, message, o)));
  // ipcs and ipcrm are registered by src/cli/ipc/commands.ts (they list and remove kernel objects too).
}
