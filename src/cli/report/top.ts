// `top -b` from two snapshots: the summary lines as procps-ng 4 prints them, then the task
// table. Process %CPU is the tick delta over the interval (Irix mode: 100% = one cpu).
import type { CpuTimes, ProcInfo, SystemSnapshot } from '../../os/proc/types.js';
import { clockText, escapeText, fixed } from './text.js';
import { makeNum, makeStr, scaleMem, scalePercent, scaleTics } from './top-scale.js';

/** Options for formatTopBatch. */
export interface TopOptions {
  /** Sort key, descending as top sorts (cpu: %CPU, mem: RES, time: TIME+, pid). Default cpu. */
  sort?: 'cpu' | 'mem' | 'time' | 'pid';
  /** Show only these pids (top -p, -u, -j narrowed). */
  pids?: ReadonlySet<number>;
  /** top -p's pids: the Tasks line counts only these, as procps top does in its "monitor pids"
   *  mode (-u and -j narrow the table only; the summary still counts every task). */
  counted?: ReadonlySet<number>;
  /** Screen width; top -b uses 80. COMMAND gets what is left and is cut with '+'. */
  width?: number;
  /** At most this many task rows. */
  maxRows?: number;
  userName?: (uid: number) => string | undefined;
  hz?: number;
  pageSize?: number;
  pidDigits?: number;
}

/** The "up ..." part of top's first line (procps' sprint_uptime). */
export function uptimeText(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  let s = days ? `${days} ${days !== 1 ? 'days' : 'day'}, ` : '';
  const totalMin = Math.floor(seconds / 60);
  const hours = Math.floor(totalMin / 60) % 24;
  const mins = totalMin % 60;
  s += hours ? `${String(hours).padStart(2)}:${String(mins).padStart(2, '0')}, ` : `${mins} min, `;
  return s;
}

/** top's first line: clock, uptime, users, load average. */
export function topTitle(b: SystemSnapshot): string {
  const users = `${String(b.users).padStart(2)} ${b.users > 1 ? 'users' : 'user'},  `;
  const l = b.loadavg;
  return `top - ${clockText(b.wallMs)} up ${uptimeText(b.uptime)}${users}load average: ${fixed(l.one, 2)}, ${fixed(l.five, 2)}, ${fixed(l.fifteen, 2)}`;
}

/** Counts tasks by state as top does: R running, T/t stopped, Z zombie, anything else sleeping. */
export function taskCounts(procs: readonly ProcInfo[]): { total: number; running: number; sleeping: number; stopped: number; zombie: number } {
  let running = 0;
  let stopped = 0;
  let zombie = 0;
  for (const p of procs) {
    if (p.state === 'R') running++;
    else if (p.state === 'T' || p.state === 't') stopped++;
    else if (p.state === 'Z') zombie++;
  }
  return { total: procs.length, running, sleeping: procs.length - running - stopped - zombie, stopped, zombie };
}

function tasksLine(procs: readonly ProcInfo[]): string {
  const c = taskCounts(procs);
  const n = (v: number): string => String(v).padStart(3);
  return `Tasks: ${n(c.total)} total, ${n(c.running)} running, ${n(c.sleeping)} sleeping, ${n(c.stopped)} stopped, ${n(c.zombie)} zombie`;
}

function cpuDelta(a: CpuTimes, b: CpuTimes, k: keyof CpuTimes): number {
  return Math.max(0, b[k] - a[k]);
}

/** top's %Cpu(s) line from two /proc/stat cpu totals; float32 maths as top does it. */
export function cpuLine(a: CpuTimes, b: CpuTimes): string {
  const d = (k: keyof CpuTimes): number => cpuDelta(a, b, k);
  const keys: (keyof CpuTimes)[] = ['user', 'system', 'nice', 'idle', 'iowait', 'irq', 'softirq', 'steal'];
  let total = keys.reduce((s, k) => s + d(k), 0);
  let idle = d('idle');
  if (total < 1) total = idle = 1;
  const scale = Math.fround(100 / Math.fround(total));
  const pct = (v: number): string => fixed(Math.fround(Math.fround(v) * scale), 1).padStart(5);
  return `%Cpu(s):${pct(d('user'))} us,${pct(d('system'))} sy,${pct(d('nice'))} ni,${pct(idle)} id,`
    + `${pct(d('iowait'))} wa,${pct(d('irq'))} hi,${pct(d('softirq'))} si,${pct(d('steal'))} st `;
}

