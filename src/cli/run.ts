// One command line run: register the commands of the verb's group, parse, run the action, print
// its errors, exit with its code once stdout and stderr are drained. Shared by the two entries:
// main.ts (every group, ES modules) and hot.ts (the bundled fast path, scripts/build-cli.mjs).
import { readFileSync, readlinkSync } from 'node:fs';
import { packageVersion } from '../api/package-version.js';
import { Command, CommanderError } from './args.js';
import { EXIT, report } from './context.js';
import type { RegisterCommands, Runner } from './modules.js';

/** Exit status of a command whose reader went away (`| head -1`), as the shell reports a SIGPIPE death. */
export const EXIT_PIPE = 128 + 13;

// A command with its own answer to a reader going away says so here: a job attached to this
// stdout is given the broken pipe itself (src/cli/jobs/attach.ts), and the command waits for it.
const readerGoneHandlers = new Map<NodeJS.WriteStream, () => void>();
// Our stdout or stderr failed otherwise than by its reader leaving (ENOSPC): the command fails.
let outputFailed = false;
const failed = new Set<NodeJS.WriteStream>();

/** Calls f, instead of ending the command, when s's reader goes away (EPIPE); null: ends it again. */
export function onReaderGone(s: NodeJS.WriteStream, f: (() => void) | null): void {
  if (f) readerGoneHandlers.set(s, f);
  else readerGoneHandlers.delete(s);
}

/** Loads a group's register function. */
export type GroupLoader = () => Promise<RegisterCommands>;

let result: Promise<number> | null = null;
// The daemon's output goes to its log through its own streams; it ends without process.exit.
let exitWhenDone = true;
const run: Runner = (f) => { result = f(); };

// A command whose job ended of SIGINT (Ctrl-C) ends of SIGINT itself, once its output is out: a
// shell that runs it in a loop stops the loop, as it does for a plain command (bash's "wait and
// cooperative exit": a status of 130 alone lets the loop go on).
let dieBy: NodeJS.Signals | null = null;
let dieWithGroup = false;
/** Ends the command by this signal (its default action) instead of with its exit status; typed:
 *  the job's was a Ctrl-C typed on our terminal, which its foreground group gets too. */
export function endBySignal(sig: 'SIGINT' | 'SIGQUIT' | 'SIGTERM' | 'SIGHUP', typed = false): void {
  dieBy = sig;
  dieWithGroup = typed;
}

// Node reads the command line as UTF-8 and puts U+FFFD for bytes that are not: a Latin-1 file name
// given to `run` reached the job changed (another, missing file). Such an argument is refused,
// naming it, rather than changed: jobs get text. Only looked for when a replacement character is
// there (the raw bytes are in /proc/self/cmdline).
function argumentNotText(usesCwd: boolean): string | null {
  // The working directory too: a job started from it (run, start, up's relative paths) got the
  // U+FFFD path, and a false "No such file or directory".
  let cwd = '';
  if (usesCwd) try { cwd = process.cwd(); } catch { /* removed: said by the command that needs it */ }
  if (cwd.includes('\uFFFD')) {
    try {
      const raw = readlinkSync('/proc/self/cwd', { encoding: 'buffer' });
      if (!Buffer.from(cwd, 'utf8').equals(raw)) return `the working directory (${shownBytes(raw)}) is not valid UTF-8: appinit passes paths to jobs as text (cd to another directory, or give --cwd)`;
    } catch { /* no /proc: left to the command */ }
  }
  const args = process.argv.slice(2);
  if (!args.some((a) => a.includes('\uFFFD'))) return null;
  let raw: Buffer[];
  try {
    const all = readFileSync('/proc/self/cmdline');
    raw = [];
    for (let at = 0; at < all.length;) {
      const end = all.indexOf(0, at);
      raw.push(all.subarray(at, end < 0 ? all.length : end));
      at = end < 0 ? all.length : end + 1;
    }
  } catch {
    return null;
  }
  const mine = raw.slice(raw.length - args.length);
  for (let i = 0; i < args.length; i++) {
    if (mine[i] && !Buffer.from(args[i], 'utf8').equals(mine[i])) {
      return `argument ${i + 1} ("${shownBytes(mine[i])}") is not valid UTF-8: appinit passes arguments to jobs as text (recode it, e.g. with iconv, or use a file)`;
    }
  }
  return null;
}

// The commands that pass their working directory to jobs (or resolve a file's paths from it).
const CWD_VERBS: ReadonlySet<string> = new Set(['run', 'start', 'up', 'at', 'batch']);

// Bytes as text, those that are not printable ASCII as \xNN.
function shownBytes(raw: Buffer): string {
  return [...raw].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

// True when this process's group is its terminal's foreground group (/proc/self/stat: pgrp, tpgid).
function inTerminalForeground(): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(f[2]);
    const tty = Number(f[4]);
    const tpgid = Number(f[5]);
    return tty !== 0 && tpgid > 0 && tpgid === pgrp;
  } catch {
    return false;
  }
}

/** Makes the run end without process.exit when its work is done (the daemon keeps serving). */
export function keepRunning(): void {
  exitWhenDone = false;
}

