// Accounting records as a table, in the spirit of lastcomm.
import type { AcctRecord } from '../../store/records.js';
import { lookupUser } from '../../os/proc/index.js';
import { table } from './table.js';
import { localTime } from './units.js';
import { shortSignalName } from '../../core/supervisor/termination.js';

/** How a record's process ended: `exit(3)`, `signal 9 (KILL)`, the note when the end is not
 *  known, both when it is (`signal 15 (TERM); reaped by the daemon (...)`: wait4 gave the status). */
export function recordEnd(r: AcctRecord): string {
  const end = r.signal != null ? `signal ${r.signal} (${shortSignalName(r.signal)})${r.core ? ', core dumped' : ''}`
    : r.exitCode != null ? `exit(${r.exitCode})` : null;
  // The OOM killer's SIGKILL in status's words (`signal 9 (KILL), out of memory`); other notes say how the end was known.
  if (end && r.note === 'out of memory') return `${end}, ${r.note}`;
  if (end && r.note) return `${end}; ${r.note}`;
  return end ?? r.note ?? 'unknown';
}

function time(s: number | null): string {
  return s == null ? '-' : localTime(s * 1000);
}

/** A tty_nr (/proc's device encoding) as lastcomm names it: pts/3, tty1, ttyS0, or major:minor; '-' for none. */
export function ttyName(ttyNr: number | null | undefined): string {
  if (!ttyNr) return '-';
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5 && minor === 0) return 'tty';
  return `${major}:${minor}`;
}

const kb = (v: number | null | undefined) => (v == null ? '-' : String(Math.round(v)));

// The %N the daemon added (RecordView.number), while the job is still there.
function jobNumber(r: AcctRecord & { number?: number | null }): string {
  return r.number != null ? `%${r.number}` : '-';
}

/** Formats records, newest last. JOB is the job's %N while the job is still there (`-` once it
 *  is gone: its number may name another job by then); --json has the job's id in `job`. */
export function formatAcct(records: AcctRecord[]): string {
  if (records.length === 0) return 'no accounting records';
  const rows = records.map((r) => [
    time(r.end),
    r.program ?? '-',
    jobNumber(r),
    String(r.pid),
    r.comm,
    r.uid != null ? lookupUser(r.uid)?.name ?? String(r.uid) : '-',
    r.source === 'taskstats' ? ttyName(r.tty) : '-',
    r.flags || '-',
    (r.elapsed ?? (r.start != null ? r.end - r.start : 0)).toFixed(2),
    r.utime.toFixed(2),
    r.stime.toFixed(2),
    kb(r.avgmem),
    String(r.maxrss),
    r.rchar == null && r.wchar == null ? '-' : kb(((r.rchar ?? 0) + (r.wchar ?? 0)) / 1024),
    recordEnd(r),
  ]);
  return table(['END', 'PROGRAM', 'JOB', 'PID', 'COMMAND', 'USER', 'TTY', 'FLAGS', 'REAL', 'USER_S', 'SYS_S', 'AVGMEM_KB', 'MAXRSS_KB', 'IO_KB', 'STATUS'], rows,
    ['JOB', 'PID', 'REAL', 'USER_S', 'SYS_S', 'AVGMEM_KB', 'MAXRSS_KB', 'IO_KB']);
}
