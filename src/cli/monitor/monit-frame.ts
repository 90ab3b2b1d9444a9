// One frame of `appinit monit`: per job, CPU (over the interval between two snapshots, as
// top), memory and processes of the whole job, its state, and its program's last log lines.
// Pure: the command fetches, this formats.
import type { JobView, LogLine, SnapshotView } from '../../client/index.js';
import { formatUptime } from '../../config/units.js';
import { sampleJobs, type CpuMark } from '../../core/monitor/sampler.js';
import type { ProcInfo } from '../../os/proc/types.js';
import { shownState } from '../format/status.js';
import { table as alignedTable } from '../format/table.js';
import { localTime, sizeKb } from '../format/units.js';

/** One job's line of the frame. */
export interface MonitRow {
  name: string;
  job: number;
  pid: number | null;
  state: string;
  restarts: number;
  uptime: number | null;
  /** Percent of one CPU over the interval; null when nothing of it runs. */
  cpu: number | null;
  rssKb: number | null;
  pids: number;
}

/** The rows for a frame from two snapshots (the owner maps give each job's whole tree). */
export function monitRows(prev: SnapshotView, cur: SnapshotView, status: readonly JobView[]): MonitRow[] {
  const byPid = new Map<number, ProcInfo>(cur.snapshot.procs.map((p) => [p.pid, p]));
  const marks = new Map<number, CpuMark>(prev.snapshot.procs.map((p) => [p.pid, { startTime: p.startTime, ticks: p.utime + p.stime }]));
  const pidsOf = new Map<number, number[]>();
  for (const [pid, job] of Object.entries(cur.owner)) pidsOf.set(job, [...(pidsOf.get(job) ?? []), Number(pid)]);
  const targets = [...pidsOf].map(([job, pids]) => ({ id: job, pids }));
  const { samples } = sampleJobs(targets, (pid) => byPid.get(pid) ?? null, marks, {
    wallMs: cur.snapshot.wallMs, uptime: cur.snapshot.uptime, prevUptime: prev.snapshot.uptime, hz: cur.hz, pageSize: cur.pageSize,
  });
  const sample = new Map(samples.map((s) => [s.job, s]));
  return [...status].sort((a, b) => a.job - b.job).map((j) => {
    const s = sample.get(j.job);
    return {
      name: j.name, job: j.job, pid: j.pid, state: shownState(j), restarts: j.restarts, uptime: j.uptime,
      cpu: s ? s.cpu : null, rssKb: s ? s.rssKb : null, pids: s ? s.pids : 0,
    };
  });
}

/** Layout options: width and height of the screen (or none for batch), log lines per program. */
export interface MonitLayout {
  width?: number;
  height?: number;
  logLines: number;
}

/** The frame's text: a title, the job table, then each program's last log lines. */
export function formatMonit(rows: readonly MonitRow[], logs: ReadonlyMap<string, readonly LogLine[]>, now: number, layout: MonitLayout): string {
  const programs = [...new Set(rows.map((r) => r.name))];
  const title = `appinit monit  ${localTime(now)}  ${programs.length} program${programs.length === 1 ? '' : 's'}, ${rows.length} job${rows.length === 1 ? '' : 's'}`;
  const table = rows.length === 0
    ? 'no programs (load a control file with: appinit up FILE)'
    : alignedTable(['NAME', 'JOB', 'PID', 'STATE', '%CPU', 'MEM', 'PIDS', 'RESTARTS', 'UPTIME'], rows.map((r) => [
      r.name, `%${r.job}`, r.pid != null ? String(r.pid) : '-', r.state, r.cpu != null ? r.cpu.toFixed(1) : '-',
      r.rssKb != null ? sizeKb(r.rssKb) : '-', String(r.pids), String(r.restarts), r.uptime != null ? formatUptime(r.uptime) : '-',
    ]), ['PID', '%CPU', 'MEM', 'PIDS', 'RESTARTS']);
  const lines = [title, '', ...table.split('\n')];
  // On a screen, the log section gets what the table leaves: fewer lines per program if need be.
  let per = layout.logLines;
  if (layout.height != null && programs.length > 0) {
    const room = layout.height - lines.length - 1 - programs.length * 2;
    per = Math.max(0, Math.min(per, Math.floor(room / programs.length)));
  }
  if (per > 0) {
    for (const name of programs) {
      lines.push('', `── ${name} ──`);
      const last = (logs.get(name) ?? []).slice(-per);
      if (last.length === 0) lines.push('  (no output yet)');
      for (const l of last) lines.push(`  ${logLine(l)}`);
    }
  }
  const w = layout.width;
  return (w ? lines.map((l) => (l.length > w ? l.slice(0, w - 1) : l)) : lines).join('\n') + '\n';
}

// `HH:MM:SS text`, stderr marked `!`; a timestamp the line carries itself is not repeated.
function logLine(l: LogLine): string {
  const text = l.line.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z /, '');
  return `${l.time != null ? localTime(l.time).slice(11) + ' ' : ''}${l.stream === 'stderr' ? '! ' : ''}${text}`;
}
