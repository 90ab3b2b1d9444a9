// A control file that parses may still not run: an unknown user, a missing cwd, a log
// path in a directory that does not exist, a command not on PATH. These are found when the
// file is loaded, at their file:line:col, so `up` changes nothing instead of replacing
// running programs with ones that fail (issue 16.5).
import { statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { lookupUser } from '../os/proc/index.js';
import { groupsOf, lookupGroup } from '../os/groups.js';
import { placeOf } from './places.js';
import type { ConfigIssue, Program } from './program.js';
import { closedOnTheWay, permits, type Reader } from './read-file.js';

/** What the check needs from the daemon: its PATH (execvpe searches the helper's) and its identity. */
export interface RunContext {
  path: string | undefined;
  self: Reader;
}

/** The daemon's own context. */
export function daemonRunContext(): RunContext {
  return { path: process.env.PATH, self: { uid: process.getuid?.() ?? 0, gids: process.getgroups?.() ?? [] } };
}

// One check reads each path once: 500 programs running `sleep` from the same directory made
// 500 stats of the cwd and up to a stat per PATH entry each, most of them a thrown ENOENT
// (70 ms of an `up` of 500, issue 17). Per call only: a later `up` sees the files as they are then.
let seen: Map<string, Stats | null> | null = null;
const stat = (p: string): Stats | null => {
  const known = seen?.get(p);
  if (known !== undefined) return known;
  let st: Stats | null;
  try {
    st = statSync(p, { throwIfNoEntry: false }) ?? null;
  } catch {
    st = null;
  }
  seen?.set(p, st);
  return st;
};

// The answer for a command, per identity, cwd and name, in one check: 500 programs running
// `sleep` looked it up along PATH 500 times (a join and a lookup per entry each, issue 17).
let commands: Map<string, string | null> | null = null;

/** Every reason these programs could not start, each placed at the setting it concerns. */
export function checkRunnable(programs: Program[], ctx: RunContext = daemonRunContext()): ConfigIssue[] {
  seen = new Map();
  commands = new Map();
  try {
    return check(programs, ctx);
  } finally {
    seen = null;
    commands = null;
  }
}

function commandProblemOnce(cmd: string, cwd: string, path: string | undefined, who: Reader): string | null {
  const key = `${who.uid}:${who.gids.join(',')}\0${cwd}\0${cmd}`;
  const known = commands?.get(key);
  if (known !== undefined) return known;
  const problem = commandProblem(cmd, cwd, path, who);
  commands?.set(key, problem);
  return problem;
}

function check(programs: Program[], ctx: RunContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const p of programs) {
    const add = (settings: string[], path: string, message: string) => {
      const at = settings.map((s) => placeOf(p, s)).find((x) => x !== p.source) ?? p.source;
      issues.push({ ...at, path: `programs.${p.name}${path ? '.' + path : ''}`, message });
    };
    let who: Reader = ctx.self;
    if (p.user != null) {
      const u = lookupUser(p.user);
      if (!u) add(['user'], 'user', `no user "${p.user}" on this system`);
      else who = { uid: u.uid, gids: groupsOf(u.name, u.gid) };
    }
    if (p.unixGroup != null) {
      const g = lookupGroup(p.unixGroup);
      if (!g) add(['unixGroup', 'user'], 'user', `no group "${p.unixGroup}" on this system`);
      else who = { uid: who.uid, gids: [g.gid, ...who.gids] };
    }
    const cwd = stat(p.cwd);
    if (!cwd) add(['cwd'], 'cwd', `no such directory: ${p.cwd}`);
    else if (!cwd.isDirectory()) add(['cwd'], 'cwd', `not a directory: ${p.cwd}`);
    else if (!permits(cwd, who, 1)) add(['cwd'], 'cwd', `${p.cwd}: permission denied for uid ${who.uid}`);
    else {
      const closed = closedOnTheWay(p.cwd, who, stat);
      if (closed) add(['cwd'], 'cwd', `${p.cwd}: permission denied for uid ${who.uid} (it cannot enter ${closed})`);
    }
    for (const stream of ['stdin', 'stdout', 'stderr'] as const) {
      const t = p[stream];
      if (t.kind !== 'file' || typeof p.tty === 'string') continue;
      const problem = fileProblem(t.path, stream === 'stdin' ? 4 : 2, who);
      if (problem) add([stream], stream, problem);
    }
    if (p.argv.length > 0 && cwd?.isDirectory()) {
      const problem = commandProblemOnce(p.argv[0], p.cwd, ctx.path, who);
      if (problem) add(['command'], 'command', problem);
    }
  }
  return issues;
}

// A redirection's file: its directory must exist; the file, if there, must be usable.
function fileProblem(path: string, bit: 4 | 2, who: Reader): string | null {
  const dir = stat(dirname(path));
  if (!dir) return `no such directory: ${dirname(path)} (for ${path})`;
  if (!dir.isDirectory()) return `not a directory: ${dirname(path)} (for ${path})`;
  const closed = closedOnTheWay(path, who, stat);
  if (closed) return `${path}: permission denied for uid ${who.uid} (it cannot enter ${closed})`;
  const f = stat(path);
  if (f?.isDirectory()) return `${path} is a directory`;
  if (f && !permits(f, who, bit)) return `${path}: permission denied for uid ${who.uid}`;
  if (!f && bit === 2 && !permits(dir, who, 2)) return `cannot create ${path}: permission denied for uid ${who.uid}`;
  if (!f && bit === 4) return `no such file: ${path}`;
  return null;
}

// execvpe: a name with "/" is taken as it is (relative to the cwd); otherwise each PATH entry.
function commandProblem(cmd: string, cwd: string, path: string | undefined, who: Reader): string | null {
  const usable = (file: string): string | null => {
    const st = stat(file);
    if (!st) return 'missing';
    if (!st.isFile()) return `${file} is not a regular file`;
    if (!permits(st, who, 1)) return `${file} is not executable (uid ${who.uid})`;
    const closed = closedOnTheWay(file, who, stat);
    if (closed) return `${file}: permission denied for uid ${who.uid} (it cannot enter ${closed})`;
    return null;
  };
  if (cmd.includes('/')) {
    const file = isAbsolute(cmd) ? cmd : join(cwd, cmd);
    const why = usable(file);
    return why === 'missing' ? `command not found: ${file}` : why;
  }
  const dirs = (path ?? '/bin:/usr/bin').split(':').map((d) => d || '.');
  let seen: string | null = null;
  for (const d of dirs) {
    const why = usable(join(isAbsolute(d) ? d : join(cwd, d), cmd));
    if (why === null) return null;
    if (why !== 'missing') seen ??= why;
  }
  return seen ?? `command not found: "${cmd}" is not in PATH (${dirs.join(':')})`;
}
