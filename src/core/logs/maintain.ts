// After the helper rotates a log file: compress it if asked, and keep only `keep` rotated files.
// Runs in the daemon, off the write path; a rotation while the daemon is down is caught up at start.
import { createReadStream, createWriteStream, renameSync, unlinkSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Program } from '../../config/program.js';
import { streamFiles } from './files.js';
import { streamPaths } from './read.js';

/** Compresses one rotated file to FILE.gz, atomically (a reader sees one or the other). */
export async function compressFile(file: string): Promise<void> {
  const tmp = `${file}.gz.tmp`;
  await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(tmp));
  renameSync(tmp, `${file}.gz`);
  unlinkSync(file);
}

/** Deletes the oldest rotated files of a stream beyond `keep`. */
export function prune(live: string, keep: number): void {
  const rotated = streamFiles(live).filter((f) => f !== live);
  for (const f of rotated.slice(0, Math.max(0, rotated.length - keep))) {
    try {
      unlinkSync(f);
    } catch {
      /* already gone */
    }
  }
}

/** Compresses and prunes every stream of a program; one run at a time per daemon. */
export class LogMaintainer {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly logsDir: string) {}

  /** Schedules maintenance of a program's logs (after a rotation, or at start). */
  schedule(p: Program): Promise<void> {
    this.queue = this.queue.then(() => this.run(p)).catch(() => undefined);
    return this.queue;
  }

  private async run(p: Program): Promise<void> {
    for (const { file } of streamPaths(this.logsDir, p)) {
      if (p.log.compress) {
        for (const f of streamFiles(file)) {
          if (f !== file && !f.endsWith('.gz')) await compressFile(f).catch(() => undefined);
        }
      }
      prune(file, p.log.keep);
    }
  }

  /** Resolves when everything scheduled so far is done. */
  idle(): Promise<void> {
    return this.queue;
  }
}
