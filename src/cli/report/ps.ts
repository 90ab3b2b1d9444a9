// ps as procps-ng 4 prints it, from ProcInfo[]: the SysV formats (plain, -f, -l, -lf) and -o.
// Selection (-e, -p, -u ...) is the caller's: this formats exactly the processes it is given.
import type { ProcInfo } from '../../os/proc/types.js';
import { COLUMNS, toLayout, type PsContext, type PsSystem } from './ps-columns.js';
import { activeColumns, layoutLine, type LayoutColumn } from './ps-layout.js';
import { orderRows, type ForestStyle, type SortKey } from './ps-order.js';
import {
  argsText, cpuTimeText, escapeText, longStartText, ttyName,
} from './text.js';

export type { PsSystem } from './ps-columns.js';

/** The ps formats: plain `ps`, `ps -f`, `ps -l`, `ps -lf`, `ps -j`, `ps -fj`; BSD `ps x` (bsd),
 *  `ps u` (u, as in aux) and `ps j` (bsdj, as in axjf). */
export type PsFormat = 'default' | 'f' | 'l' | 'lf' | 'j' | 'fj' | 'bsd' | 'u' | 'bsdj';

/** Options for formatPs / psJson. */
export interface PsOptions {
  sys: PsSystem;
  format?: PsFormat;
  /** `-o` list: specifiers as procps names them, each optionally `name=Header`. Overrides format. */
  columns?: readonly string[];
  /** uid -> name (from /etc/passwd); unknown uids print as numbers, as ps does. */
  userName?: (uid: number) => string | undefined;
  /** pid -> job number (shown `%3`) or program name: adds a JOB column before the command, when
   *  a header line is printed. */
  jobs?: ReadonlyMap<number, number | string>;
  /** Screen width; unlimited by default, which is what ps does when its output is not a terminal. */
  width?: number;
  /** Print the header line (default true; false also when every -o header is empty). */
  header?: boolean;
  /** `--sort` keys, first the most significant. */
  sort?: readonly SortKey[];
  /** A process forest (`--forest`, BSD f: ascii; `-H`: indent), children under their parents. */
  forest?: ForestStyle | null;
}

const FORMATS: Record<PsFormat, string[]> = {
  default: ['pid', 'tname', 'time', 'ucmd'],
  f: ['uid_hack', 'pid', 'ppid', 'c', 'stime', 'tname', 'time', 'cmd'],
  l: ['f', 's', 'uid', 'pid', 'ppid', 'c', 'opri', 'ni', 'addr_1', 'sz', 'wchan', 'tname', 'time', 'ucmd'],
  lf: ['f', 's', 'uid_hack', 'pid', 'ppid', 'c', 'opri', 'ni', 'addr_1', 'sz', 'wchan', 'stime', 'tname', 'time', 'cmd'],
  j: ['pid', 'pgid', 'sid', 'tname', 'time', 'ucmd'],
  fj: ['uid_hack', 'pid', 'ppid', 'pgid', 'sid', 'c', 'stime', 'tname', 'time', 'cmd'],
  // procps-ng's BSD formats (display.c): `ps ax` and the `u` of `ps aux`.
  bsd: ['pid', 'tname', 'stat', 'bsdtime', 'args'],
  u: ['user', 'pid', '%cpu', '%mem', 'vsz', 'rss', 'tname', 'stat', 'start_time', 'bsdtime', 'args'],
  bsdj: ['ppid', 'pid', 'pgid', 'sid', 'tname', 'tpgid', 'stat', 'uid', 'bsdtime', 'args'],
};

/** Thrown for an unknown -o specifier; the message lists what is accepted. */
export class PsFormatError extends Error {}

function context(opts: PsOptions): PsContext {
  const s = opts.sys;
  return {
    sys: { hz: 100, pageSize: 4096, pidDigits: 5, ...s },
    userName: opts.userName ?? (() => undefined),
  };
}

function jobLabel(v: number | string | undefined): string {
  if (v === undefined) return '-';
  return typeof v === 'number' ? `%${v}` : v;
}

function buildColumns(procs: readonly ProcInfo[], opts: PsOptions, ctx: PsContext, prefixes: ReadonlyMap<ProcInfo, string>): { cols: LayoutColumn<ProcInfo>[]; header: boolean } {
  const specs = opts.columns ?? FORMATS[opts.format ?? 'default'];
  let anyHeader = false;
  const cols = specs.map((spec) => {
    const eq = spec.indexOf('=');
    const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
    const def = COLUMNS[name];
    if (!def) throw new PsFormatError(`unknown ps column "${name}"; expected one of ${Object.keys(COLUMNS).join(', ')}`);
    const header = eq < 0 ? undefined : spec.slice(eq + 1);
    if ((header ?? def.header) !== '') anyHeader = true;
    const col = toLayout(def, ctx, header);
    if (!prefixes.size || !COMMAND_COLUMNS.has(name)) return col;
    // The forest's lines go before the command, in the room the column has (procps' forest_helper).
    const render = col.render;
    return { ...col, render: (p: ProcInfo, room: number) => {
      const pre = prefixes.get(p) ?? '';
      return pre.length >= room ? pre.slice(0, room) : pre + render(p, room - pre.length); // the prefix is ASCII
    } };
  });
  // The JOB column comes with the header line. Output without one (`-o pid=`, `--no-headers`) is
  // for scripts and has exactly the columns asked for, as procps prints them: `kill $(appinit ps
  // -o pid= -C sleep)` gets pids, not `4242 %1` (a shell's `kill %1` is its own job 1).
  const header = anyHeader && opts.header !== false;
  if (opts.jobs && header) {
    const jobs = opts.jobs;
    let width = 3;
    for (const p of procs) width = Math.max(width, jobLabel(jobs.get(p.pid)).length);
    // Before a last command column, so every procps column keeps its place; at the end otherwise
    // (`-o pid` is then `PID JOB`, and `awk '{print $1}'` still gets the pid).
    const last = specs.length ? (specs[specs.length - 1].split('=')[0] ?? '').trim() : '';
    cols.splice(COMMAND_COLUMNS.has(last) ? cols.length - 1 : cols.length, 0, {
      header: 'JOB', width, justify: 'left', render: (p) => jobLabel(jobs.get(p.pid)),
    });
  }
  return { cols, header };
}

