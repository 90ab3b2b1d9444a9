// ps column definitions: header, width and justification from procps-ng 4's format_array,
// values computed as procps computes them (lifetime %CPU, TIME truncated to seconds, ...).
import type { ProcInfo, PsSystem } from '../../os/proc/types.js';
import type { Justify, LayoutColumn } from './ps-layout.js';
import { cellWidth, cutToCells } from '../format/width.js';
import {
  argsText, cpuTimeText, elapsedText, escapeText, longStartText, startTimeText, ttyName,
} from './text.js';


/** Everything a column renderer may consult. */
export interface PsContext {
  sys: Required<PsSystem>;
  userName: (uid: number) => string | undefined;
}

/** A column definition before its width is fixed (pid columns follow pid_max). */
export interface ColumnDef {
  header: string;
  width: number;
  justify: Justify;
  pidmax?: boolean;
  value: (p: ProcInfo, ctx: PsContext) => string;
}

function elapsed(p: ProcInfo, ctx: PsContext): number {
  const e = ctx.sys.uptime - p.startTime / ctx.sys.hz;
  return e > 0 ? e : 0;
}

/** Lifetime cpu use in per-mille: (utime+stime) * 1000 / elapsed ticks, as pr_pcpu. */
function permille(p: ProcInfo, ctx: PsContext): number {
  const jiffies = Math.floor(elapsed(p, ctx) * ctx.sys.hz);
  return jiffies > 0 ? Math.floor(((p.utime + p.stime) * 1000) / jiffies) : 0;
}

function startEpoch(p: ProcInfo, ctx: PsContext): number {
  return ctx.sys.btime + Math.floor(p.startTime / ctx.sys.hz);
}

function user(p: ProcInfo, ctx: PsContext): string {
  return ctx.userName(p.euid) ?? String(p.euid);
}

function statText(p: ProcInfo): string {
  let s = p.state;
  if (p.nice < 0) s += '<';
  if (p.nice > 0) s += 'N';
  if (p.locked) s += 'L';
  if (p.sid === p.pid) s += 's';
  if (p.numThreads > 1) s += 'l';
  if (p.pgid === p.tpgid) s += '+';
  return s;
}

function wchanText(p: ProcInfo): string {
  if (p.wchan === '') return '?';
  if (p.wchan.startsWith('0')) return '-';
  return p.wchan.replace(/^\./, '').replace(/^_+/, '');
}

// SCHED_OTHER (0) and SCHED_BATCH (3) are the only policies where nice means anything.
function niceText(p: ProcInfo): string {
  return p.policy === 0 || p.policy === 3 ? String(p.nice) : '-';
}

const pidCol = (header: string, get: (p: ProcInfo) => number): ColumnDef => ({
  header, width: 5, justify: 'right', pidmax: true, value: (p) => String(get(p)),
});

const commCol = (header: string): ColumnDef => ({ header, width: 15, justify: 'unlimited', value: (p) => escapeText(p.comm) });
const argsCol = (header: string): ColumnDef => ({ header, width: 27, justify: 'unlimited', value: (p) => argsText(p) });

