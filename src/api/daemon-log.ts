// The background daemon's own log (its stdout, a file): asynchronous, off the restart path,
// and surviving a full disk — a failed write drops lines (counted) instead of ending the
// daemon, and writing resumes, with the count, once a write works again.
import { createWriteStream, fstatSync, renameSync, writeSync, type WriteStream } from 'node:fs';
import { parseSize } from '../config/units.js';
import { reopenStdio } from '../os/stdio.js';

const FLUSH_MS = 20;

/** Where the background daemon's log is, and how large it may grow before it is rotated. */
export interface LogFile {
  path: string;
  /** Past this, the file becomes path.1 (replacing the one before) and a new one is begun. */
  maxBytes: number;
}

/** The daemon log's size limit: APPINIT_DAEMON_LOG_MAX (a size: 10MB, 0 = never rotate), default 10 MB. */
export function daemonLogMax(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.APPINIT_DAEMON_LOG_MAX;
  if (v == null || v === '') return 10 * 1024 * 1024;
  try { return parseSize(v); } catch { return 10 * 1024 * 1024; }
}

/** Returns a function that appends one line (newline included) to fd. With file (fd is then the
 *  process's stdout, that file), the file is rotated once past its limit: a crash loop logs a few
 *  lines per restart, and the log grew without end. */
export function resilientLog(fd: number, file?: LogFile): (text: string) => void {
  let out: WriteStream | null = null;
  let brokenAt = 0;
  let dropped = 0;
  const rotateIfLarge = () => {
    if (!file || file.maxBytes <= 0) return;
    try {
      if (fstatSync(fd).size < file.maxBytes) return;
      renameSync(file.path, `${file.path}.1`);
      reopenStdio(file.path);
      writeSync(fd, `${new Date().toISOString()} daemon log: the one before is ${file.path}.1 (rotated at ${file.maxBytes} bytes, APPINIT_DAEMON_LOG_MAX)\n`);
    } catch { /* a full disk or a moved file: tried again at the next flush */ }
  };
  const open = () => {
    const s = createWriteStream('', { fd, autoClose: false });
    s.on('error', () => {
      brokenAt = Date.now();
      if (out === s) out = null;
    });
    return s;
  };
  out = open();
  const put = (text: string, lines: number) => {
    if (!out) {
      if (Date.now() - brokenAt < 1000) {
        dropped += lines;
        return;
      }
      out = open();
      if (dropped) out.write(`${new Date().toISOString()} (${dropped} lines of this log were dropped: it could not be written)\n`);
      dropped = 0;
    }
    out.write(text);
  };
  // Lines leave in one write every FLUSH_MS (or once 64 KiB wait): a crash loop logs a few
  // lines per restart, and a write each cost the restart path a fifth of the daemon's time
  // (issue 17). A line is in the file at most FLUSH_MS after it was logged.
  let pending = '';
  let lines = 0;
  const flush = () => {
    const text = pending;
    const n = lines;
    pending = '';
    lines = 0;
    if (text) put(text, n);
    rotateIfLarge();
  };
  // What is still pending when the daemon exits is written before it goes.
  process.on('exit', () => {
    if (!pending) return;
    try { writeSync(fd, pending); } catch { /* a full disk: dropped, as any line */ }
  });
  return (text) => {
    if (!pending) setTimeout(flush, FLUSH_MS);
    pending += text;
    lines++;
    if (pending.length >= 64 * 1024) flush();
  };
}

/** What a foreground daemon writes its log lines with: write(text) queues, flush() writes what waits. */
export interface TurnLog {
  write: (text: string) => void;
  flush: () => void;
}

/**
 * A foreground daemon's log (its stdout: a terminal, a file, a container's pipe; each written
 * synchronously by node): the lines of one turn of the event loop leave in one write, in order,
 * at the end of the turn. An `up` of 500 programs logs ~1,000 lines in one turn, and a write each
 * cost it ~50 ms (issue 17). flush() writes what waits now: before other output to the same
 * stream, and at exit.
 */
export function turnLog(out: (text: string) => void): TurnLog {
  let pending = '';
  const flush = () => {
    const text = pending;
    pending = '';
    if (text) out(text);
  };
  process.on('exit', flush);
  return {
    write: (text) => {
      if (!pending) setImmediate(flush);
      pending += text;
      if (pending.length >= 64 * 1024) flush();
    },
    flush,
  };
}
