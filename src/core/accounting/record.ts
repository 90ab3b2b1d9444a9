// Accounting records from what the helper saw: one per process it reaped (wait4's figures), and
// one for a leader that ended while nobody was watching.
import { ticksToEpoch } from '../../os/host.js';
import { decodeKernelFlags, decodeStatus, type ExitEvent } from '../../os/helper-protocol.js';
import type { AcctRecord } from '../../store/records.js';
import type { JobCore } from '../supervisor/machine.js';
import { UNKNOWN_END } from '../supervisor/termination.js';

/** The job a record belongs to, as far as accounting cares. */
export type RecordJob = Pick<JobCore, 'spec' | 'pid' | 'startTicks'> & { id: number };

/** The seed's accounting flags: F (forked, no exec), S (used superuser rights), C (core), X (killed by a signal). */
export function acctFlags(kflags: number, core: boolean, signalled: boolean): string {
  const k = decodeKernelFlags(kflags);
  return (k.forkedNoExec ? 'F' : '') + (k.superuser ? 'S' : '') + (core ? 'C' : '') + (signalled ? 'X' : '');
}

/** The record of a process the helper reaped. The leader shows its job's command line. */
export function exitRecord(e: ExitEvent, job: RecordJob | null): AcctRecord {
  const { code, signal, core } = decodeStatus(e.status);
  const isLeader = job != null && e.leader === 1 && job.pid === e.pid;
  return {
    pid: e.pid, ppid: e.ppid, job: job ? job.id : null, program: job ? job.spec.name : null,
    command: isLeader && job ? job.spec.commandText : e.comm, comm: e.comm, uid: e.uid, gid: e.gid,
    start: e.start ? ticksToEpoch(e.start) : null, end: e.end_us / 1e6, utime: e.utime_us / 1e6, stime: e.stime_us / 1e6,
    maxrss: e.maxrss, minflt: e.minflt, majflt: e.majflt, inblock: e.inblock, oublock: e.oublock, nvcsw: e.nvcsw,
    nivcsw: e.nivcsw, exitCode: code, signal, core, flags: acctFlags(e.kflags, core, signal != null), status: e.status, note: null,
  };
}

/** The record of a leader that ended while the daemon and its helper were down: no figures. */
export function unknownEndRecord(job: RecordJob & { pid: number }, nowSec: number): AcctRecord {
  return {
    pid: job.pid, ppid: null, job: job.id, program: job.spec.name, command: job.spec.commandText, comm: job.spec.argv[0] ?? '',
    uid: null, gid: null, start: job.startTicks != null ? ticksToEpoch(job.startTicks) : null, end: nowSec,
    utime: 0, stime: 0, maxrss: 0, minflt: 0, majflt: 0, inblock: 0, oublock: 0, nvcsw: 0, nivcsw: 0, exitCode: null,
    signal: null, core: false, flags: '', status: null, note: UNKNOWN_END.text,
  };
}
