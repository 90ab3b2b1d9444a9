// The job sampler: every interval, CPU and memory of each running job from its own pids only
// (leader + adopted orphans; one readProcess each, never a scan of /proc). The maths is pure
// (sampleJobs); the Sampler only schedules it and hands the result to the store.
import type { ProcInfo } from '../../os/proc/types.js';
import type { JobSample } from '../../store/monitor.js';

/** A job to sample: its id (stable, unlike its number) and the pids it has now. */
export interface SampleTarget {
  id: number;
  pids: readonly number[];
}

/** What a tick reads of each process (a ProcInfo has it; the daemon reads only /proc/PID/stat). */
export type SampledProcess = Pick<ProcInfo, 'state' | 'utime' | 'stime' | 'startTime' | 'vsize' | 'rss'>;

/** What the meter remembers of a process between ticks. */
export interface CpuMark {
  startTime: number;
  ticks: number;
}

/** The clock and process facts one tick needs; injected so that tests use fabricated values. */
export interface TickInput {
  /** Wall clock ms (stored with the sample). */
  wallMs: number;
  /** Seconds since boot now, and at the previous tick (null on the first). */
  uptime: number;
  prevUptime: number | null;
  hz: number;
  pageSize: number;
}

/**
 * One tick: a sample per target with at least one live pid, and the marks for the next tick.
 * %CPU is the tick delta over the interval (100 = one cpu, as top). A process not seen at the
 * previous tick counts all its ticks if it started since, else its lifetime average (as ps),
 * so the first sample of a job is meaningful too.
 */
export function sampleJobs(targets: Iterable<SampleTarget>, read: (pid: number) => SampledProcess | null, prev: ReadonlyMap<number, CpuMark>, t: TickInput): { samples: JobSample[]; marks: Map<number, CpuMark> } {
  const marks = new Map<number, CpuMark>();
  const samples: JobSample[] = [];
  const dt = t.prevUptime == null ? 0 : t.uptime - t.prevUptime;
  for (const target of targets) {
    let pids = 0;
    let deltaTicks = 0;
    let lifetimeShare = 0; // sum of per-process lifetime %CPU for those first seen now
    let rssKb = 0;
    let vszKb = 0;
    for (const pid of target.pids) {
      const p = read(pid);
      if (p === null || p.state === 'Z' || p.state === 'X') continue;
      pids++;
      const ticks = p.utime + p.stime;
      marks.set(pid, { startTime: p.startTime, ticks });
      rssKb += (p.rss * t.pageSize) / 1024;
      vszKb += Math.floor(p.vsize / 1024);
      const old = prev.get(pid);
      if (old && old.startTime === p.startTime) {
        deltaTicks += Math.max(0, ticks - old.ticks);
      } else if (t.prevUptime != null && p.startTime / t.hz >= t.prevUptime) {
        deltaTicks += ticks;
      } else {
        const life = t.uptime - p.startTime / t.hz;
        if (life > 0) lifetimeShare += (ticks * 100) / (t.hz * life);
      }
    }
    if (pids === 0) continue;
    const cpu = (dt > 0 ? (deltaTicks * 100) / (t.hz * dt) : 0) + lifetimeShare;
    samples.push({ job: target.id, at: t.wallMs, pids, cpu: Math.round(cpu * 100) / 100, rssKb: Math.round(rssKb), vszKb });
  }
  return { samples, marks };
}

/** What the Sampler runs on. */
export interface SamplerDeps {
  intervalMs: number;
  targets: () => Iterable<SampleTarget>;
  read: (pid: number) => SampledProcess | null;
  uptime: () => number;
  write: (samples: JobSample[]) => void;
  /** Called now and then (every `housekeepEvery` ticks) to drop the samples of removed jobs. */
  housekeep?: () => void;
  housekeepEvery?: number;
  hz: number;
  pageSize: number;
  onError?: (err: unknown) => void;
}

/** Samples every interval until stopped; an interval of 0 or less never samples. */
export class Sampler {
  private timer: NodeJS.Timeout | null = null;
  private marks = new Map<number, CpuMark>();
  private prevUptime: number | null = null;
  private ticks = 0;

  constructor(private readonly deps: SamplerDeps) {}

  /** Starts the loop (the first sample is taken one interval from now). */
  start(): this {
    if (this.deps.intervalMs > 0 && this.timer === null) this.schedule();
    return this;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      try {
        this.tick();
      } catch (err) {
        this.deps.onError?.(err);
      }
      if (this.timer !== null) this.schedule();
    }, this.deps.intervalMs);
  }

  /** Takes one sample now (also used by tests). */
  tick(): JobSample[] {
    const d = this.deps;
    const uptime = d.uptime();
    const r = sampleJobs(d.targets(), d.read, this.marks, { wallMs: Date.now(), uptime, prevUptime: this.prevUptime, hz: d.hz, pageSize: d.pageSize });
    this.marks = r.marks;
    this.prevUptime = uptime;
    if (r.samples.length > 0) d.write(r.samples);
    this.ticks++;
    if (d.housekeep && this.ticks % (d.housekeepEvery ?? 720) === 0) d.housekeep();
    return r.samples;
  }

  /** Stops the loop. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