/** The first word that is not an option names the verb (`appinit --version` has none). */
export function verbOf(argv: string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

/** True when the command line asks for help (which lists every group's commands). */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

// `--system` anywhere before `--`: talk to (for `daemon`: be) the system daemon, as APPINIT_SYSTEM=1.
function takeSystemFlag(argv: string[]): void {
  const end = argv.indexOf('--');
  const at = argv.findIndex((a, i) => i > 1 && a === '--system' && (end < 0 || i < end));
  if (at < 0) return;
  argv.splice(at, 1);
  process.env.APPINIT_SYSTEM = '1';
}

async function main(groupOf: ReadonlyMap<string, GroupLoader>, all: readonly GroupLoader[]): Promise<number> {
  const notText = argumentNotText(CWD_VERBS.has(verbOf(process.argv) ?? ''));
  if (notText) {
    process.stderr.write(`appinit: ${notText}\n`);
    return EXIT.usage;
  }
  takeSystemFlag(process.argv);
  const program = new Command();
  program.name('appinit').description('init for applications: supervise, schedule and account for processes').version(packageVersion());
  program.exitOverride();
  program.enablePositionalOptions(); // so `run -- CMD --flags` leaves the command's own options alone
  // Only for --help: main() has already taken --system out of argv (takeSystemFlag).
  program.option('--system', 'talk to the system daemon (as APPINIT_SYSTEM=1); with daemon: be it');
  program.configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `appinit: ${s.slice(7)}` : s) });
  const verb = verbOf(process.argv);
  const version = verb === undefined && (process.argv.includes('--version') || process.argv.includes('-V'));
  const mine = verb === undefined ? undefined : groupOf.get(verb);
  const groups = version ? [] : mine && !wantsHelp(process.argv) ? [mine] : all;
  for (const g of groups) (await g())(program, run);
  try {
    await program.parseAsync(process.argv);
    return await (result ?? Promise.resolve(EXIT.ok));
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report(err);
  }
}

// Resolves once everything written so far has left the process (pipes are written asynchronously).
function drained(s: NodeJS.WriteStream): Promise<void> {
  // A stream whose writes failed (a full disk) takes no more: its callback would never come. One
  // with nothing queued is drained already: the empty write was a write(1, NULL, 0) of its own,
  // which /dev/full fails (`run -- true > /dev/full` exited 1 having written nothing).
  // A write that failed at once (a file on a full disk: written synchronously) says so on the next
  // tick: waited for (setImmediate), so `status > /dev/full` still fails as it should.
  return new Promise((resolve) => (s.writable && !failed.has(s) && s.writableLength > 0 ? s.write('', () => resolve()) : setImmediate(resolve)));
}

/** Runs the command line with these groups: groupOf says which defines each verb; a verb not in
 *  it (or --help) loads all of them. */
export function runCli(groupOf: ReadonlyMap<string, GroupLoader>, all: readonly GroupLoader[]): void {
  // A closed pipe ends the command quietly, whichever stream and whichever command.
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (failed.has(s)) return; // said once; the job's end decides when we exit
      const f = readerGoneHandlers.get(s);
      if (err.code === 'EPIPE') {
        if (!f) process.exit(EXIT_PIPE);
        readerGoneHandlers.delete(s);
        return f();
      }
      if (s === process.stdout) process.stderr.write(`appinit: stdout: ${err.message}\n`);
      // Attached to a job (run, fg): a full disk is a reader gone too: the job's pipe for it
      // breaks and the job ends of it at its next write, as `yes > /dev/full` ends in a shell
      // (it ran on, blocked, after we had exited). The command then exits 1, as yes does.
      if (f) {
        readerGoneHandlers.delete(s);
        failed.add(s);
        outputFailed = true;
        // A job on a pty (`fg` of a `run --bg` job) has no pipe to break: it runs on, detached,
        // and the command ends anyway, as it always did.
        setTimeout(() => process.exit(1), 2000);
        return f();
      }
      process.exit(1);
    });
  }
  void main(groupOf, all).then(async (code) => {
    // The job's output was lost: the command failed, as coreutils fail on a write error.
    if (outputFailed && (code === EXIT.ok || code === EXIT_PIPE)) code = EXIT.failure;
    process.exitCode = code;
    // A daemon that could not start exits too: it held its home's lock, never listening, and every
    // later command found "a daemon holds the lock but does not answer" (a read-only store).
    if (!exitWhenDone && code === EXIT.ok) return;
    // Exit only once stdout and stderr are drained: `| wc -l` sees every line.
    await Promise.all([drained(process.stdout), drained(process.stderr)]);
    if (dieBy) {
      process.removeAllListeners(dieBy);
      // On a terminal a Ctrl-C goes to its whole foreground group: a script's shell running us in
      // a loop gets it too, and stops (bash's "wait and cooperative exit" needs the shell itself
      // interrupted). The job had the keys, so only it was; a typed one goes to our group as the
      // terminal would have sent it (interactive shells give each command a group of its own).
      // A SIGINT sent otherwise (`kill -INT`) interrupts no one else, as in a shell.
      process.kill(dieWithGroup && inTerminalForeground() ? 0 : process.pid, dieBy);
      setTimeout(() => process.exit(code), 1000).unref(); // blocked or ignored: the status then
      return;
    }
    process.exit(code);
  });
}
