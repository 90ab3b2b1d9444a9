// Accounting: one record per ended process of a job, in termination order. Where the helper
// runs as root it sends the kernel's taskstats record of every process of every job (also
// those reaped by their own parents); otherwise records come from the helper's wait4 of the
// processes it reaps. A process gets one record either way: the wait4 exit of a process the
// kernel already reported is not recorded again.
import { ticksToEpoch } from '../../os/host.js';
import type { HelloEvent, HelperEvent } from '../../os/helper-protocol.js';
import { hasKernelRecord, noteRecord, type AcctRecord } from '../../store/records.js';
import type { Db } from '../../store/db.js';
import { exitRecord, taskstatsRecord, type RecordJob } from './record.js';
import type { AcctSource } from './source.js';

export { SOURCE_TEXT, type AcctSource } from './source.js';

/** What `info` and `status` say once the kernel dropped accounting messages for the helper: the
 *  kernel says only that its socket overflowed, not how many records went, so the count is of
 *  overflows. */
export function lostText(ev: { exits: number; forks: number }): string {
  const parts = [ev.exits ? `records of ended processes (${ev.exits} time${ev.exits === 1 ? '' : 's'})` : '', ev.forks ? `fork events (${ev.forks} time${ev.forks === 1 ? '' : 's'})` : ''].filter(Boolean);
  return `accounting is incomplete: the kernel dropped ${parts.join(' and ')} because processes ended faster than the helper read them; some processes have no record (see supervise.log)`;
}

/** A record's note for a process the kernel's OOM killer took (its status says only SIGKILL). */
export const OOM_NOTE = 'out of memory';

// Bounds the pids remembered for exits still to come (a lost exit must not grow it forever).
const MAX_PENDING = 100_000;

/** Decides which helper events make records; feed it every event, in order. */
export class Accounting {
  // Pids with a kernel record whose wait4 exit is still to come (the helper is their parent).
  private pending = new Set<number>();
  // Pids recorded from wait4 although the kernel reports them (their record came late: the helper
  // drains at most so many per turn), with their start: the late kernel record is not added.
  private waitFirst = new Map<number, number>();

  constructor(private readonly db: Db, private readonly hello: () => HelloEvent | null) {}

  /** Where records come from, as the connected helper said. */
  get source(): AcctSource {
    return this.hello()?.acct ?? 'wait4';
  }

  /** The record a helper event makes, if any. Call in event order, inside the batch's transaction. */
  recordOf(msg: HelperEvent, job: RecordJob | null): AcctRecord | null {
    if (msg.ev === 'taskstats') {
      const start = this.waitFirst.get(msg.pid);
      if (start != null) {
        this.waitFirst.delete(msg.pid);
        if (Math.abs(start - (msg.end_us - msg.etime_us) / 1e6) < 1.5) return null;
      }
      // The helper reaps its own children: leaders (a pty job's through its keeper) and adopted orphans.
      if (msg.leader === 1 || msg.ppid === this.hello()?.pid) {
        if (this.pending.size >= MAX_PENDING) this.pending.clear();
        this.pending.add(msg.pid);
      }
      return taskstatsRecord(msg, job);
    }
    if (msg.ev !== 'exit') return null;
    if (this.pending.delete(msg.pid)) {
      // The kernel's record came first and cannot tell an OOM kill from any SIGKILL: the helper's exit can.
      if (msg.oom === 1) noteRecord(this.db, msg.pid, OOM_NOTE);
      return null;
    }
    // After a daemon restart the kernel's record may be stored already: same pid, same start.
    if (this.source === 'taskstats' && msg.start) {
      const start = ticksToEpoch(msg.start);
      if (hasKernelRecord(this.db, msg.pid, start)) return null;
      if (this.waitFirst.size >= MAX_PENDING) this.waitFirst.clear();
      this.waitFirst.set(msg.pid, start);
    }
    const r = exitRecord(msg, job);
    return msg.oom === 1 ? { ...r, note: OOM_NOTE } : r;
  }
}
