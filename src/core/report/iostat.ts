// iostat -d from snapshots, in sysstat's classic kB layout as the shell chapter shows it
// (`Device:` ... `kB_wrtn`). `a === null` means "since boot", as iostat's first report.
import type { DiskStat, SystemSnapshot } from '../../os/proc/types.js';
import { fixed } from './text.js';

/** iostat's device header line. */
export const IOSTAT_HEADER = 'Device:            tps    kB_read/s    kB_wrtn/s    kB_read    kB_wrtn\n';

/** iostat -d: one line per whole device that has ever done I/O (loop and ram devices drop out). */
export function formatIostat(a: SystemSnapshot | null, b: SystemSnapshot, intervalMs: number): string {
  const seconds = a === null ? b.uptime : intervalMs / 1000;
  const before = new Map<string, DiskStat>();
  for (const d of a?.disks ?? []) before.set(d.name, d);
  let out = IOSTAT_HEADER;
  for (const d of b.disks) {
    if (!d.whole || d.reads + d.writes === 0) continue;
    const o = before.get(d.name);
    const ios = d.reads + d.writes - (o ? o.reads + o.writes : 0);
    const rd = d.readSectors - (o?.readSectors ?? 0);
    const wr = d.writeSectors - (o?.writeSectors ?? 0);
    const per = (v: number): number => (seconds > 0 ? v / seconds : 0);
    out += `${d.name.padEnd(13)} ${fixed(per(ios), 2).padStart(8)} ${fixed(per(rd / 2), 2).padStart(12)} `
      + `${fixed(per(wr / 2), 2).padStart(12)} ${String(Math.floor(rd / 2)).padStart(10)} ${String(Math.floor(wr / 2)).padStart(10)}\n`;
  }
  return out;
}
