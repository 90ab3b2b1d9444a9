// Monitoring endpoints: processes (ps, pstree), snapshots (top, stat), signals to a pid (top's
// `k`), the sampled history of jobs, and times. The daemon reads /proc; callers format.
import { parseSignal } from '../../config/signals.js';
import { jobProcesses, type JobRef } from '../../core/monitor/jobs.js';
import type { Job } from '../../core/supervisor/runtime.js';
import {
  clockTicks, pageSize, pidDigits, readAllProcesses, readCpuStat, readMeminfo, readProcess, readSystemSnapshot, readUptime,
  userName, withDescendants, type ProcInfo,
} from '../../os/proc/index.js';
import { mayKill, sendSignal } from '../../os/host.js';
import { childTimesByProgram, childTimesTotal, jobHistory } from '../../store/monitor.js';
import { ApiError } from '../errors.js';
import { queryFlag } from '../input.js';
import { select, visible, type ApiContext, type ApiRequest, type RouteTable } from '../routes.js';
import type { HistoryView, ProcsView, SignalPidResult, SnapshotView, TimesView } from './views.js';

/** What the sampler service tells the routes (the daemon keeps it under the module's name). */
export interface SamplerInfo {
  intervalMs: number;
  keep: number;
  /** Calls `listener` with every tick's samples (as they are taken; they are stored in batches). */
  onSamples(listener: (samples: import('../../store/monitor.js').JobSample[]) => void): void;
  /** Stores the samples taken and not yet stored (before the store's history is read). */
  flush?(): void;
}

/** The caller's jobs that have processes, as the monitor sees them. */
function jobRefs(ctx: ApiContext, req: ApiRequest): JobRef[] {
  const jobs = visible(ctx, req, [...ctx.sup.jobs.values()]) as Job[];
  const out: JobRef[] = [];
  for (const j of jobs.sort((a, b) => a.number - b.number)) {
    if (j.pid == null && j.others.size === 0) continue;
    out.push({ job: j.number, name: j.spec.name, leader: j.pid, leaderStart: j.startTicks, adopted: [...j.others].sort((a, b) => a - b) });
  }
  return out;
}

/** The helper, the jobs' leaders and adopted orphans, and all their descendants, ascending by pid. */
function jobTrees(jobs: readonly JobRef[], helperPid: number | undefined): ProcInfo[] {
  const roots = jobs.flatMap((j) => (j.leader == null ? j.adopted : [j.leader, ...j.adopted]));
  if (helperPid !== undefined && helperPid > 0) roots.push(helperPid);
  const out: ProcInfo[] = [];
  for (const pid of withDescendants(roots).sort((a, b) => a - b)) {
    const p = readProcess(pid, { cmdline: false, wchan: false });
    if (p !== null) out.push(p);
  }
  return out;
}

function usersOf(procs: readonly ProcInfo[]): Record<string, string> {
  const users: Record<string, string> = {};
  for (const p of procs) {
    for (const uid of [p.euid, p.uid]) {
      if (String(uid) in users) continue;
      const n = userName(uid);
      if (n !== undefined) users[String(uid)] = n;
    }
  }
  return users;
}

function ownerObject(owner: ReadonlyMap<number, number>, procs: readonly ProcInfo[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const p of procs) {
    const j = owner.get(p.pid);
    if (j !== undefined) o[String(p.pid)] = j;
  }
  return o;
}

