// Redirections written the way a shell user would think of them. File paths are kept as
// written; normalize.ts resolves relative ones against the control file's directory.
import type { InputSource, OutputTarget } from './program.js';

/** stdin from "/dev/null" or a file path; throws with the reason when empty. */
export function parseInput(text: string): InputSource {
  if (text === '/dev/null') return { kind: 'null' };
  if (text.trim() === '') throw new Error('expected "/dev/null" or a file path, got ""');
  return { kind: 'file', path: text };
}

/** stdout/stderr from "log", "/dev/null", "FILE", "> FILE", ">> FILE", or "stdout" (stderr only). */
export function parseOutput(text: string, stream: 'stdout' | 'stderr'): OutputTarget {
  const expected =
    stream === 'stderr'
      ? 'expected "log", "stdout" (2>&1), "/dev/null", a file path or ">> FILE"'
      : 'expected "log", "/dev/null", a file path or ">> FILE"';
  // A file really named "log" or "stdout" is still reachable as "./log".
  if (text === 'log') return { kind: 'log' };
  if (text === '/dev/null') return { kind: 'null' };
  const merge = text === 'stdout' || text === '&1' || text === '2>&1';
  if (merge && stream === 'stderr') return { kind: 'stdout' };
  if (merge || text === 'stderr') {
    throw new Error(`${expected}, got "${text}"; to merge the two streams write stderr: stdout`);
  }
  const m = /^(>>?)\s*(.*)$/s.exec(text);
  const path = (m ? m[2] : text).trim();
  if (path === '') throw new Error(`${expected}, got ${JSON.stringify(text)}`);
  if (path === '/dev/null') return { kind: 'null' };
  if (SELF_STREAM.test(path)) {
    // supervisord's `stdout_logfile=/dev/stdout`: a program's child opens its *own* descriptor,
    // which here is the helper's log (opened again with O_TRUNC); nothing reached the daemon's
    // terminal. Said plainly instead.
    throw new Error(`${path} is the helper's own output here, not the daemon's terminal: keep "log" and read it with appinit logs -f ${stream === 'stderr' ? '--stderr ' : ''}NAME (a foreground daemon prints state changes, not program output)`);
  }
  return { kind: 'file', path, append: m?.[1] === '>>' };
}

// The descriptors of whoever opens them: the child's own (inherited from the helper).
const SELF_STREAM = /^\/(dev\/(stdout|stderr|fd\/\d+)|proc\/self\/fd\/\d+)$/;
