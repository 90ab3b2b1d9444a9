// `appinit ps`: the processes of appinit's jobs (or, with -e, of the machine) as procps shows them.
// The two report modules ps needs, not the index: a start loads only what it uses.
import { formatPs, psJson, psReadNeeds, PsFormatError, type PsFormat, type PsOptions } from '../../cli/report/ps.js';
import { parseSortKeys, PsSortError, type ForestStyle } from '../../cli/report/ps-order.js';
import { findZombies } from '../../cli/report/zombies.js';
import type { ProcsView } from '../../client/index.js';
import { client, CliError, EXIT } from '../context.js';
import { table } from '../format/table.js';
import { userId } from '../../os/proc/users.js';

/** Options of `appinit ps`. */
export interface PsCommandOptions {
  every?: boolean;
  full?: boolean;
  long?: boolean;
  format?: string[];
  json?: boolean;
  zombies?: boolean;
  headers?: boolean;
  /** `--no-heading`, procps' other name for --no-headers. */
  heading?: boolean;
  /** -j: the jobs format (PID PGID SID ...; with -f, UID PID PPID PGID SID ...). */
  jobsFormat?: boolean;
  /** --forest: the ASCII-art tree; -H: the hierarchy, indented. */
  forest?: boolean;
  hierarchy?: boolean;
  /** --sort KEYS: `-pcpu,pid` (repeatable). */
  sort?: string[];
  /** -w: never cut to the terminal's width. */
  wide?: boolean;
  /** BSD option letters (`aux`), as procps takes them without a dash. */
  bsd?: string;
  /** procps' selection by list (-p PIDS, -C NAMES, --ppid PIDS): any process of the machine, the union of them. */
  pid?: string[];
  command?: string[];
  ppid?: string[];
  /** -u USERS (effective) and -U USERS (real): names or ids, any process of the machine. */
  users?: string[];
  realUsers?: string[];
}

/**
 * What follows -u: users (`-u root`, `-u root,1000`), or, when none of it is a user and all of it
 * BSD letters, the rest of `-aux` (as procps reads `ps -aux` when no user x exists).
 */
export function usersOrLetters(value: string): { users?: string[]; letters?: string } {
  const names = value.split(/[,\s]+/).filter((x) => x !== '');
  if (/^[auxw]+$/.test(value) && !names.every((n) => userId(n) != null)) return { letters: `u${value}` }; // -aux: u, then x
  return { users: [value] }; // an unknown one is selection()'s usage error
}

/** The processes -p, -C, --ppid, -u and -U select (each list split at commas and blanks, as procps), or null without them. */
export function selection(o: PsCommandOptions): ((p: { pid: number; ppid: number; comm: string; uid: number; euid: number }) => boolean) | null {
  // As procps: an empty argument, or an empty item in one (`-p 1,,2`, `-u root,`), is refused,
  // not read as no selection (which would print the header alone and look like "nothing found").
  const list = (v: string[] | undefined, flag: string, what: string) => (v ?? []).flatMap((x) => {
    if (x === '') throw new CliError(`ps: ${flag}: a list of ${what} must follow ${flag}`, EXIT.usage);
    const items = x.split(/[,\s]/);
    if (items.includes('')) throw new CliError(`ps: ${flag}: improper list "${x}": items are separated by one comma or blank, as ${flag} ${flag === '-C' ? 'sshd,cron' : flag === '-u' || flag === '-U' ? 'root,1000' : '1234,1240'}`, EXIT.usage);
    return items;
  });
  const numbers = (v: string[] | undefined, flag: string) => new Set(list(v, flag, 'process ids').map((x) => {
    if (!/^\d+$/.test(x) || Number(x) < 1) throw new CliError(`ps: ${flag}: expected process ids like 1234,1240, got "${x}"`, EXIT.usage);
    return Number(x);
  }));
  const uids = (v: string[] | undefined, flag: string) => new Set(list(v, flag, 'users').map((x) => {
    const uid = userId(x);
    if (uid == null) throw new CliError(`ps: ${flag}: no user named "${x}" (give user names or ids, as ${flag} root,1000; -u alone is BSD u)`, EXIT.usage);
    return uid;
  }));
  if (!o.pid?.length && !o.command?.length && !o.ppid?.length && !o.users?.length && !o.realUsers?.length) return null;
  const pids = numbers(o.pid, '-p');
  const ppids = numbers(o.ppid, '--ppid');
  const names = new Set(list(o.command, '-C', 'command names'));
  const euids = uids(o.users, '-u');
  const ruids = uids(o.realUsers, '-U');
  return (p) => pids.has(p.pid) || ppids.has(p.ppid) || names.has(p.comm) || euids.has(p.euid) || ruids.has(p.uid);
}