function positiveInt(req: ApiRequest, name: string, dflt: number): number {
  const v = req.query.get(name);
  if (v == null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ApiError('usage', `${name}: expected a whole number, got "${v}"`);
  return n;
}

/** The monitor module's routes. */
export const monitorRoutes: RouteTable = {
  'GET /v1/monitor/procs': (ctx, req): ProcsView => {
    const all = queryFlag(req.query, 'all', false);
    const read = { cmdline: queryFlag(req.query, 'cmdline', true), wchan: queryFlag(req.query, 'wchan', false) };
    const jobs = jobRefs(ctx, req);
    const stat = readCpuStat();
    const { uptime } = readUptime();
    let procs: ProcInfo[];
    let ownerMap: Map<number, number>;
    if (all) {
      procs = readAllProcesses(read);
      ownerMap = jobProcesses(procs, jobs, ctx.helperPid()).owner;
    } else {
      // Only the jobs' trees, not every process on the machine (ps took 10-25 ms with ~200-600
      // processes here): a job's processes descend from its leader, from the orphans the helper
      // adopted for it, or are the helper's children in the leader's session (jobProcesses), all
      // found through /proc/PID/task/TID/children. Only stat + status; the extra files (cmdline,
      // wchan) are read again for the few that belong to jobs.
      const light = jobTrees(jobs, ctx.helperPid());
      const mine = jobProcesses(light, jobs, ctx.helperPid());
      ownerMap = mine.owner;
      procs = mine.procs;
      if (read.cmdline || read.wchan) {
        // The same process only: a pid that ended and was reused in between is dropped.
        procs = mine.procs.map((q) => {
          const p = readProcess(q.pid, read);
          return p !== null && p.startTime === q.startTime ? p : null;
        }).filter((p): p is ProcInfo => p !== null);
      }
    }
    return {
      sys: { uptime, btime: stat.btime, memTotalKb: readMeminfo().memTotal, nowMs: Date.now(), hz: clockTicks(), pageSize: pageSize(), pidDigits: pidDigits() },
      procs,
      jobs,
      owner: ownerObject(ownerMap, procs),
      users: usersOf(procs),
      daemonPid: process.pid,
      helperPid: ctx.helperPid(),
    };
  },

  'GET /v1/monitor/snapshot': (ctx, req): SnapshotView => {
    const withProcs = queryFlag(req.query, 'procs', true);
    const snapshot = readSystemSnapshot({ procs: withProcs, cmdline: false, wchan: false });
    const jobs = jobRefs(ctx, req);
    return {
      snapshot,
      jobs,
      owner: withProcs ? ownerObject(jobProcesses(snapshot.procs, jobs, ctx.helperPid()).owner, snapshot.procs) : {},
      users: usersOf(snapshot.procs),
      hz: clockTicks(),
      pageSize: pageSize(),
      pidDigits: pidDigits(),
    };
  },

  'POST /v1/monitor/signal': (ctx, req): SignalPidResult => {
    const { pid, signal } = req.body as { pid?: unknown; signal?: unknown };
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) throw new ApiError('usage', `signal: expected {pid: a positive whole number}, got ${JSON.stringify(pid)}`);
    let sig;
    try {
      sig = parseSignal(typeof signal === 'number' ? signal : String(signal ?? 'TERM'));
    } catch (err) {
      throw new ApiError('usage', (err as Error).message);
    }
    const p = readProcess(pid, { cmdline: false, wchan: false });
    if (p === null) throw new ApiError('not_found', `no process ${pid}`);
    // The daemon may be root: it signals only what the caller could signal itself, by kill(2)'s
    // rule: the caller's uid (SO_PEERCRED gives its effective one) is the target's real or saved
    // uid. The target's effective uid does not count: a root process that set its euid to the
    // caller's for a moment is not the caller's to kill.
    const uid = req.peer.uid;
    if (!mayKill(pid, uid)) throw new ApiError('forbidden', `process ${pid} belongs to uid ${p.uid}; you may only signal your own processes`);
    if (!sendSignal(pid, sig.number)) throw new ApiError('forbidden', `could not send ${sig.name} to ${pid} (it ended, or the daemon is not allowed to)`);
    return { pid, signal: sig.name };
  },

  'GET /v1/monitor/history': (ctx, req): HistoryView => {
    const name = req.query.get('name');
    if (!name) throw new ApiError('usage', 'history: expected ?name=PROGRAM or %N');
    const limit = positiveInt(req, 'limit', 720);
    const info = ctx.services.monitor;
    // The history is current, up to the last tick (on a full disk, what is stored is shown).
    try { info?.flush?.(); } catch { /* the sampler's next batch tries again */ }
    const jobs = select(ctx, req, [name]).sort((a, b) => a.number - b.number);
    return {
      intervalMs: info?.intervalMs ?? 0,
      keep: info?.keep ?? 0,
      jobs: jobs.map((j) => ({
        job: j.number, name: j.spec.name, instance: j.instance, pid: j.pid,
        samples: jobHistory(ctx.db, j.id, limit).map((s) => ({ at: s.at, pids: s.pids, cpu: s.cpu, rssKb: s.rssKb, vszKb: s.vszKb })),
      })),
    };
  },

  'GET /v1/monitor/times': (ctx, req): TimesView => {
    const uid = req.peer.uid;
    const only = uid === 0 ? undefined : uid;
    const cpu = process.cpuUsage();
    const hz = clockTicks();
    const hp = ctx.helperPid();
    const h = hp > 0 ? readProcess(hp, { cmdline: false, wchan: false }) : null;
    return {
      daemon: { pid: process.pid, realSec: process.uptime(), userSec: cpu.user / 1e6, systemSec: cpu.system / 1e6 },
      helper: h ? { pid: hp, userSec: h.utime / hz, systemSec: h.stime / hz, childUserSec: h.cutime / hz, childSystemSec: h.cstime / hz } : null,
      children: childTimesTotal(ctx.db, only),
      programs: childTimesByProgram(ctx.db, only),
    };
  },
};
