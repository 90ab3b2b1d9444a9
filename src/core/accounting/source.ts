// Where accounting records come from, and what each source records (for `appinit info`).

/** The kernel (taskstats, when the daemon runs as root) or the helper's wait4. */
export type AcctSource = 'taskstats' | 'wait4';

/** One line per source saying what is recorded. */
export const SOURCE_TEXT: Record<AcctSource, string> = {
  taskstats: 'kernel taskstats: every process of every job, with its own CPU, exact elapsed time, flags, tty, I/O and memory',
  wait4: 'wait4: only processes the helper reaps (leaders and adopted orphans), CPU including reaped children\'s; run the daemon as root for kernel records',
};
