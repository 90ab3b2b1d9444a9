// The one signal table: the kernel's numbers as Node has them (os.constants.signals), and the
// real-time signals named as bash's `kill -l` does (glibc keeps 32 and 33, so RTMIN is 34).
import { constants } from 'node:os';

/** The first and last real-time signal numbers, as glibc leaves them to programs. */
export const RTMIN = 34;
export const RTMAX = 64;

// Where two names share a number, the one kill -l and strsignal use.
const PREFERRED = new Set(['SIGABRT', 'SIGIO', 'SIGCHLD']);
const NAME = new Map<number, string>();
const NUMBER = new Map<string, number>();
for (const [name, n] of Object.entries(constants.signals) as [string, number][]) {
  NUMBER.set(name.slice(3), n);
  if (!NAME.has(n) || PREFERRED.has(name)) NAME.set(n, name.slice(3));
}
// Names Linux accepts that Node may not list.
for (const [alias, canonical] of [['IOT', 'ABRT'], ['CLD', 'CHLD'], ['POLL', 'IO']]) {
  if (!NUMBER.has(alias) && NUMBER.has(canonical)) NUMBER.set(alias, NUMBER.get(canonical) as number);
}

/** The highest standard (not real-time) signal number. */
export const LAST_STANDARD = Math.max(...NAME.keys());

/** The short name of signal `n` ('KILL', 'RTMIN+3', 'RTMAX-2'), or its number as text if it has none. */
export function signalName(n: number): string {
  const std = NAME.get(n);
  if (std !== undefined) return std;
  if (n === RTMIN) return 'RTMIN';
  if (n === RTMAX) return 'RTMAX';
  if (n > RTMIN && n <= RTMIN + 15) return `RTMIN+${n - RTMIN}`;
  if (n > RTMIN + 15 && n < RTMAX) return `RTMAX-${RTMAX - n}`;
  return String(n);
}

/** The number of a short signal name ('TERM', 'IOT', 'RTMIN+2'), or null. Upper case only. */
export function signalNumber(short: string): number | null {
  const std = NUMBER.get(short);
  if (std !== undefined) return std;
  const rt = /^RT(MIN|MAX)(?:([+-])(\d{1,2}))?$/.exec(short);
  if (!rt) return null;
  if ((rt[1] === 'MIN' && rt[2] === '-') || (rt[1] === 'MAX' && rt[2] === '+')) return null;
  const offset = rt[2] ? Number(rt[3]) : 0;
  const n = rt[1] === 'MIN' ? RTMIN + offset : RTMAX - offset;
  return n >= RTMIN && n <= RTMAX ? n : null;
}

/** Every signal number, standard then real-time, in order. */
export function signalNumbers(): number[] {
  const out: number[] = [];
  for (let n = 1; n <= RTMAX; n++) if (n >= RTMIN || NAME.has(n)) out.push(n);
  return out;
}

/** The short names of the aliases (IOT, CLD, POLL): accepted, never shown. */
export function signalAliases(): string[] {
  return [...NUMBER.keys()].filter((k) => NAME.get(NUMBER.get(k) as number) !== k);
}
