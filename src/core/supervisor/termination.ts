// How a process ended, and how people read it (the seed's appinit wording).

/** How a process ended. `unknown` when it ended while nobody was watching. */
export interface Termination {
  code: number | null;
  signal: number | null;
  core: boolean;
  unknown?: boolean;
  text: string;
}

const NAMES: Record<number, string> = {
  1: 'HUP', 2: 'INT', 3: 'QUIT', 4: 'ILL', 5: 'TRAP', 6: 'ABRT', 7: 'BUS', 8: 'FPE', 9: 'KILL', 10: 'USR1',
  11: 'SEGV', 12: 'USR2', 13: 'PIPE', 14: 'ALRM', 15: 'TERM', 16: 'STKFLT', 17: 'CHLD', 18: 'CONT', 19: 'STOP',
  20: 'TSTP', 21: 'TTIN', 22: 'TTOU', 23: 'URG', 24: 'XCPU', 25: 'XFSZ', 26: 'VTALRM', 27: 'PROF', 28: 'WINCH',
  29: 'IO', 30: 'PWR', 31: 'SYS',
};

/** Short signal name without SIG ('KILL'), or the number for real-time signals. */
export function shortSignalName(n: number): string {
  return NAMES[n] ?? (n >= 34 && n <= 64 ? `RTMIN+${n - 34}` : String(n));
}

/** Builds a Termination from exit code or signal: `exit(3)`, `signal 11 (SEGV), core dumped`. */
export function termination(code: number | null, signal: number | null, core: boolean): Termination {
  const text = signal != null ? `signal ${signal} (${shortSignalName(signal)})${core ? ', core dumped' : ''}` : `exit(${code})`;
  return { code, signal, core, text };
}

/** The end of a process that died while the daemon (and its helper) were down. */
export const UNKNOWN_END: Termination = { code: null, signal: null, core: false, unknown: true, text: 'unknown (daemon was down)' };

/** The exit status a shell would report: the code, or 128+N for a signal. */
export function shellStatus(t: Termination): number {
  if (t.signal != null) return 128 + t.signal;
  return t.code ?? 1;
}
