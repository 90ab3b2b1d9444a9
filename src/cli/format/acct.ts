// Accounting records as a table, in the spirit of lastcomm.
import type { AcctRecord } from '../../store/records.js';
import { lookupUser } from '../../os/proc/index.js';
import { table } from './table.js';
import { localTime } from './units.js';
import { shortSignalName } from '../../core/supervisor/termination.js';

/** How a record's process ended: `exit(3)`, `signal 9 (KILL)`, or the note. */
export function recordEnd(r: AcctRecord): string {
  if (r.note) return r.note;
  if (r.signal != null) return `signal ${r.signal} (${shortSignalName(r.signal)})${r.core ? ', core dumped' : ''}`;
  return `exit(${r.exitCode})`;
}

function time(s: number | null): string {
  return s == null ? '-' : localTime(s * 1000);
}

/** Formats records, newest last. */
export function formatAcct(records: AcctRecord[]): string {
  if (records.length === 0) return 'no accounting records';
  const rows = records.map((r) => [
    time(r.end),
    r.program ?? '-',
    r.job != null ? String(r.job) : '-',
    String(r.pid),
    r.comm,
    r.uid != null ? lookupUser(r.uid)?.name ?? String(r.uid) : '-',
    r.flags || '-',
    (r.start != null ? r.end - r.start : 0).toFixed(2),
    r.utime.toFixed(2),
    r.stime.toFixed(2),
    String(r.maxrss),
    recordEnd(r),
  ]);
  return table(['END', 'PROGRAM', 'JOBID', 'PID', 'COMMAND', 'USER', 'FLAGS', 'REAL', 'USER_S', 'SYS_S', 'MAXRSS_KB', 'STATUS'], rows,
    ['JOBID', 'PID', 'REAL', 'USER_S', 'SYS_S', 'MAXRSS_KB']);
}
