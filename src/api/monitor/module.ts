// The monitor module: its schema, its routes, and the job sampler it runs with the daemon.
// APPINIT_SAMPLE_MS sets the sampling interval (default 5 s; 0 turns sampling off).
import { Sampler, type SampleTarget } from '../../core/monitor/sampler.js';
import { clockTicks, descendantsSampled, pageSize, readProcSample, readUptime, type ProcSample } from '../../os/proc/index.js';
import { type JobSample, insertSamples, lastSampleSeqs, MONITOR_MIGRATIONS, pruneRemovedJobSamples } from '../../store/monitor.js';
import type { Module, Service } from '../modules.js';
import type { ApiContext } from '../routes.js';
import { monitorRoutes, type SamplerInfo } from './routes.js';

/** Default sampling interval, ms. */
export const DEFAULT_SAMPLE_MS = 5000;
/** Samples kept per job: an hour at the default interval. */
export const SAMPLES_KEPT = 720;

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
  const targets = function* (): Iterable<SampleTarget> {
    tick.clear();
    for (const j of ctx.sup.jobs.values()) {
      if (j.pid == null && j.others.size === 0) continue;
      // The whole job: the leader, adopted orphans, and what each of them forked.
      yield { id: j.id, pids: descendantsSampled(j.pid == null ? j.others : [j.pid, ...j.others], tick) };
    }
    tick.clear();
  };
  // Services that act on each tick (maxMemory), subscribed through onSamples.
  const listeners: ((samples: JobSample[]) => void)[] = [];
  const sampler = new Sampler({
    intervalMs,
    targets,
    read: (pid) => (tick.has(pid) ? tick.get(pid) ?? null : readProcSample(pid)),
    uptime: () => readUptime().uptime,
    write: (samples) => {
      insertSamples(ctx.db, samples, seqs, SAMPLES_KEPT);
      for (const l of listeners) l(samples);
    },
    housekeep: () => pruneRemovedJobSamples(ctx.db),
    housekeepEvery: SAMPLES_KEPT,
    hz: clockTicks(),
    pageSize: pageSize(),
    onError: (err) => process.stderr.write(`appinit: sampler: ${(err as Error).message}\n`),
  }).start();
  return { intervalMs, keep: SAMPLES_KEPT, stop: () => sampler.stop(), onSamples: (l) => listeners.push(l) };
}

/** ps, pstree, top, stat, history and times, served by the daemon. */
export const monitorModule: Module = {
  name: 'monitor',
  migrations: MONITOR_MIGRATIONS,
  routes: monitorRoutes,
  start: startSampler,
};
