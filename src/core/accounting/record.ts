// Accounting records from what the helper saw: the kernel's taskstats for a process of a job
// (its own CPU, exact elapsed time, flags, memory and I/O; when the helper runs as root), or
// wait4's figures for a process the helper reaped, and one for a leader that ended while
// nobody was watching.
import { ticksToEpoch } from '../../os/host.js';
import { decodeKernelFlags, decodeStatus, type ExitEvent, type TaskstatsEvent } from '../../os/helper-protocol.js';
import type { Reaped } from '../../os/reap.js';
import { lookupUser } from '../../os/proc/users.js';
import type { AcctRecord } from '../../store/records.js';
import type { JobCore } from '../supervisor/machine.js';
import { UNKNOWN_END } from '../supervisor/termination.js';

/** The job a record belongs to, as far as accounting cares. */
export type RecordJob = Pick<JobCore, 'spec' | 'pid' | 'startTicks'> & { id: number };

/** The accounting flags as lastcomm and APUE's example print them: F (forked, no exec), S (used superuser rights), D (dumped core), X (killed by a signal). */
export function acctFlags(kflags: number, core: boolean, signalled: boolean): string {
  const k = decodeKernelFlags(kflags);
  return (k.forkedNoExec ? 'F' : '') + (k.superuser ? 'S' : '') + (core ? 'D' : '') + (signalled ? 'X' : '');
}

// The kernel's ac_flag bits (linux/acct.h).
const AFORK = 0x01;
const ASU = 0x02;
const ACORE = 0x08;
const AXSIG = 0x10;

/** ac_flag bits as lastcomm's letters: F (forked, never exec'd), S (superuser), D (dumped core), X (killed by a signal). */
export function flagLetters(acflag: number): string {
  return (acflag & AFORK ? 'F' : '') + (acflag & ASU ? 'S' : '') + (acflag & ACORE ? 'D' : '') + (acflag & AXSIG ? 'X' : '');
}

// A record keeps its job's id even when the job has been forgotten since (it stays attributed).
function jobId(key: string, job: RecordJob | null): number | null {
  if (job) return job.id;
  return /^\d+$/.test(key) ? Number(key) : null;
}

/** The record of a process the helper reaped, from wait4. The leader shows its job's command line. */
export function exitRecord(e: ExitEvent, job: RecordJob | null): AcctRecord {
  const { code, signal, core } = decodeStatus(e.status);
  const isLeader = job != null && e.leader === 1 && job.pid === e.pid;
  const start = e.start ? ticksToEpoch(e.start) : null;
  return {
    pid: e.pid, ppid: e.ppid, job: jobId(e.job, job), program: job ? job.spec.name : null,
    command: isLeader && job ? job.spec.commandText : e.comm, comm: e.comm, uid: e.uid, gid: e.gid,
    start, end: e.end_us / 1e6, utime: e.utime_us / 1e6, stime: e.stime_us / 1e6,
    maxrss: e.maxrss, minflt: e.minflt, majflt: e.majflt, inblock: e.inblock, oublock: e.oublock, nvcsw: e.nvcsw,
    nivcsw: e.nivcsw, exitCode: code, signal, core, flags: acctFlags(e.kflags, core, signal != null), status: e.status, note: null,
    source: 'wait4', elapsed: start != null ? Math.max(0, e.end_us / 1e6 - start) : null,
  };
}

/** The record of one ended process of a job from the kernel's taskstats (threads summed). */
export function taskstatsRecord(t: TaskstatsEvent, job: RecordJob | null): AcctRecord {
  const { code, signal } = decodeStatus(t.status);
  const cpuUs = t.utime_us + t.stime_us;
  // coremem integrates resident MB over CPU µs: divided by the CPU time, the average size.
  // The kernel adds to it at its CPU ticks: a process that ended within one has none (0), and
  // the MB-µs rounding can put it above the peak. An average lies between: 0 or above is the peak.
  const integral = cpuUs > 0 ? Math.round((t.coremem * 1024) / cpuUs) : 0;
  const avgmem = integral > 0 && integral <= t.hiwater_rss ? integral : t.hiwater_rss;
  const isLeader = t.leader === 1 && job != null;
  return {
    pid: t.pid, ppid: t.ppid, job: jobId(t.job, job), program: job ? job.spec.name : null,
    command: isLeader && job ? job.spec.commandText : t.comm, comm: t.comm, uid: t.uid, gid: t.gid,
    start: (t.end_us - t.etime_us) / 1e6, end: t.end_us / 1e6, utime: t.utime_us / 1e6, stime: t.stime_us / 1e6,
    maxrss: t.hiwater_rss, minflt: t.minflt, majflt: t.majflt,
    inblock: Math.floor(t.read_bytes / 512), oublock: Math.floor(Math.max(0, t.write_bytes - t.cancelled_write_bytes) / 512),
    nvcsw: t.nvcsw, nivcsw: t.nivcsw, exitCode: code, signal, core: (t.status & 0x80) !== 0,
    flags: flagLetters(t.acflag), status: t.status, note: null,
    source: 'taskstats', elapsed: t.etime_us / 1e6, tty: t.tty, rchar: t.rchar, wchar: t.wchar, avgmem, vmpeak: t.hiwater_vm,
    threads: t.threads,
  };
}


/** The record of a leader that ended while the daemon and its helper were down: no figures. */
// Who a job's processes run as (its `user:`, else the daemon's user): a record the daemon makes
// itself has no kernel figures to say it, and a record without a user was shown to nobody but
// root (`acct` shows a user the records of their uid).
function runsAs(job: RecordJob): { uid: number | null; gid: number | null } {
  if (job.spec.user == null) return { uid: process.getuid?.() ?? null, gid: process.getgid?.() ?? null };
  const u = lookupUser(job.spec.user);
  return u ? { uid: u.uid, gid: u.gid } : { uid: null, gid: null };
}

export function unknownEndRecord(job: RecordJob & { pid: number }, nowSec: number): AcctRecord {
  return {
    pid: job.pid, ppid: null, job: job.id, program: job.spec.name, command: job.spec.commandText, comm: job.spec.argv[0] ?? '',
    ...runsAs(job), start: job.startTicks != null ? ticksToEpoch(job.startTicks) : null, end: nowSec,
    utime: 0, stime: 0, maxrss: 0, minflt: 0, majflt: 0, inblock: 0, oublock: 0, nvcsw: 0, nivcsw: 0, exitCode: null,
    signal: null, core: false, flags: '', status: null, note: UNKNOWN_END.text,
  };
}

/** The record of a process the daemon reaped itself (its helper was gone): wait4's figures. */
export function reapedRecord(job: RecordJob, pid: number, r: Reaped, nowSec: number): AcctRecord {
  const { code, signal, core } = decodeStatus(r.status);
  const isLeader = job.pid === pid;
  return {
    pid, ppid: null, job: job.id, program: job.spec.name, command: isLeader ? job.spec.commandText : job.spec.argv[0] ?? '',
    comm: (job.spec.argv[0] ?? '').split('/').pop()!.slice(0, 15), ...runsAs(job),
    start: isLeader && job.startTicks != null ? ticksToEpoch(job.startTicks) : null, end: nowSec,
    utime: r.utimeUs / 1e6, stime: r.stimeUs / 1e6, maxrss: r.maxrss, minflt: r.minflt, majflt: r.majflt, inblock: r.inblock,
    oublock: r.oublock, nvcsw: r.nvcsw, nivcsw: r.nivcsw, exitCode: code, signal, core, flags: acctFlags(0, core, signal != null),
    status: r.status, note: 'reaped by the daemon (its supervise helper was gone)',
  };
}
