// `jobs` output exactly as bash prints it (jobs.c pretty_print_job and printable_job_status).
import type { JobsRow } from '../../api/views.js';
import { signalName as shortSignalName, signalNumber } from '../../os/signals.js';
import { printable } from '../format/table.js';

export type { JobsRow };


// strsignal(3) texts, which bash prints for signalled and stopped jobs.
const STRSIGNAL: Record<number, string> = {
  1: 'Hangup', 2: 'Interrupt', 3: 'Quit', 4: 'Illegal instruction', 5: 'Trace/breakpoint trap', 6: 'Aborted',
  7: 'Bus error', 8: 'Floating point exception', 9: 'Killed', 10: 'User defined signal 1', 11: 'Segmentation fault',
  12: 'User defined signal 2', 13: 'Broken pipe', 14: 'Alarm clock', 15: 'Terminated', 16: 'Stack fault',
  17: 'Child exited', 18: 'Continued', 19: 'Stopped (signal)', 20: 'Stopped', 21: 'Stopped (tty input)',
  22: 'Stopped (tty output)', 23: 'Urgent I/O condition', 24: 'CPU time limit exceeded', 25: 'File size limit exceeded',
  26: 'Virtual timer expired', 27: 'Profiling timer expired', 28: 'Window changed', 29: 'I/O possible',
  30: 'Power failure', 31: 'Bad system call',
};

/** strsignal(3) for n. */
export function strsignal(n: number): string {
  return STRSIGNAL[n] ?? (n >= 34 && n <= 64 ? `Real-time signal ${n - 34}` : `Unknown signal ${n}`);
}

/** The state word: `long` is `jobs -l`'s (which names the stop signal), as bash does. */
export function jobState(r: JobsRow, long: boolean): string {
  switch (r.status.kind) {
    case 'running': return 'Running';
    case 'stopped': return long ? strsignal(r.status.signal) : 'Stopped';
    case 'done': return r.status.code === 0 ? 'Done' : `Exit ${r.status.code}`;
    case 'signalled': return strsignal(r.status.signal) + (r.status.core ? ' (core dumped)' : '');
  }
}

/** One `jobs` line: `[1]+  Running                 sleep 100 &`; with long, the pid after the marker. */
export function formatJobsLine(r: JobsRow, long: boolean): string {
  const state = jobState(r, long).padEnd(24);
  const amp = r.status.kind === 'running' ? ' &' : '';
  const head = `[${r.number}]${r.marker}`;
  const command = printable(r.command); // a newline or an escape sequence of it would take over the terminal
  return long ? `${head} ${String(r.pid ?? '').padStart(5)} ${state}${command}${amp}` : `${head}  ${state}${command}${amp}`;
}

/** The signal names `kill -l` prints, as bash does (5 a line, tab-separated). */
export function killList(): string {
  const names: string[] = [];
  for (let n = 1; n <= 64; n++) {
    if (n === 32 || n === 33) continue;
    names.push(`${String(n).padStart(2)}) SIG${shortSignalName(n)}`);
  }
  // Bash ends each entry with a tab, or a newline after every fifth; a short last line keeps its tab.
  let out = '';
  names.forEach((n, i) => (out += n + ((i + 1) % 5 === 0 ? '\n' : '\t')));
  return out.endsWith('\n') ? out.slice(0, -1) : out;
}

/**
 * bash's `kill -l ARG...`: a number names its signal (an exit status above 128 names the signal
 * that caused it, as `kill -l $?`), a name gives its number. Throws for one that is neither.
 */
export function killListOf(args: readonly string[]): string {
  return args.map((a) => {
    if (/^\d+$/.test(a)) {
      const n = Number(a) > 128 ? Number(a) - 128 : Number(a);
      const name = n >= 1 && n <= 64 && n !== 32 && n !== 33 ? shortSignalName(n) : null;
      if (name == null || name === String(n)) throw new Error(`${a}: invalid signal specification`);
      return name;
    }
    const n = signalNumber(a.toUpperCase().replace(/^SIG/, ''));
    if (n == null) throw new Error(`${a}: invalid signal specification`);
    return String(n);
  }).join('\n');
}
