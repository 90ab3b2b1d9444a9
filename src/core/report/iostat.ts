// iostat's device report from snapshots, Debian sysstat 12.6 layout (`Device` ... `kB_dscd`).
// `a === null` means "since boot", as iostat's first report.
import type { DiskStat, SystemSnapshot } from '../../os/proc/types.js';
import { fixed } from './text.js';

/** iostat's device header line. */
export const IOSTAT_HEADER = 'Device             tps    kB_read/s    kB_wrtn/s    kB_dscd/s    kB_read    kB_wrtn    kB_dscd\n';

/** iostat -d: one line per whole device that has ever done I/O (loop and ram devices drop out), then a blank line. */
export function formatIostat(a: SystemSnapshot | null, b: SystemSnapshot, intervalMs: number): string {
  const seconds = a === null ? b.uptime : intervalMs / 1000;
  const before = new Map<string, DiskStat>();
  for (const d of a?.disks ?? []) before.set(d.name, d);
  let out = IOSTAT_HEADER;
  for (const d of b.disks) {
    if (!d.whole || d.reads + d.writes + (d.discards ?? 0) === 0) continue;
    const o = before.get(d.name);
    // sysstat counts discards as transfers too.
    const ios = d.reads + d.writes + (d.discards ?? 0) - (o ? o.reads + o.writes + (o.discards ?? 0) : 0);
    const rd = d.readSectors - (o?.readSectors ?? 0);
    const wr = d.writeSectors - (o?.writeSectors ?? 0);
    const dc = (d.discardSectors ?? 0) - (o?.discardSectors ?? 0);
    const per = (v: number): number => (seconds > 0 ? v / seconds : 0);
    out += `${d.name.padEnd(13)} ${fixed(per(ios), 2).padStart(8)}`
      + [rd, wr, dc].map((s) => ` ${fixed(per(s / 2), 2).padStart(12)}`).join('')
      + [rd, wr, dc].map((s) => ` ${String(Math.floor(s / 2)).padStart(10)}`).join('') + '\n';
  }
  return out + '\n';
}
