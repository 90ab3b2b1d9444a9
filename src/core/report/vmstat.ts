// vmstat from snapshots, procps-ng 4.0.2 layout (no `gu` column). `a === null` means "since
// boot", as vmstat's first line.
import type { CpuTimes, SystemSnapshot } from '../../os/proc/types.js';

/** vmstat's two header lines. */
export const VMSTAT_HEADER = 'procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n'
  + ' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n';

const WIDTHS = [2, 2, 6, 6, 6, 6, 4, 4, 5, 5, 4, 4, 2, 2, 2, 2, 2];

function cpuParts(t: CpuTimes): [number, number, number, number, number] {
  return [t.user + t.nice, t.system + t.irq + t.softirq, t.idle, t.iowait, t.steal];
}

/** One vmstat line (with the header first when asked), rates over the interval or since boot. */
export function formatVmstat(a: SystemSnapshot | null, b: SystemSnapshot, intervalMs: number, header: boolean, pageSize = 4096, hz = 100): string {
  const kbPerPage = pageSize / 1024;
  const now = cpuParts(b.stat.total);
  const prev = a ? cpuParts(a.stat.total) : [0, 0, 0, 0, 0];
  const cpu = now.map((v, i) => Math.max(0, v - (prev[i] ?? 0)));
  let div = cpu.reduce((s, v) => s + v, 0);
  if (div === 0) {
    div = 1;
    cpu[2] = 1;
  }
  const half = Math.floor(div / 2);
  const counters = (s: SystemSnapshot): number[] => [
    s.vm.pswpin * kbPerPage, s.vm.pswpout * kbPerPage, s.vm.pgpgin, s.vm.pgpgout, s.stat.intr, s.stat.ctxt,
  ];
  let rates: number[];
  if (a === null) {
    // vmstat's first line divides by cpu-seconds since boot (summed over cpus), not uptime.
    rates = counters(b).map((v) => Math.floor((v * hz + half) / div));
  } else {
    const sec = intervalMs > 0 ? intervalMs / 1000 : 1;
    const before = counters(a);
    rates = counters(b).map((v, i) => Math.floor((Math.max(0, v - (before[i] ?? 0)) + Math.floor(sec / 2)) / sec));
  }
  const m = b.mem;
  const values = [
    b.stat.procsRunning, b.stat.procsBlocked,
    m.swapTotal - m.swapFree, m.memFree, m.buffers, m.cached + m.sReclaimable,
    ...rates,
    ...cpu.map((v) => Math.floor((100 * v + half) / div)),
  ];
  const line = values.map((v, i) => String(v).padStart(WIDTHS[i] ?? 2)).join(' ');
  return `${header ? VMSTAT_HEADER : ''}${line}\n`;
}

/** vmstat -t: the header's extra columns; `zone` is the time zone's abbreviation (procps prints %Z). */
export function vmstatTimestampHeader(zone: string): string {
  const [top, names] = VMSTAT_HEADER.split('\n');
  return `${top} -----timestamp-----\n${names} ${zone.padStart(19)}\n`;
}

/** vmstat -t: what follows each line, local time as `YYYY-MM-DD HH:MM:SS`. */
export function vmstatTimestamp(at: Date): string {
  const p = (v: number) => String(v).padStart(2, '0');
  return ` ${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())} ${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())}`;
}

/** vmstat -s: the event counters and memory statistics, one `%13lu` value and its name a line (procps-ng 4.0.2). */
export function vmstatCounters(s: SystemSnapshot): [number, string][] {
  const m = s.mem;
  const t = s.stat.total;
  return [
    [m.memTotal, 'K total memory'],
    [m.memTotal - m.memAvailable, 'K used memory'], // procps 4: total - available
    [m.active ?? 0, 'K active memory'],
    [m.inactive ?? 0, 'K inactive memory'],
    [m.memFree, 'K free memory'],
    [m.buffers, 'K buffer memory'],
    [m.cached + m.sReclaimable, 'K swap cache'],
    [m.swapTotal, 'K total swap'],
    [m.swapTotal - m.swapFree, 'K used swap'],
    [m.swapFree, 'K free swap'],
    [t.user, 'non-nice user cpu ticks'],
    [t.nice, 'nice user cpu ticks'],
    [t.system, 'system cpu ticks'],
    [t.idle, 'idle cpu ticks'],
    [t.iowait, 'IO-wait cpu ticks'],
    [t.irq, 'IRQ cpu ticks'],
    [t.softirq, 'softirq cpu ticks'],
    [t.steal, 'stolen cpu ticks'],
    [t.guest, 'non-nice guest cpu ticks'],
    [t.guestNice, 'nice guest cpu ticks'],
    [s.vm.pgpgin, 'K paged in'],
    [s.vm.pgpgout, 'K paged out'],
    [s.vm.pswpin, 'pages swapped in'],
    [s.vm.pswpout, 'pages swapped out'],
    [s.stat.intr, 'interrupts'],
    [s.stat.ctxt, 'CPU context switches'],
    [s.stat.btime, 'boot time'],
    [s.stat.processes, 'forks'],
  ];
}

/** vmstat -s as text. */
export function formatVmstatCounters(s: SystemSnapshot): string {
  return vmstatCounters(s).map(([v, name]) => `${String(v).padStart(13)} ${name}\n`).join('');
}
