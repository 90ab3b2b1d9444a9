// `appinit ps`: the processes of appinit's jobs (or, with -e, of the machine) as procps shows them.
// The two report modules ps needs, not the index: a start loads only what it uses.
import { formatPs, psJson, psReadNeeds, PsFormatError, type PsFormat, type PsOptions } from '../../cli/report/ps.js';
import { findZombies } from '../../cli/report/zombies.js';
import type { ProcsView } from '../../client/index.js';
import { client, CliError, EXIT } from '../context.js';
import { table } from '../format/table.js';

/** Options of `appinit ps`. */
export interface PsCommandOptions {
  every?: boolean;
  full?: boolean;
  long?: boolean;
  format?: string[];
  json?: boolean;
  zombies?: boolean;
  headers?: boolean;
  /** BSD option letters (`aux`), as procps takes them without a dash. */
  bsd?: string;
}

/** What BSD letters select and show: every process (a with x), those with a terminal (a), and the format. */
export interface BsdChoice { every: boolean; ttyOnly: boolean; format: PsFormat; wide: boolean }

/** Reads procps' BSD letters (a, u, x, w); any other is a usage error naming what is accepted. */
export function bsdChoice(letters: string): BsdChoice {
  for (const ch of letters) {
    if (!'auxw'.includes(ch)) {
      throw new CliError(`ps: unknown BSD option "${ch}" in "${letters}"; appinit ps takes the letters a, u, x and w (as in ps aux), or -e, -f, -l, -o COLS`, EXIT.usage);
    }
  }
  const a = letters.includes('a');
  const x = letters.includes('x');
  return { every: a && x, ttyOnly: a && !x, format: letters.includes('u') ? 'u' : 'bsd', wide: letters.includes('w') };
}

/**
 * Splits `-o` arguments into specifiers as procps does: commas separate columns, but a
 * header given with `=` runs to the end of its argument (it may hold commas).
 */
export function splitColumns(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    let rest = arg;
    while (rest.length > 0) {
      const comma = rest.indexOf(',');
      const eq = rest.indexOf('=');
      if (eq >= 0 && (comma < 0 || eq < comma)) {
        out.push(rest);
        break;
      }
      if (comma < 0) {
        out.push(rest);
        break;
      }
      if (comma > 0) out.push(rest.slice(0, comma));
      rest = rest.slice(comma + 1);
    }
  }
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

// -f and -l win over BSD letters' format (procps refuses the mix; appinit takes the SysV one).
function formatOf(o: PsCommandOptions, bsd: BsdChoice | null): PsFormat {
  if (o.long) return o.full ? 'lf' : 'l';
  if (o.full) return 'f';
  return bsd ? bsd.format : 'default';
}

function jobLabels(v: ProcsView): Map<number, number> {
  return new Map(Object.entries(v.owner).map(([pid, job]) => [Number(pid), job]));
}

/** The PsOptions for a view: system facts and user names from the daemon. */
export function psOptions(v: ProcsView, o: PsCommandOptions, width: number | undefined, bsd: BsdChoice | null = null): PsOptions {
  const format = formatOf(o, bsd);
  const opts: PsOptions = {
    sys: v.sys,
    format,
    userName: (uid) => v.users[String(uid)],
    header: o.headers !== false,
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
  return { text: `${text}\nA zombie stays until its parent waits for it: fix or end the parent (ending it lets init reap the zombie).\n`, rows };
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
  const c = await client();
  const v = await c.procs({ all: !!o.every, ...needs });
  if (bsd?.ttyOnly && !given.every) v.procs = v.procs.filter((p) => p.ttyNr !== 0);
  if (o.zombies) {
    const z = formatZombies(v);
    process.stdout.write(o.json ? `${JSON.stringify(z.rows, null, 2)}\n` : z.text);
    return EXIT.ok;
  }
  const width = process.stdout.isTTY && !bsd?.wide ? process.stdout.columns : undefined;
  let opts: PsOptions;
  try {
    opts = psOptions(v, o, width, bsd);
    if (o.json) {
      process.stdout.write(`${JSON.stringify(psJson(v.procs, opts), null, 2)}\n`);
      return EXIT.ok;
    }
    process.stdout.write(formatPs(v.procs, opts));
  } catch (err) {
    if (err instanceof PsFormatError) throw new CliError(`ps: ${err.message}`, EXIT.usage);
    throw err;
  }
  return EXIT.ok;
}