// The columns that show a command: the JOB column goes before one that ends a row.
const COMMAND_COLUMNS: ReadonlySet<string> = new Set(['comm', 'ucomm', 'ucmd', 'args', 'command', 'cmd']);

/** Which optional /proc files a ps format needs (cmdline for args/cmd, wchan for WCHAN): pass to readAllProcesses. */
export function psReadNeeds(opts: Pick<PsOptions, 'format' | 'columns'>): { cmdline: boolean; wchan: boolean } {
  const names = (opts.columns ?? FORMATS[opts.format ?? 'default']).map((c) => c.split('=')[0]?.trim());
  return {
    cmdline: names.some((n) => n === 'args' || n === 'cmd' || n === 'command'),
    wchan: names.includes('wchan'),
  };
}

/** Formats processes as procps' ps does; one line per process, each ending in a newline. */
export function formatPs(procs: readonly ProcInfo[], opts: PsOptions): string {
  const ctx = context(opts);
  const { rows, prefixes } = orderRows(procs, ctx, opts.sort ?? [], opts.forest ?? null);
  const { cols, header } = buildColumns(rows, opts, ctx, prefixes);
  const active = activeColumns(cols, opts.width ?? Infinity);
  const lines: string[] = [];
  if (header) lines.push(layoutLine(cols, null, active));
  for (const p of rows) lines.push(layoutLine(cols, p, active));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** One process for `--json`: plain values, units in the names. */
export interface PsJsonRow {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  user: string;
  uid: number;
  tty: string;
  state: string;
  stat: string;
  nice: number;
  priority: number;
  threads: number;
  cpuPercent: number;
  memPercent: number;
  rssKb: number;
  vszKb: number;
  cpuSeconds: number;
  cpuTime: string;
  elapsedSeconds: number;
  started: string;
  startedLocal: string;
  startTime: number;
  comm: string;
  args: string;
  argv: string[];
  job?: number | string;
  depth?: number;
}

/** The same data as formatPs as plain objects (numbers unrounded where ps rounds). */
export function psJson(procs: readonly ProcInfo[], opts: PsOptions): PsJsonRow[] {
  const ctx = context(opts);
  const { hz, pageSize, uptime, btime, memTotalKb } = ctx.sys;
  const stat = COLUMNS.stat as NonNullable<(typeof COLUMNS)['stat']>;
  const { rows, prefixes } = orderRows(procs, ctx, opts.sort ?? [], opts.forest ?? null);
  return rows.map((p) => {
    const elapsed = Math.max(0, uptime - p.startTime / hz);
    const cpuSeconds = (p.utime + p.stime) / hz;
    const rssKb = (p.rss * pageSize) / 1024;
    const startSec = btime + Math.floor(p.startTime / hz);
    const row: PsJsonRow = {
      pid: p.pid,
      ppid: p.ppid,
      pgid: p.pgid,
      sid: p.sid,
      user: ctx.userName(p.euid) ?? String(p.euid),
      uid: p.euid,
      tty: ttyName(p.ttyNr),
      state: p.state,
      stat: stat.value(p, ctx),
      nice: p.nice,
      priority: p.priority,
      threads: p.numThreads,
      cpuPercent: elapsed > 0 ? (cpuSeconds * 100) / elapsed : 0,
      memPercent: memTotalKb > 0 ? (rssKb * 100) / memTotalKb : 0,
      rssKb,
      vszKb: Math.floor(p.vsize / 1024),
      cpuSeconds,
      cpuTime: cpuTimeText(cpuSeconds),
      elapsedSeconds: Math.floor(elapsed),
      started: new Date(startSec * 1000).toISOString(),
      startedLocal: longStartText(startSec),
      startTime: p.startTime,
      comm: escapeText(p.comm),
      args: argsText(p),
      argv: [...p.cmdline],
    };
    const job = opts.jobs?.get(p.pid);
    if (job !== undefined) row.job = job;
    // In a forest, how deep the row is (the prefix's levels), for a tree drawn elsewhere.
    if (opts.forest) row.depth = (prefixes.get(p) ?? '').length / (opts.forest === 'indent' ? 2 : 4);
    return row;
  });
}