/** What BSD letters select and show: every process (a with x), those with a terminal (a), the format and the forest (f). */
export interface BsdChoice { every: boolean; ttyOnly: boolean; format: PsFormat; wide: boolean; forest: boolean }

/** Reads procps' BSD letters (a, u, x, j, f, w); any other is a usage error naming what is accepted. */
export function bsdChoice(letters: string): BsdChoice {
  for (const ch of letters) {
    if (!'auxjfw'.includes(ch)) {
      throw new CliError(`ps: unknown BSD option "${ch}" in "${letters}"; appinit ps takes the letters a, u, x, j, f and w (as in ps aux, ps axjf), or -e, -f, -l, -j, -o COLS, --forest, --sort KEYS`, EXIT.usage);
    }
  }
  const a = letters.includes('a');
  const x = letters.includes('x');
  // u wins over j, as procps takes the last format letter only when they differ: rare enough to keep simple.
  const format: PsFormat = letters.includes('u') ? 'u' : letters.includes('j') ? 'bsdj' : 'bsd';
  return { every: a && x, ttyOnly: a && !x, format, wide: letters.includes('w'), forest: letters.includes('f') };
}

/**
 * Splits `-o` arguments into specifiers as Debian's procps 4 does: commas and blanks separate
 * columns everywhere, a header after `=` included (`-o pid=,comm=` is two headerless columns,
 * `-o pid=A,comm=B` two columns A and B). ps(1) says another personality reads the header to the
 * end of the argument; this machine's ps does not, and a user pipes one into the other.
 */
export function splitColumns(args: readonly string[]): string[] {
  return args.flatMap((arg) => arg.split(/[,\s]+/)).filter((s) => s !== '');
}

// -f and -l win over BSD letters' format (procps refuses the mix; appinit takes the SysV one).
function formatOf(o: PsCommandOptions, bsd: BsdChoice | null): PsFormat {
  if (o.long) return o.full ? 'lf' : 'l';
  if (o.jobsFormat) return o.full ? 'fj' : 'j';
  if (o.full) return 'f';
  return bsd ? bsd.format : 'default';
}

function jobLabels(v: ProcsView): Map<number, number> {
  return new Map(Object.entries(v.owner).map(([pid, job]) => [Number(pid), job]));
}

function sortKeys(args: string[]) {
  try {
    return parseSortKeys(args);
  } catch (err) {
    if (err instanceof PsSortError) throw new CliError(`ps: ${err.message}`, EXIT.usage);
    throw err;
  }
}

function forestOf(o: PsCommandOptions, bsd: BsdChoice | null): ForestStyle | null {
  if (o.forest || bsd?.forest) return 'ascii';
  return o.hierarchy ? 'indent' : null;
}

/**
 * The width ps cuts its lines to: COLUMNS when set (also when piped, as procps), else the
 * terminal's; none with w (or when piped without COLUMNS).
 */
export function screenWidth(wide: boolean, env: NodeJS.ProcessEnv = process.env, tty = process.stdout.isTTY ? process.stdout.columns : undefined): number | undefined {
  if (wide) return undefined;
  const cols = env.COLUMNS;
  if (cols && /^\d+$/.test(cols) && Number(cols) > 0 && Number(cols) < 65536) return Number(cols);
  return tty;
}

