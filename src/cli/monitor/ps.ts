// `appinit ps`: the processes of appinit's jobs (or, with -e, of the machine) as procps shows them.
// The two report modules ps needs, not the index: a start loads only what it uses.
import { formatPs, psJson, psReadNeeds, PsFormatError, type PsFormat, type PsOptions } from '../../core/report/ps.js';
import { findZombies } from '../../core/report/zombies.js';
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

function jobLabels(v: ProcsView): Map<number, number> {
  return new Map(Object.entries(v.owner).map(([pid, job]) => [Number(pid), job]));
}

/** The PsOptions for a view: system facts and user names from the daemon. */
export function psOptions(v: ProcsView, o: PsCommandOptions, width: number | undefined): PsOptions {
  const format: PsFormat = o.long ? (o.full ? 'lf' : 'l') : o.full ? 'f' : 'default';
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
export async function psCommand(o: PsCommandOptions): Promise<number> {
  const columns = o.format && o.format.length > 0 ? splitColumns(o.format) : undefined;
  const format: PsFormat = o.long ? (o.full ? 'lf' : 'l') : o.full ? 'f' : 'default';
  const needs = o.zombies ? { cmdline: false, wchan: false } : o.json ? { cmdline: true, wchan: false } : psReadNeeds({ format, columns });
  const c = await client();
  const v = await c.procs({ all: !!o.every, ...needs });
  if (o.zombies) {
    const z = formatZombies(v);
    process.stdout.write(o.json ? `${JSON.stringify(z.rows, null, 2)}\n` : z.text);
    return EXIT.ok;
  }
  const width = process.stdout.isTTY ? process.stdout.columns : undefined;
  let opts: PsOptions;
  try {
    opts = psOptions(v, o, width);
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
