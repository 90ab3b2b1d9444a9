// Signals as a control file or a command names them: "TERM", "SIGTERM", 15. The numbers and
// names are the kernel's, from the one table in os/signals.ts.
import { RTMAX, RTMIN, signalAliases, signalName, signalNumber, signalNumbers } from '../os/signals.js';
import { closest } from './suggest.js';

/** A signal in canonical form: `{ name: 'SIGTERM', number: 15 }`. */
export interface Signal {
  name: string;
  number: number;
}

/** The short name of signal `n` ('KILL', 'RTMIN+3'), or its number as text if it has none. */
export { signalName };

/** Every signal this table knows, in number order. */
export const SIGNALS: readonly Signal[] = signalNumbers().map((number) => ({ name: 'SIG' + signalName(number), number }));

const byNumber = (n: number): Signal => ({ name: 'SIG' + signalName(n), number: n });

/** A signal from "TERM", "SIGTERM", 15 or "15"; names are upper case only, with a suggestion. */
export function parseSignal(v: string | number): Signal {
  const hint = `expected a name like "TERM" or "SIGTERM", or a number 1-31 or ${RTMIN}-${RTMAX}`;
  if (typeof v === 'number' || /^\d+$/.test(v)) {
    const n = Number(v);
    if (signalName(n) === String(n)) throw new Error(`Unknown signal ${v}: ${hint}`);
    return byNumber(n);
  }
  const n = signalNumber(v.startsWith('SIG') ? v.slice(3) : v);
  if (n !== null) return byNumber(n);
  // Case differences are rejected rather than guessed: the file then reads the same
  // everywhere (kill(1), systemd and supervisord all spell signals in upper case).
  const short = (s: string) => (s.toUpperCase().startsWith('SIG') ? s.slice(3) : s);
  const names = SIGNALS.map((s) => short(s.name)).concat(signalAliases());
  const guess = closest(short(v), names);
  if (guess !== null) {
    const asWritten = short(v) === v ? guess : 'SIG' + guess;
    throw new Error(`Unknown signal "${v}": did you mean "${asWritten}"?`);
  }
  throw new Error(`Unknown signal "${v}": ${hint}`);
}
