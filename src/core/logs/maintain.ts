// After the helper rotates a log file: compress it if asked, and keep only `keep` rotated files.
// Runs in the daemon, off the write path; a rotation while the daemon is down is caught up at start.
// A failure (disk full, permissions) is never swallowed: it goes to the daemon's log and stays
// in `problems()` (shown by `logs` and the API) until the same file is handled successfully.
import { chownSync, createReadStream, createWriteStream, renameSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Program } from '../../config/program.js';
import { streamFiles } from './files.js';

/** Compresses one rotated file to FILE.gz, atomically (a reader sees one or the other); keeps its mtime. */
export async function compressFile(file: string): Promise<void> {
  const tmp = `${file}.gz.tmp`;
  const st = statSync(file);
  try {
    await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(tmp, { mode: 0o600 }));
    // The copy belongs to whoever owned the file (a system daemon's user keeps their logs).
    if (process.getuid?.() === 0 && (st.uid !== 0 || st.gid !== 0)) chownSync(tmp, st.uid, st.gid);
    // Readers skip a file by its mtime (nothing in it is newer): the copy keeps the original's.
    utimesSync(tmp, st.atime, st.mtime);
    renameSync(tmp, `${file}.gz`);
  } catch (err) {
    try { unlinkSync(tmp); } catch { /* not created */ }
    throw err;
  }
  unlinkSync(file);
}

/** Deletes the oldest rotated files of a stream beyond `keep`; throws the first failure after trying all. */
export function prune(live: string, keep: number): void {
  const rotated = streamFiles(live).filter((f) => f !== live);
  let first: unknown = null;
  for (const f of rotated.slice(0, Math.max(0, rotated.length - keep))) {
    try {
      unlinkSync(f);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') first ??= err;
    }
  }
  if (first) throw first;
}

/** A maintenance step that failed. */
export interface LogProblem {
  name: string;
  file: string;
  action: 'compress' | 'prune';
  error: string;
  at: number;
}

/** The streams (live files) of a program's managed logs. */
export type StreamsOf = (p: Program) => string[];

/** Compresses and prunes every stream of a program; one run at a time per daemon. */
export class LogMaintainer {
  private queue: Promise<void> = Promise.resolve();
  private readonly failed = new Map<string, LogProblem>();

  constructor(private readonly streamsOf: StreamsOf, private readonly report: (p: LogProblem) => void = () => {}) {}

  /** Schedules maintenance of a program's logs (after a rotation, or at start). */
  schedule(p: Program): Promise<void> {
    this.queue = this.queue.then(() => this.run(p)).catch((err) => this.fail(p.name, '', 'compress', err));
    return this.queue;
  }

  /** Failures not yet resolved, oldest first (all programs, or one). */
  problems(name?: string): LogProblem[] {
    return [...this.failed.values()].filter((p) => name == null || p.name === name);
  }

  private fail(name: string, file: string, action: LogProblem['action'], err: unknown): void {
    const p: LogProblem = { name, file, action, error: (err as Error).message ?? String(err), at: Date.now() };
    this.failed.set(`${action}:${file}`, p);
    this.report(p);
  }

  private async run(p: Program): Promise<void> {
    for (const file of this.streamsOf(p)) {
      if (p.log.compress) {
        for (const f of streamFiles(file)) {
          if (f === file || f.endsWith('.gz')) continue;
          try {
            await compressFile(f);
            this.failed.delete(`compress:${f}`);
          } catch (err) {
            this.fail(p.name, f, 'compress', err);
          }
        }
      }
      try {
        prune(file, p.log.keep);
        this.failed.delete(`prune:${file}`);
      } catch (err) {
        this.fail(p.name, file, 'prune', err);
      }
    }
    // A file that is gone (pruned, flushed) has no problem any more.
    for (const [k, v] of this.failed) if (v.name === p.name && v.file && !exists(v.file)) this.failed.delete(k);
  }

  /** Resolves when everything scheduled so far is done. */
  idle(): Promise<void> {
    return this.queue;
  }
}

function exists(f: string): boolean {
  try {
    statSync(f);
    return true;
  } catch {
    return false;
  }
}
