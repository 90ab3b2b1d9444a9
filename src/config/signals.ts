// Signal names and numbers for Linux x86_64 (and arm64, which shares them). Real-time
// signals are named as bash's `kill -l` does: glibc keeps 32 and 33, so RTMIN is 34.
import { closest } from './suggest.js';

/** A signal in canonical form: `{ name: 'SIGTERM', number: 15 }`. */
export interface Signal {
  name: string;
  number: number;
}

const STANDARD = [
  'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE',
  'ALRM', 'TERM', 'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ',
  'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS',
] as const; // index + 1 is the number
const ALIASES: Record<string, string> = { IOT: 'ABRT', CLD: 'CHLD', POLL: 'IO' };
const RTMIN = 34;
const RTMAX = 64;

/** The short name of signal `n` ('KILL', 'RTMIN+3'), or its number as text if it has none. */
export function signalName(n: number): string {
  if (Number.isInteger(n) && n >= 1 && n <= STANDARD.length) return STANDARD[n - 1];
  if (n === RTMIN) return 'RTMIN';
  if (n === RTMAX) return 'RTMAX';
  if (n > RTMIN && n <= RTMIN + 15) return `RTMIN+${n - RTMIN}`;
  if (n > RTMIN + 15 && n < RTMAX) return `RTMAX-${RTMAX - n}`;
  return String(n);
}

/** Every signal this table knows, in number order. */
export const SIGNALS: readonly Signal[] = [
  ...STANDARD.map((_, i) => i + 1),
  ...Array.from({ length: RTMAX - RTMIN + 1 }, (_, i) => RTMIN + i),
].map((number) => ({ name: 'SIG' + signalName(number), number }));

function numberOfName(short: string): number | null {
  const std = STANDARD.indexOf((ALIASES[short] ?? short) as (typeof STANDARD)[number]);
  if (std >= 0) return std + 1;
  const rt = /^RT(MIN|MAX)(?:([+-])(\d{1,2}))?$/.exec(short);
  if (!rt) return null;
  const offset = rt[2] ? Number(rt[3]) : 0;
  if ((rt[1] === 'MIN' && rt[2] === '-') || (rt[1] === 'MAX' && rt[2] === '+')) return null;
  const n = rt[1] === 'MIN' ? RTMIN + offset : RTMAX - offset;
  return n >= RTMIN && n <= RTMAX ? n : null;
}

const byNumber = (n: number): Signal => ({ name: 'SIG' + signalName(n), number: n });

/** A signal from "TERM", "SIGTERM", 15 or "15"; names are upper case only, with a suggestion. */
export function parseSignal(v: string | number): Signal {
  const hint = `expected a name like "TERM" or "SIGTERM", or a number 1-31 or ${RTMIN}-${RTMAX}`;
  if (typeof v === 'number' || /^\d+$/.test(v)) {
    const n = Number(v);
    if (signalName(n) === String(n)) throw new Error(`Unknown signal ${v}: ${hint}`);
    return byNumber(n);
  }
  const n = numberOfName(v.startsWith('SIG') ? v.slice(3) : v);
  if (n !== null) return byNumber(n);
  // Case differences are rejected rather than guessed: the file then reads the same
  // everywhere (kill(1), systemd and supervisord all spell signals in upper case).
  const short = (s: string) => (s.toUpperCase().startsWith('SIG') ? s.slice(3) : s);
  const names = SIGNALS.map((s) => short(s.name)).concat(Object.keys(ALIASES));
  const guess = closest(short(v), names);
  if (guess !== null) {
    const asWritten = short(v) === v ? guess : 'SIG' + guess;
    throw new Error(`Unknown signal "${v}": did you mean "${asWritten}"?`);
  }
  throw new Error(`Unknown signal "${v}": ${hint}`);
}