/** top's two memory lines in MiB (procps 4: used = MemTotal - MemAvailable). */
export function memLines(m: SystemSnapshot['mem']): [string, string] {
  const f = (kib: number): string => `${fixed(kib / 1024, 1)} `.padStart(9).slice(0, 9);
  const used = m.memTotal - m.memAvailable;
  const cache = m.buffers + m.cached + m.sReclaimable;
  const swapUsed = m.swapTotal - m.swapFree;
  return [
    `MiB Mem : ${f(m.memTotal)}total, ${f(m.memFree)}free, ${f(used)}used, ${f(cache)}buff/cache     `,
    `MiB Swap: ${f(m.swapTotal)}total, ${f(m.swapFree)}free, ${f(swapUsed)}used. ${f(m.memAvailable)}avail Mem `,
  ];
}

interface Row {
  p: ProcInfo;
  cpu: number;
  memKb: number;
}

/** Formats one `top -b` frame (summary, blank line, table), each line ending in a newline. */
export function formatTopBatch(a: SystemSnapshot, b: SystemSnapshot, intervalMs: number, opts: TopOptions = {}): string {
  const hz = opts.hz ?? 100;
  const page = opts.pageSize ?? 4096;
  const pidW = Math.max(3, opts.pidDigits ?? 5);
  const width = opts.width ?? 80;
  const seconds = intervalMs > 0 ? intervalMs / 1000 : 1;
  const before = new Map<number, ProcInfo>();
  for (const p of a.procs) before.set(p.pid, p);
  const rows: Row[] = [];
  for (const p of b.procs) {
    if (opts.pids && !opts.pids.has(p.pid)) continue;
    const old = before.get(p.pid);
    // A pid that is new (or reused) since `a` used all its ticks inside the interval.
    const prevTicks = old && old.startTime === p.startTime ? old.utime + old.stime : 0;
    const delta = Math.max(0, p.utime + p.stime - prevTicks);
    rows.push({ p, cpu: (delta * 100) / (hz * seconds), memKb: (p.rss * page) / 1024 });
  }
  const sort = opts.sort ?? 'cpu';
  if (sort === 'cpu') rows.sort((x, y) => y.cpu - x.cpu);
  else if (sort === 'mem') rows.sort((x, y) => y.memKb - x.memKb);
  else if (sort === 'time') rows.sort((x, y) => y.p.utime + y.p.stime - (x.p.utime + x.p.stime));
  else rows.sort((x, y) => y.p.pid - x.p.pid);

  const memTotal = b.mem.memTotal;
  const fixedCols = [pidW, 8, 3, 3, 7, 6, 6, 1, 5, 5, 9];
  // top keeps the last screen column free (a full line would wrap on many terminals).
  const commandWidth = Math.max(1, width - 1 - fixedCols.reduce((s, w) => s + w + 1, 0));
  const header = ['PID'.padStart(pidW), 'USER    ', ' PR', ' NI', '   VIRT', '   RES', '   SHR', 'S', ' %CPU', ' %MEM', '    TIME+', 'COMMAND'].join(' ');
  const lines = [
    topTitle(b),
    tasksLine(opts.counted ? b.procs.filter((p) => opts.counted!.has(p.pid)) : b.procs),
    cpuLine(a.stat.total, b.stat.total),
    ...memLines(b.mem),
    '',
    header,
  ];
  const shown = opts.maxRows === undefined ? rows : rows.slice(0, opts.maxRows);
  for (const { p, cpu, memKb } of shown) {
    const user = opts.userName?.(p.euid) ?? String(p.euid);
    lines.push([
      makeNum(p.pid, pidW),
      makeStr(user, 8, 'left'),
      p.priority < -99 ? ' rt' : makeNum(p.priority, 3),
      makeNum(p.nice, 3),
      scaleMem(Math.floor(p.vsize / 1024), 7),
      scaleMem(memKb, 6),
      scaleMem((p.shared * page) / 1024, 6),
      p.state,
      scalePercent(cpu, 5),
      scalePercent(memTotal > 0 ? (memKb * 100) / memTotal : 0, 5),
      scaleTics(p.utime + p.stime, hz, 9),
      makeStr(escapeText(p.comm), commandWidth, 'left', false),
    ].join(' '));
  }
  return `${lines.join('\n')}\n`;
}
