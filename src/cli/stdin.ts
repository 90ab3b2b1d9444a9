// Reading the text a command takes (at, crontab, up -) from standard input or a named file,
// bounded: /dev/zero or an endless pipe given by mistake is refused, not read until memory runs out.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { kindOf } from '../config/read-file.js';
import { notUtf8, RECODE } from '../config/utf8.js';
import { formatSize } from '../config/units.js';
import { CliError } from './context.js';

/** The most a command reads: the daemon's request limit is 8 MiB, and a script or table is far smaller. */
export const INPUT_LIMIT = 4 * 1024 * 1024;

const overLimit = (what: string, limit: number) => new CliError(`${what} is over the ${formatSize(limit)} limit`);

/** Bytes as UTF-8 text, or a CliError naming the first line that is not (it became U+FFFD:
 *  `mq send` of "caf\xe9" came back as "caf\ufffd"). */
export function utf8Text(raw: Buffer, what: string): string {
  const bad = notUtf8(raw);
  if (bad) throw new CliError(`${what}: line ${bad.line} is not valid UTF-8 (byte 0x${bad.byte.toString(16).padStart(2, '0')}): ${RECODE}`);
  return raw.toString('utf8');
}

/** Everything on stdin, as UTF-8 text; a CliError naming `what` once over `limit` bytes. */
export function readStdin(what = 'standard input', limit = INPUT_LIMIT): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (d: Buffer) => {
      size += d.length;
      if (size > limit) {
        process.stdin.off('data', onData);
        process.stdin.destroy();
        reject(overLimit(what, limit));
        return;
      }
      chunks.push(d);
    };
    process.stdin.on('data', onData);
    process.stdin.on('end', () => {
      try {
        resolve(utf8Text(Buffer.concat(chunks), what));
      } catch (err) {
        reject(err);
      }
    });
    process.stdin.on('error', reject);
  });
}

/**
 * A file's text for a command that takes one: a regular file, or a FIFO (`crontab <(...)`,
 * `at -f fifo`), which is read until its writer closes it. A device or directory is refused,
 * and so is anything over `limit` bytes. Errors start with `who` (e.g. "crontab").
 */
export function readInputFile(path: string, who: string, limit = INPUT_LIMIT): string {
  let opened: Opened;
  try {
    opened = openInput(path, who);
  } catch (err) {
    throw new CliError(`${who}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const { fd, first, nonBlocking } = opened;
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isFIFO()) {
      throw new CliError(`${who}: cannot read ${path}: ${kindOf(st)}, not a regular file or a pipe`);
    }
    const chunks: Buffer[] = first ? [first] : [];
    let size = first?.length ?? 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(65536);
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        // A FIFO read without blocking (openInput): its writer has not written more yet.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || !nonBlocking) throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (n === 0) break;
      size += n;
      if (size > limit) throw overLimit(`${who}: ${path}`, limit);
      chunks.push(buf.subarray(0, n));
    }
    return utf8Text(Buffer.concat(chunks), `${who}: ${path}`);
  } finally {
    closeSync(fd);
  }
}

interface Opened {
  fd: number;
  /** Bytes read while finding out whether a FIFO has a writer. */
  first: Buffer | null;
  /** The descriptor is O_NONBLOCK (Node cannot clear it): a read may say EAGAIN. */
  nonBlocking: boolean;
}

// A named FIFO with no writer blocks an open for reading until one comes. As `cat FIFO` does it
// waits, but says so on stderr (it hung without a word). One with a writer is read at once.
function openInput(path: string, who: string): Opened {
  let fifo = false;
  try { fifo = statSync(path).isFIFO(); } catch { /* the open says why */ }
  if (!fifo) return { fd: openSync(path, 'r'), first: null, nonBlocking: false };
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.allocUnsafe(65536);
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, null);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') { closeSync(fd); throw err; }
    n = -1; // a writer, nothing written yet
  }
  if (n !== 0) return { fd, first: n > 0 ? buf.subarray(0, n) : null, nonBlocking: true };
  // End of file at once: nobody has it open for writing.
  closeSync(fd);
  process.stderr.write(`appinit: ${who}: ${path} is a FIFO with no writer yet: waiting for one (Ctrl-C to give up)\n`);
  return { fd: openSync(path, 'r'), first: null, nonBlocking: false };
}