/** The PsOptions for a view: system facts and user names from the daemon. */
export function psOptions(v: ProcsView, o: PsCommandOptions, width: number | undefined, bsd: BsdChoice | null = null): PsOptions {
  const format = formatOf(o, bsd);
  const opts: PsOptions = {
    sys: v.sys,
    format,
    userName: (uid) => v.users[String(uid)],
    header: o.headers !== false && o.heading !== false,
    sort: o.sort?.length ? sortKeys(o.sort) : [],
    forest: forestOf(o, bsd),
  };
  if (o.format && o.format.length > 0) opts.columns = splitColumns(o.format);
  // Without -e every row is a job's: the JOB column says which. With -e the columns are exactly
  // procps' (so the output can be compared with ps -e).
  if (!o.every) opts.jobs = jobLabels(v);
  if (width !== undefined) opts.width = width;
  return opts;
}

/** `ps --zombies`: each zombie with the parent that has not waited for it. */
export function formatZombies(v: ProcsView): { text: string; rows: ReturnType<typeof zombieRows> } {
  const rows = zombieRows(v);
  if (rows.length === 0) return { text: 'no zombies\n', rows };
  const text = table(['PID', 'COMMAND', 'PPID', 'PARENT', 'JOB'], rows.map((z) => [
    String(z.pid), `${z.comm} <defunct>`, z.parent ? String(z.parent.pid) : '-', z.parent?.comm ?? '-', z.job != null ? `%${z.job}` : '-',
  ]), ['PID', 'PPID']);
  return { text: `${text}\n`, rows };
}

function zombieRows(v: ProcsView): { pid: number; comm: string; startTime: number; parent: { pid: number; comm: string } | null; job: number | null }[] {
  return findZombies(v.procs).map((z) => ({ ...z, job: v.owner[String(z.pid)] ?? null }));
}

/** appinit ps [-e] [-f] [-l] [-o COLS] [--json] [--zombies] */
export async function psCommand(given: PsCommandOptions): Promise<number> {
  const bsd = given.bsd != null ? bsdChoice(given.bsd) : null;
  const o: PsCommandOptions = bsd ? { ...given, every: given.every || bsd.every || bsd.ttyOnly } : given;
  const columns = o.format && o.format.length > 0 ? splitColumns(o.format) : undefined;
  const format = formatOf(o, bsd);
  const needs = o.zombies ? { cmdline: false, wchan: false } : o.json ? { cmdline: true, wchan: false } : psReadNeeds({ format, columns });
  const chosen = o.every ? null : selection(o);
  const c = await client();
  const v = await c.procs({ all: !!o.every || chosen != null, ...needs });
  if (bsd?.ttyOnly && !given.every) v.procs = v.procs.filter((p) => p.ttyNr !== 0);
  if (chosen) v.procs = v.procs.filter(chosen);
  if (o.zombies && columns) {
    // --zombies -o COLS: the zombies, in the columns asked for (as ps -o of their pids).
    const z = new Set(zombieRows(v).map((x) => x.pid));
    v.procs = v.procs.filter((p) => z.has(p.pid));
  } else if (o.zombies) {
    const z = formatZombies(v);
    process.stdout.write(o.json ? `${JSON.stringify(z.rows, null, 2)}\n` : z.text);
    // The advice is for the person, not for what reads the table.
    if (!o.json && z.rows.length) process.stderr.write('appinit: a zombie stays until its parent waits for it: fix or end the parent (ending it lets init reap the zombie)\n');
    return EXIT.ok;
  }
  const width = screenWidth(!!(bsd?.wide || o.wide));
  let opts: PsOptions;
  try {
    opts = psOptions(v, o, width, bsd);
    process.stdout.write(o.json ? `${JSON.stringify(psJson(v.procs, opts), null, 2)}\n` : formatPs(v.procs, opts));
    // As procps: a selection that found nothing prints the header alone (with --json: []) and exits 1.
    if (chosen && v.procs.length === 0) return EXIT.failure;
  } catch (err) {
    if (err instanceof PsFormatError) throw new CliError(`ps: ${err.message}`, EXIT.usage);
    throw err;
  }
  return EXIT.ok;
}