/** The columns `-o` accepts, keyed by procps' specifier names. */
export const COLUMNS: Readonly<Record<string, ColumnDef>> = {
  pid: pidCol('PID', (p) => p.pid),
  ppid: pidCol('PPID', (p) => p.ppid),
  pgid: pidCol('PGID', (p) => p.pgid),
  pgrp: pidCol('PGRP', (p) => p.pgid),
  sid: pidCol('SID', (p) => p.sid),
  sess: pidCol('SESS', (p) => p.sid),
  tpgid: pidCol('TPGID', (p) => p.tpgid),
  user: { header: 'USER', width: 8, justify: 'user', value: user },
  euser: { header: 'EUSER', width: 8, justify: 'user', value: user },
  ruser: { header: 'RUSER', width: 8, justify: 'user', value: (p, c) => c.userName(p.uid) ?? String(p.uid) },
  uid_hack: { header: 'UID', width: 8, justify: 'user', value: user },
  uid: { header: 'UID', width: 5, justify: 'right', value: (p) => String(p.euid) },
  euid: { header: 'EUID', width: 5, justify: 'right', value: (p) => String(p.euid) },
  ruid: { header: 'RUID', width: 5, justify: 'right', value: (p) => String(p.uid) },
  gid: { header: 'GID', width: 5, justify: 'right', value: (p) => String(p.egid) },
  tty: { header: 'TT', width: 8, justify: 'left', value: (p) => ttyName(p.ttyNr) },
  tt: { header: 'TT', width: 8, justify: 'left', value: (p) => ttyName(p.ttyNr) },
  tname: { header: 'TTY', width: 8, justify: 'left', value: (p) => ttyName(p.ttyNr) },
  stat: { header: 'STAT', width: 4, justify: 'left', value: statText },
  s: { header: 'S', width: 1, justify: 'left', value: (p) => p.state },
  state: { header: 'S', width: 1, justify: 'left', value: (p) => p.state },
  f: { header: 'F', width: 1, justify: 'right', value: (p) => String((p.flags >>> 6) & 7) },
  flags: { header: 'F', width: 1, justify: 'right', value: (p) => String((p.flags >>> 6) & 7) },
  time: { header: 'TIME', width: 8, justify: 'right', value: (p, c) => cpuTimeText((p.utime + p.stime) / c.sys.hz) },
  cputime: { header: 'TIME', width: 8, justify: 'right', value: (p, c) => cpuTimeText((p.utime + p.stime) / c.sys.hz) },
  // The BSD formats' (aux, ax) TIME: minutes:seconds, as procps' pr_bsdtime "%3u:%02u".
  bsdtime: { header: 'TIME', width: 6, justify: 'right', value: (p, c) => bsdTimeText(Math.floor((p.utime + p.stime) / c.sys.hz)) },
  etime: { header: 'ELAPSED', width: 11, justify: 'right', value: (p, c) => elapsedText(elapsed(p, c)) },
  etimes: { header: 'ELAPSED', width: 7, justify: 'right', value: (p, c) => String(Math.floor(elapsed(p, c))) },
  pcpu: { header: '%CPU', width: 4, justify: 'right', value: pcpuText },
  '%cpu': { header: '%CPU', width: 4, justify: 'right', value: pcpuText },
  c: { header: 'C', width: 2, justify: 'right', value: (p, c) => String(Math.min(99, Math.floor(permille(p, c) / 10))) },
  pmem: { header: '%MEM', width: 4, justify: 'right', value: pmemText },
  '%mem': { header: '%MEM', width: 4, justify: 'right', value: pmemText },
  rss: { header: 'RSS', width: 5, justify: 'right', value: (p, c) => String((p.rss * c.sys.pageSize) / 1024) },
  rssize: { header: 'RSS', width: 5, justify: 'right', value: (p, c) => String((p.rss * c.sys.pageSize) / 1024) },
  vsz: { header: 'VSZ', width: 6, justify: 'right', value: (p) => String(Math.floor(p.vsize / 1024)) },
  vsize: { header: 'VSZ', width: 6, justify: 'right', value: (p) => String(Math.floor(p.vsize / 1024)) },
  sz: { header: 'SZ', width: 5, justify: 'right', value: (p, c) => String(Math.floor(p.vsize / c.sys.pageSize)) },
  comm: commCol('COMMAND'),
  ucomm: commCol('COMMAND'),
  ucmd: commCol('CMD'),
  args: argsCol('COMMAND'),
  command: argsCol('COMMAND'),
  cmd: argsCol('CMD'),
  nice: { header: 'NI', width: 3, justify: 'right', value: niceText },
  ni: { header: 'NI', width: 3, justify: 'right', value: niceText },
  pri: { header: 'PRI', width: 3, justify: 'right', value: (p) => String(39 - p.priority) },
  opri: { header: 'PRI', width: 3, justify: 'right', value: (p) => String(60 + p.priority) },
  priority: { header: 'PRI', width: 3, justify: 'right', value: (p) => String(p.priority) },
  nlwp: { header: 'NLWP', width: 4, justify: 'right', value: (p) => String(p.numThreads) },
  stime: { header: 'STIME', width: 5, justify: 'right', value: (p, c) => startTimeText(startEpoch(p, c), c.sys.nowMs) },
  start_time: { header: 'START', width: 5, justify: 'right', value: (p, c) => startTimeText(startEpoch(p, c), c.sys.nowMs) },
  start: { header: 'STARTED', width: 8, justify: 'right', value: (p, c) => startedText(startEpoch(p, c), c.sys.nowMs) },
  lstart: { header: 'STARTED', width: 24, justify: 'right', value: (p, c) => longStartText(startEpoch(p, c)) },
  wchan: { header: 'WCHAN', width: 6, justify: 'wchan', value: wchanText },
  addr: { header: 'ADDR', width: 4, justify: 'right', value: () => '-' },
  // -l's ADDR is procps' 1-wide "addr_1", which is why its SZ header sits right after it.
  addr_1: { header: 'ADDR', width: 1, justify: 'left', value: () => '-' },
};

function bsdTimeText(sec: number): string {
  return `${String(Math.floor(sec / 60)).padStart(3, ' ')}:${String(sec % 60).padStart(2, '0')}`;
}

// procps' pr_start: HH:MM:SS within a day of now, else "Mon DD" (ctime's day with a leading 0).
function startedText(startSec: number, nowMs: number): string {
  const d = new Date(startSec * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (startSec + 24 * 3600 < nowMs / 1000) return `${MONTH_NAMES[d.getMonth()]} ${two(d.getDate())}`;
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pcpuText(p: ProcInfo, ctx: PsContext): string {
  const pm = permille(p, ctx);
  return pm > 999 ? String(Math.floor(pm / 10)) : `${Math.floor(pm / 10)}.${pm % 10}`;
}

function pmemText(p: ProcInfo, ctx: PsContext): string {
  const rssKb = (p.rss * ctx.sys.pageSize) / 1024;
  let pm = ctx.sys.memTotalKb > 0 ? Math.floor((rssKb * 1000) / ctx.sys.memTotalKb) : 0;
  if (pm > 999) pm = 999;
  return `${String(Math.floor(pm / 10)).padStart(2, ' ')}.${pm % 10}`;
}

/** Builds a layout column from a definition, applying pid_max width and a header override. */
export function toLayout(def: ColumnDef, ctx: PsContext, header?: string): LayoutColumn<ProcInfo> {
  let width = def.pidmax ? Math.max(ctx.sys.pidDigits, def.header.length) : def.width;
  const head = header ?? def.header;
  if (header !== undefined) width = Math.max(width, header.length);
  const render = (p: ProcInfo, room: number): string => {
    const text = def.value(p, ctx);
    if (def.justify === 'unlimited' || def.justify === 'wchan') return cutToCells(text, room);
    // procps' do_pr_name: a name too long for its column keeps room-1 cells and a '+'.
    if (def.justify === 'user' && cellWidth(text) > room && !/^\d+$/.test(text) && room >= 1) return `${cutToCells(text, room - 1)}+`;
    return text;
  };
  return { header: head, width, justify: def.justify, render };
}

export type { PsSystem };
