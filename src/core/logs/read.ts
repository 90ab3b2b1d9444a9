// Reading what programs wrote: lines with their program, stream and time, across rotated files,
// merged by time when the logs carry timestamps.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Program } from '../../config/program.js';
import { readLogFile, streamFiles, tailLines } from './files.js';

/** One line of a program's log. `time` (ms since the epoch) when the log has timestamps. */
export interface LogLine {
  name: string;
  stream: 'stdout' | 'stderr';
  line: string;
  time: number | null;
}

/** Which lines to read. */
export interface LogQuery {
  n: number;
  since?: number; // ms since the epoch
  stream?: 'stdout' | 'stderr';
}

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) /;
const UNIX = /^(\d{9,}\.\d{3}) /;

/** The time a managed-log line was written, from its prefix; null without one. */
export function lineTime(line: string, mode: Program['log']['timestamps']): number | null {
  if (mode === 'iso') {
    const m = ISO.exec(line);
    return m ? Date.parse(m[1]) : null;
  }
  if (mode === 'unix') {
    const m = UNIX.exec(line);
    return m ? Math.round(Number(m[1]) * 1000) : null;
  }
  return null;
}

/** The live files of a program's managed log streams. */
export function streamPaths(logsDir: string, p: Program): { stream: 'stdout' | 'stderr'; file: string }[] {
  const dir = join(logsDir, p.name);
  const out: { stream: 'stdout' | 'stderr'; file: string }[] = [];
  if (p.stdout.kind === 'log') out.push({ stream: 'stdout', file: join(dir, 'out.log') });
  if (p.stderr.kind === 'log') out.push({ stream: 'stderr', file: join(dir, 'err.log') });
  return out;
}

// Lines of one stream newer than `since`: whole rotated files are skipped by their mtime, and
// lines with a timestamp are compared exactly; a log without timestamps is filtered by file only.
function sinceLines(file: string, since: number, mode: Program['log']['timestamps']): string[] {
  const out: string[] = [];
  for (const f of streamFiles(file)) {
    try {
      if (statSync(f).mtimeMs < since) continue;
    } catch {
      continue;
    }
    for (const line of readLogFile(f).split('\n')) {
      if (line === '') continue;
      const t = lineTime(line, mode);
      if (t == null || t >= since) out.push(line);
    }
  }
  return out;
}

/** The last lines of these programs, oldest first; merged by time where timestamps allow. */
export function readLogs(logsDir: string, programs: Program[], q: LogQuery): LogLine[] {
  const all: LogLine[] = [];
  for (const p of programs) {
    for (const { stream, file } of streamPaths(logsDir, p)) {
      if (q.stream && q.stream !== stream) continue;
      const lines = q.since != null ? sinceLines(file, q.since, p.log.timestamps).slice(-q.n) : tailLines(file, q.n);
      for (const line of lines) all.push({ name: p.name, stream, line, time: lineTime(line, p.log.timestamps) });
    }
  }
  // A stable sort: lines without a time keep their program and stream order.
  if (all.some((l) => l.time != null)) all.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
  return all.slice(-q.n * Math.max(1, programs.length));
}
