// Text that is not UTF-8 is refused where it is read, not changed: Node reads it as UTF-8 and puts
// U+FFFD for what is not, so a Latin-1 byte in a control file, a script or a message became another
// character without a word (a command, a path, a message changed).
import { isUtf8 } from 'node:buffer';

/** Where bytes first stop being UTF-8 (1-based line and column, in bytes; the byte), or null. */
export function notUtf8(raw: Buffer): { line: number; col: number; byte: number } | null {
  if (isUtf8(raw)) return null;
  const back = Buffer.from(raw.toString('utf8'), 'utf8');
  let at = 0;
  while (at < raw.length && raw[at] === back[at]) at++;
  const lineStart = raw.lastIndexOf(0x0a, at - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (raw[i] === 0x0a) line++;
  return { line, col: at - lineStart + 1, byte: raw[at] ?? 0 };
}

/** The fix, said the same way everywhere. */
export const RECODE = 'appinit keeps it as text; recode it (e.g. iconv -f latin1 -t utf-8)';
