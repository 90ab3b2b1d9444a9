// sysstat's CPU reports, Debian sysstat 12.6 layout in the C locale: the banner line both
// sar and iostat print, `sar -u` rows and its `Average:` line, and iostat's avg-cpu section.
import type { CpuTimes } from '../../os/proc/types.js';
import { fixed, pad0 } from './text.js';

/** What uname says, for the banner (`Linux 6.1.0 (host) ...`). */
export interface HostNames {
  sysname: string;
  release: string;
  nodename: string;
  machine: string;
}

/** The CPU split sysstat shows, in percent. */
export interface CpuPercent {
  user: number;
  nice: number;
  system: number;
  iowait: number;
  steal: number;
  idle: number;
}

/** sysstat's first line: `Linux 6.1.0 (host) \t12/01/26 \t_x86_64_\t(2 CPU)` (%x in the C locale is mm/dd/yy). */
export function sysstatBanner(h: HostNames, at: Date, ncpu: number): string {
  const date = `${pad0(at.getMonth() + 1)}/${pad0(at.getDate())}/${pad0(at.getFullYear() % 100)}`;
  return `${h.sysname} ${h.release} (${h.nodename}) \t${date} \t_${h.machine}_\t(${ncpu} CPU)\n`;
}

/** %X in the C locale: HH:MM:SS, local time. */
export function clockTime(at: Date): string {
  return `${pad0(at.getHours())}:${pad0(at.getMinutes())}:${pad0(at.getSeconds())}`;
}

/**
 * The CPU split between two readings (a null first reading: since boot). As sysstat: system
 * includes hard and soft interrupts, and the total leaves guest time out (it is in user already);
 * sar takes guest time out of user and nice, iostat does not.
 */
export function cpuPercent(a: CpuTimes | null, b: CpuTimes, sar: boolean): CpuPercent {
  const d = (k: keyof CpuTimes) => Math.max(0, b[k] - (a ? a[k] : 0));
  const total = d('user') + d('nice') + d('system') + d('idle') + d('iowait') + d('irq') + d('softirq') + d('steal');
  const pc = (v: number) => (total > 0 ? (100 * Math.max(0, v)) / total : 0);
  return {
    user: pc(sar ? d('user') - d('guest') : d('user')),
    nice: pc(sar ? d('nice') - d('guestNice') : d('nice')),
    system: pc(d('system') + d('irq') + d('softirq')),
    iowait: pc(d('iowait')),
    steal: pc(d('steal')),
    idle: pc(d('idle')),
  };
}

const SAR_COLS = ['%user', '%nice', '%system', '%iowait', '%steal', '%idle'];

/** `sar -u`'s header line, stamped with the first reading's time. */
export function sarHeader(time: string): string {
  return `${time.padEnd(11)}${'CPU'.padStart(8)}${SAR_COLS.map((c) => c.padStart(10)).join('')}\n`;
}

/** One `sar -u` row: a time, or `Average:` for the last line. */
export function sarRow(label: string, p: CpuPercent): string {
  const v = [p.user, p.nice, p.system, p.iowait, p.steal, p.idle];
  return `${label.padEnd(11)}${'all'.padStart(8)}${v.map((x) => fixed(x, 2).padStart(10)).join('')}\n`;
}

/** iostat's avg-cpu section (header, values, blank line). */
export function iostatCpu(p: CpuPercent): string {
  const v = [p.user, p.nice, p.system, p.iowait, p.steal, p.idle];
  return `avg-cpu:  %user   %nice %system %iowait  %steal   %idle\n       ${v.map((x) => fixed(x, 2).padStart(8)).join('')}\n\n`;
}
