// What /metrics reports: per program (the jobs the token's user sees) up, restarts, exits by code
// and signal, CPU seconds, resident memory, open descriptors and log bytes; the scheduler's runs
// and their lateness; the daemon's and the helper's own use; resource waits and deadlocks.
// Counters count since the daemon started, as Prometheus expects of a process's counters.
import { statSync } from 'node:fs';
import type { Job, JobChange } from '../../core/supervisor/runtime.js';
import { countOpenFds } from '../../os/proc/fds.js';
import { clockTicks, pageSize, readProcess, withDescendants } from '../../os/proc/index.js';
import type { AcctRecord } from '../../store/records.js';
import { stmt, type Db } from '../../store/db.js';
import type { App } from '../app.js';
import { streamPaths } from '../logs/sources.js';
import { visible, type ApiContext, type ApiRequest } from '../routes.js';
import { Exposition, type Labels } from './exposition.js';

/** Lateness buckets, seconds: cron and at run on the minute, so most runs fall under a second. */
export const LATENESS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

interface Hist { buckets: number[]; counts: number[]; sum: number; count: number }

function scheduledRun(db: Db, job: number): { source: string; due: number } | null {
  try {
    return (stmt(db, 'SELECT source, due FROM schedule_jobs WHERE job = ?').get(job) as { source: string; due: number } | undefined) ?? null;
  } catch {
    return null; // the schedule module's table is not there (a daemon without it)
  }
}

// Counted per user (each user's scrape shows their own), one series per kind for a scrape that
// sees several users' (root's): two series with the same labels are one too many for Prometheus.
export function byKind<T extends { kind: string }>(items: readonly T[], add: (a: T, b: T) => T): Map<string, T> {
  const out = new Map<string, T>();
  for (const x of items) {
    const had = out.get(x.kind);
    out.set(x.kind, had ? add(had, x) : x);
  }
  return out;
}

export function addHist<T extends Hist>(a: T, b: T): T {
  return { ...a, counts: a.counts.map((c, i) => c + b.counts[i]), sum: a.sum + b.sum, count: a.count + b.count };
}

/** Counts what only events tell (exits, scheduled runs); the rest is read at scrape time. */
export class MetricsCollector {
  private readonly exits = new Map<string, { uid: number; program: string; kind: 'code' | 'signal'; value: number; n: number }>();
  private readonly runs = new Map<string, { uid: number; kind: string; n: number }>();
  private readonly lateness = new Map<string, Hist & { uid: number; kind: string }>();
  private readonly counted = new Map<number, number>(); // job id -> due already counted
  private readonly onChange = (c: JobChange) => {
    const j = c.job;
    if ((c.to === 'exited' || c.to === 'backoff' || c.to === 'fatal' || c.to === 'stopped') && c.from !== c.to && j.lastExit && j.pid == null) this.exit(j);
    if (c.to === 'running' || c.to === 'starting') this.started(j);
  };
  private lastExitSeen = new WeakMap<Job, unknown>();
  // A counter must not go back: the CPU of a job's processes that ended (their records) is kept
  // beside the live ones', and a job's value never falls below what it last said (a process's
  // exact record can be a tick below what /proc showed of it). By job id.
  private readonly endedCpu = new Map<number, number>();
  private readonly cpuSaid = new Map<number, number>();
  private readonly onRecord = (r: AcctRecord) => {
    if (r.job == null) return;
    this.endedCpu.set(r.job, (this.endedCpu.get(r.job) ?? 0) + (r.utime ?? 0) + (r.stime ?? 0));
  };

  constructor(private readonly ctx: ApiContext) {
    ctx.sup.on('change', this.onChange);
    ctx.sup.on('record', this.onRecord);
  }

  private exit(j: Job): void {
    if (this.lastExitSeen.get(j) === j.lastExit) return; // one end, counted once
    this.lastExitSeen.set(j, j.lastExit);
    const t = j.lastExit!;
    const kind = t.signal != null ? 'signal' : 'code';
    const value = t.signal ?? t.code ?? 0;
    const key = `${j.ownerUid}\0${j.spec.name}\0${kind}\0${value}`;
    const e = this.exits.get(key) ?? { uid: j.ownerUid, program: j.spec.name, kind, value, n: 0 };
    e.n++;
    this.exits.set(key, e);
  }

