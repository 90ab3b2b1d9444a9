// The background daemon's own log (its stdout, a file): asynchronous, off the restart path,
// and surviving a full disk — a failed write drops lines (counted) instead of ending the
// daemon, and writing resumes, with the count, once a write works again.
import { createWriteStream, type WriteStream } from 'node:fs';

/** Returns a function that appends one line (newline included) to fd. */
export function resilientLog(fd: number): (text: string) => void {
  let out: WriteStream | null = null;
  let brokenAt = 0;
  let dropped = 0;
  const open = () => {
    const s = createWriteStream('', { fd, autoClose: false });
    s.on('error', () => {
      brokenAt = Date.now();
      if (out === s) out = null;
    });
    return s;
  };
  out = open();
  return (text) => {
    if (!out) {
      if (Date.now() - brokenAt < 1000) {
        dropped++;
        return;
      }
      out = open();
      if (dropped) out.write(`${new Date().toISOString()} (${dropped} lines of this log were dropped: it could not be written)\n`);
      dropped = 0;
    }
    out.write(text);
  };
}
