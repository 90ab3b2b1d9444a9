// The caller's umask, passed on to what runs for it (at, run), as a shell's children inherit it.
import { readFileSync } from 'node:fs';

/** The umask as the kernel reports it (process.umask() without an argument is deprecated). */
export function currentUmask(): number | undefined {
  const m = /^Umask:\s+([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? parseInt(m[1] as string, 8) : undefined;
}
