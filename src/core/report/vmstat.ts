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
