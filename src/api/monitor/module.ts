// The monitor module: its schema, its routes, and the job sampler it runs with the daemon.
// APPINIT_SAMPLE_MS sets the sampling interval (default 5 s; 0 turns sampling off).
import { Sampler, type SampleTarget } from '../../core/monitor/sampler.js';
import { nofileLimit } from '../../os/limits.js';
import { clockTicks, descendantsSampled, KeptFiles, pageSize, readProcSample, readUptime, type ProcSample } from '../../os/proc/index.js';
import { type JobSample, insertSamples, lastSampleSeqs, MONITOR_MIGRATIONS, pruneRemovedJobSamples } from '../../store/monitor.js';
import type { Module, Service } from '../modules.js';
import type { ApiContext } from '../routes.js';
import { monitorRoutes, type SamplerInfo } from './routes.js';

/** Default sampling interval, ms. */
export const DEFAULT_SAMPLE_MS = 5000;
/** Samples kept per job: an hour at the default interval. */
export const SAMPLES_KEPT = 720;
/** Ticks whose samples are stored in one transaction (30 s at the default interval). Each job's
 *  samples sit together in the store (key job, seq): a tick alone dirties one page per job, 500
 *  pages (2 MB of WAL) for 500 jobs every 5 s; six ticks at once write each page once, and the
 *  idle daemon's CPU for sampling 500 jobs drops by about a third (bench/scale.ts). The history
 *  route stores what is pending before it reads; a kill -9 loses at most these ticks' samples
 *  (CPU and memory history, not records, jobs or schedules). */
export const STORE_EVERY_TICKS = 6;
/** At most this many /proc files of sampled processes stay open between ticks (three per process:
 *  stat, statm, task/PID/children; 2,000 processes), and never more than a quarter of the
 *  daemon's descriptor limit; past it a file is opened and closed at each read, as before. */
export const KEPT_FILES_MAX = 6000;

/** How many descriptors the sampler may keep open, given the soft RLIMIT_NOFILE. */
export function keptFilesLimit(nofile: bigint): number {
  return Math.min(KEPT_FILES_MAX, Math.floor(Number(nofile) / 4));
}

/** The sampling interval from the environment: APPINIT_SAMPLE_MS, a whole number of ms; 0 = off. */
export function sampleInterval(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.APPINIT_SAMPLE_MS;
  if (v == null || v === '') return DEFAULT_SAMPLE_MS;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`appinit: APPINIT_SAMPLE_MS: expected a whole number of milliseconds (0 = off), got "${v}"; using ${DEFAULT_SAMPLE_MS}\n`);
    return DEFAULT_SAMPLE_MS;
  }
  return Math.floor(n);
}

function startSampler(ctx: ApiContext): Service & SamplerInfo {
  const intervalMs = sampleInterval();
  const seqs = lastSampleSeqs(ctx.db);
  pruneRemovedJobSamples(ctx.db);
  // One tick reads each process's stat once: while finding a job's descendants (which needs
  // its thread count), and the tick's read() is answered from the same map.
  const tick = new Map<number, ProcSample | null>();
  // Each process's stat, statm and children stay open from one tick to the next; what a tick did
  // not read (ended processes, removed jobs) is closed at its end.
  const files = new KeptFiles(keptFilesLimit(nofileLimit().soft));
  const targets = function* (): Iterable<SampleTarget> {
    tick.clear();
    for (const j of ctx.sup.jobs.values()) {
      if (j.pid == null && j.others.size === 0) continue;
      // The whole job: the leader, adopted orphans, and what each of them forked.
      yield { id: j.id, pids: descendantsSampled(j.pid == null ? j.others : [j.pid, ...j.others], tick, files) };
    }
    tick.clear();
    files.sweep();
  };
  // Services that act on each tick (maxMemory), subscribed through onSamples.
  const listeners: ((samples: JobSample[]) => void)[] = [];
  let pending: JobSample[] = [];
  let pendingTicks = 0;
  const flush = () => {
    pendingTicks = 0;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    insertSamples(ctx.db, batch, seqs, SAMPLES_KEPT);
  };
  const sampler = new Sampler({
    intervalMs,
    targets,
    read: (pid) => (tick.has(pid) ? tick.get(pid) ?? null : readProcSample(pid, files)),
    uptime: () => readUptime().uptime,
    write: (samples) => {
      for (const s of samples) pending.push(s);
      if (++pendingTicks >= STORE_EVERY_TICKS) flush();
      for (const l of listeners) l(samples);
    },
    housekeep: () => { flush(); pruneRemovedJobSamples(ctx.db); },
    housekeepEvery: SAMPLES_KEPT,
    hz: clockTicks(),
    pageSize: pageSize(),
    onError: (err) => process.stderr.write(`appinit: sampler: ${(err as Error).message}\n`),
  }).start();
  return { intervalMs, keep: SAMPLES_KEPT, stop: () => { sampler.stop(); flush(); files.close(); }, onSamples: (l) => listeners.push(l), flush };
}

/** ps, pstree, top, stat, history and times, served by the daemon. */
export const monitorModule: Module = {
  name: 'monitor',
  migrations: MONITOR_MIGRATIONS,
  routes: monitorRoutes,
  start: startSampler,
};
