// The order of ps rows: `--sort` keys, and the forest of `--forest`, BSD `f` and `-H`, as
// procps-ng 4's fancy_spew and show_tree make them (display.c), so that the same processes come
// out in the same order with the same prefixes.
import type { ProcInfo } from '../../os/proc/types.js';
import type { PsContext } from './ps-columns.js';

/** How a forest is drawn: ` \_ ` lines (`--forest`, BSD f) or two spaces a level (`-H`). */
export type ForestStyle = 'ascii' | 'indent';

/** One `--sort` key: a procps specifier and its direction (`-pcpu` is descending). */
export interface SortKey {
  name: string;
  descending: boolean;
}

/** Thrown for a sort key ps does not know; the message lists what is accepted. */
export class PsSortError extends Error {}

type Value = (p: ProcInfo, ctx: PsContext) => number | string;

const num = (get: (p: ProcInfo) => number): Value => (p) => get(p);
const userOf = (uid: (p: ProcInfo) => number): Value => (p, c) => c.userName(uid(p)) ?? String(uid(p));
// Lifetime CPU in per-mille of the elapsed time, as %CPU and C show it.
const pcpu: Value = (p, c) => {
  const ticks = Math.floor(Math.max(0, c.sys.uptime - p.startTime / c.sys.hz) * c.sys.hz);
  return ticks > 0 ? Math.floor(((p.utime + p.stime) * 1000) / ticks) : 0;
};

// The keys procps sorts by, under the names its -o takes (ps(1), STANDARD FORMAT SPECIFIERS).
const KEYS: Readonly<Record<string, Value>> = {
  pid: num((p) => p.pid), ppid: num((p) => p.ppid), pgid: num((p) => p.pgid), pgrp: num((p) => p.pgid),
  sid: num((p) => p.sid), sess: num((p) => p.sid), tpgid: num((p) => p.tpgid),
  uid: num((p) => p.euid), euid: num((p) => p.euid), ruid: num((p) => p.uid), gid: num((p) => p.egid),
  user: userOf((p) => p.euid), euser: userOf((p) => p.euid), ruser: userOf((p) => p.uid),
  tty: num((p) => p.ttyNr), tt: num((p) => p.ttyNr), tname: num((p) => p.ttyNr),
  stat: (p) => p.state, s: (p) => p.state, state: (p) => p.state,
  time: num((p) => p.utime + p.stime), cputime: num((p) => p.utime + p.stime), bsdtime: num((p) => p.utime + p.stime),
  // Elapsed time grows as the start goes back.
  etime: num((p) => -p.startTime), etimes: num((p) => -p.startTime),
  start_time: num((p) => p.startTime), stime: num((p) => p.startTime), start: num((p) => p.startTime), lstart: num((p) => p.startTime),
  pcpu, '%cpu': pcpu, c: pcpu,
  pmem: num((p) => p.rss), '%mem': num((p) => p.rss), rss: num((p) => p.rss), rssize: num((p) => p.rss),
  vsz: num((p) => p.vsize), vsize: num((p) => p.vsize), sz: num((p) => p.vsize),
  comm: (p) => p.comm, ucomm: (p) => p.comm, ucmd: (p) => p.comm,
  args: (p) => p.cmdline.length ? p.cmdline.join(' ') : p.comm, command: (p) => p.cmdline.length ? p.cmdline.join(' ') : p.comm, cmd: (p) => p.cmdline.length ? p.cmdline.join(' ') : p.comm,
  nice: num((p) => p.nice), ni: num((p) => p.nice),
  pri: num((p) => -p.priority), priority: num((p) => p.priority), opri: num((p) => p.priority),
  nlwp: num((p) => p.numThreads),
};

/**
 * Reads `--sort` arguments as procps does: keys separated by commas (or blanks), each with an
 * optional `+` (ascending, the default) or `-` (descending): `-pcpu,+pid`.
 */
export function parseSortKeys(args: readonly string[]): SortKey[] {
  const keys: SortKey[] = [];
  for (const arg of args) {
    const items = arg.split(/[,\s]+/).filter((s) => s !== '');
    if (items.length === 0) throw new PsSortError('--sort: a list of keys must follow, as --sort=-pcpu,pid');
    for (const item of items) {
      const descending = item.startsWith('-');
      const name = item.replace(/^[+-]/, '');
      if (!(name in KEYS)) throw new PsSortError(`--sort: unknown key "${name}"; expected one of ${Object.keys(KEYS).join(', ')} (with - before it for descending, as --sort=-pcpu)`);
      keys.push({ name, descending });
    }
  }
  return keys;
}

function compare(keys: readonly SortKey[], ctx: PsContext): (a: ProcInfo, b: ProcInfo) => number {
  return (a, b) => {
    for (const k of keys) {
      const get = KEYS[k.name] as Value;
      const x = get(a, ctx);
      const y = get(b, ctx);
      const d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
      if (d !== 0) return k.descending ? -d : d;
    }
    return 0;
  };
}

/** The rows in order, and each row's forest prefix for its command column (none without a forest). */
export function orderRows(procs: readonly ProcInfo[], ctx: PsContext, sort: readonly SortKey[], forest: ForestStyle | null): { rows: ProcInfo[]; prefixes: Map<ProcInfo, string> } {
  const prefixes = new Map<ProcInfo, string>();
  if (!forest) return { rows: sort.length ? [...procs].sort(compare(sort, ctx)) : [...procs], prefixes };
  // procps sorts by the user's keys (start time without any), then by parent: children of one
  // process are together, in the user's order.
  const arr = [...procs].sort(compare([{ name: 'ppid', descending: false }, ...(sort.length ? sort : [{ name: 'start_time', descending: false }])], ctx));
  const firstChild = new Map<number, number>();
  arr.forEach((p, i) => { if (!firstChild.has(p.ppid)) firstChild.set(p.ppid, i); });
  const pids = new Set(arr.map((p) => p.pid));
  const rows: ProcInfo[] = [];
  const marks: string[] = [];
  const draw = (): string => marks.map((m) => (forest === 'indent' ? '  ' : m === ' ' ? '    ' : m === '|' ? ' |  ' : ' \\_ ')).join('');
  const showTree = (i: number, level: number, haveSibling: boolean): void => {
    const self = arr[i] as ProcInfo;
    if (level) marks[level - 1] = haveSibling ? '+' : 'L';
    marks.length = level;
    rows.push(self);
    prefixes.set(self, draw());
    const first = firstChild.get(self.pid);
    if (first === undefined || level >= 100) return;
    if (level) marks[level - 1] = haveSibling ? '|' : ' ';
    for (let j = first; j < arr.length; j++) {
      const more = j + 1 < arr.length && (arr[j + 1] as ProcInfo).ppid === self.pid;
      showTree(j, level + 1, more);
      marks.length = level;
      if (!more) break;
    }
  };
  // Trees are the processes whose parent is not shown, last first (procps walks the array down).
  for (let i = arr.length - 1; i >= 0; i--) if (!pids.has((arr[i] as ProcInfo).ppid)) showTree(i, 0, false);
  return { rows, prefixes };
}