  private started(j: Job): void {
    const run = this.ctx.services.schedule?.runOf(j.id) ?? scheduledRun(this.ctx.db, j.id);
    if (!run || this.counted.get(j.id) === run.due) return;
    this.counted.set(j.id, run.due);
    const kind = run.source.slice(0, run.source.indexOf(':'));
    const rk = `${j.ownerUid}\0${kind}`;
    const r = this.runs.get(rk) ?? { uid: j.ownerUid, kind, n: 0 };
    r.n++;
    this.runs.set(rk, r);
    const late = Math.max(0, ((j.startedAt ?? Date.now()) - run.due) / 1000);
    const h = this.lateness.get(rk) ?? { uid: j.ownerUid, kind, buckets: LATENESS_BUCKETS, counts: LATENESS_BUCKETS.map(() => 0), sum: 0, count: 0 };
    const i = LATENESS_BUCKETS.findIndex((b) => late <= b);
    if (i >= 0) h.counts[i]++;
    h.sum += late;
    h.count++;
    this.lateness.set(rk, h);
  }

  /** Stops counting. */
  close(): void {
    this.ctx.sup.off('change', this.onChange);
    this.ctx.sup.off('record', this.onRecord);
  }

  /** The exposition text for a user (root sees every job; others their own). */
  async render(uid: number, gid: number, app: App): Promise<string> {
    const ctx = this.ctx;
    const peer = { uid, gid, pid: process.pid };
    const jobs = visible(ctx, { peer } as ApiRequest, [...ctx.sup.jobs.values()]).sort((a, b) => a.number - b.number);
    const mine = (x: { uid: number }) => uid === 0 || x.uid === uid;
    const hz = clockTicks();
    const page = pageSize();
    const up: [Labels, number][] = [];
    const restarts: [Labels, number][] = [];
    const cpu: [Labels, number][] = [];
    const rss: [Labels, number][] = [];
    const fds: [Labels, number][] = [];
    const logBytes: [Labels, number][] = [];
    const logged = new Set<string>();
    for (const j of jobs) {
      const l = { program: j.spec.name, instance: j.instance, job: j.number };
      // Up as `status` and `up --wait` see it: running, so ready (a `ready: notify` job still
      // waiting for READY=1 is starting, not up), and not stopped by a signal.
      up.push([l, j.pid != null && j.state === 'running' && !j.suspended ? 1 : 0]);
      restarts.push([l, j.restarts]);
      let ticks = 0;
      if (j.pid != null || j.others.size > 0) {
        let pages = 0;
        let open = 0;
        for (const pid of withDescendants(j.pid == null ? j.others : [j.pid, ...j.others])) {
          const p = readProcess(pid, { cmdline: false, wchan: false });
          if (!p) continue;
          ticks += p.utime + p.stime;
          pages += p.rss;
          open += countOpenFds(pid) ?? 0;
        }
        rss.push([l, pages * page]);
        fds.push([l, open]);
      }
      const seconds = Math.max(this.cpuSaid.get(j.id) ?? 0, (this.endedCpu.get(j.id) ?? 0) + ticks / hz);
      if (seconds > 0 || j.pid != null) {
        this.cpuSaid.set(j.id, seconds);
        cpu.push([l, seconds]);
      }
      if (!logged.has(j.spec.name)) {
        logged.add(j.spec.name);
        let files: string[] = [];
        try { files = streamPaths(ctx.spawnCtx.logsDir, j.spec); } catch { /* a name with no log directory */ }
        for (const f of files) {
          const size = statSync(f, { throwIfNoEntry: false })?.size;
          if (size != null) logBytes.push([{ program: j.spec.name, stream: f.endsWith('err.log') ? 'stderr' : 'stdout' }, size]);
        }
      }
    }
    // Forgotten jobs are gone from the counters too (a `run` a minute would grow them for ever).
    for (const m of [this.endedCpu, this.cpuSaid]) for (const id of m.keys()) if (!ctx.sup.jobs.has(id)) m.delete(id);
    const e = new Exposition()
      .family('appinit_program_up', 'gauge', 'Whether the job runs and is ready (1), or not (0: starting or waiting for READY=1, suspended, stopping, ended).', up)
      .family('appinit_program_restarts_total', 'counter', 'Restarts of the job by its policy.', restarts)
      .family('appinit_program_exits_total', 'counter', 'Ends of a program\'s jobs since the daemon started, by exit code or signal.',
        [...this.exits.values()].filter(mine).map((x) => [{ program: x.program, [x.kind]: x.value }, x.n]))
      .family('appinit_program_cpu_seconds_total', 'counter', 'CPU (user + system) of the job\'s processes, those running and those that ended, since the daemon started.', cpu)
      .family('appinit_program_resident_memory_bytes', 'gauge', 'Resident memory of the job\'s processes.', rss)
      .family('appinit_program_open_fds', 'gauge', 'Open descriptors of the job\'s processes.', fds)
      .family('appinit_program_log_bytes', 'gauge', 'Size of the program\'s live log file.', logBytes)
      .family('appinit_scheduler_runs_total', 'counter', 'Scheduled runs started since the daemon started, by kind (at, cron, program).',
        [...byKind([...this.runs.values()].filter(mine), (a, b) => ({ ...a, n: a.n + b.n })).values()].map((r) => [{ kind: r.kind }, r.n]))
      .histogram('appinit_scheduler_lateness_seconds', 'How long after its due time a scheduled run started.',
        [...byKind([...this.lateness.values()].filter(mine), addHist).values()].map((h) => ({ labels: { kind: h.kind }, buckets: h.buckets, counts: h.counts, sum: h.sum, count: h.count })));
    const self = process.cpuUsage();
    const helperPid = ctx.helperPid();
    const helper = helperPid > 0 ? readProcess(helperPid, { cmdline: false, wchan: false }) : null;
    e.family('appinit_daemon_cpu_seconds_total', 'counter', 'CPU of the daemon process.', [[undefined, (self.user + self.system) / 1e6]])
      .family('appinit_daemon_resident_memory_bytes', 'gauge', 'Resident memory of the daemon process.', [[undefined, process.memoryUsage().rss]])
      .family('appinit_daemon_open_fds', 'gauge', 'Open descriptors of the daemon.', [[undefined, countOpenFds(process.pid) ?? 0]])
      .family('appinit_daemon_uptime_seconds', 'gauge', 'Seconds since the daemon started.', [[undefined, (Date.now() - ctx.startedAt) / 1000]])
      .family('appinit_helper_cpu_seconds_total', 'counter', 'CPU of the supervise helper.', helper ? [[undefined, (helper.utime + helper.stime) / hz]] : [])
      .family('appinit_helper_resident_memory_bytes', 'gauge', 'Resident memory of the supervise helper.', helper ? [[undefined, helper.rss * page]] : [])
      .family('appinit_helper_open_fds', 'gauge', 'Open descriptors of the supervise helper.', helper ? [[undefined, countOpenFds(helperPid) ?? 0]] : []);
    // Resources, through the API as the user (the same view `appinit ipcs` gives).
    const res = await app.handle({ method: 'GET', path: '/v1/resources', query: new URLSearchParams(), body: {}, peer });
    const body = res.status === 200 ? res.body as { resources: { name: string; kind: string; holders: unknown[]; waiters: unknown[] }[]; stats?: { deadlocksRefused?: unknown } } : null;
    const list = body?.resources ?? [];
    // The lock manager's count of blocking requests refused as deadlocks (when the resources
    // module gives its stats): a counter, beside the gauge of deadlocks present now.
    const refused = typeof body?.stats?.deadlocksRefused === 'number' ? body.stats.deadlocksRefused : null;
    const dl = await app.handle({ method: 'GET', path: '/v1/deadlock', query: new URLSearchParams(), body: {}, peer });
    const deadlocked = dl.status === 200 ? (dl.body as { deadlocked: string[] }).deadlocked.length : 0;
    e.family('appinit_resource_holders', 'gauge', 'Holders of each appinit resource.', list.map((r) => [{ resource: r.name, kind: r.kind }, r.holders.length]))
      .family('appinit_resource_waiters', 'gauge', 'Requests waiting for each appinit resource.', list.map((r) => [{ resource: r.name, kind: r.kind }, r.waiters.length]))
      .family('appinit_deadlocked_holders', 'gauge', 'Holders in a deadlock detected now (0: none).', [[undefined, deadlocked]]);
    if (refused != null) e.family('appinit_deadlocks_refused_total', 'counter', 'Blocking resource requests refused at once because they would deadlock, since the daemon started.', [[undefined, refused]]);
    return e.text();
  }
}
