// How a process ended, and how people read it (the seed's appinit wording).
import { signalName } from '../../os/signals.js';

/** How a process ended. `unknown` when it ended while nobody was watching. */
export interface Termination {
  code: number | null;
  signal: number | null;
  core: boolean;
  unknown?: boolean;
  /** Killed by the kernel's OOM killer (systemd's `oom-kill` result). */
  oom?: boolean;
  text: string;
}

/** Short signal name without SIG ('KILL'), or the number for real-time signals. */
export function shortSignalName(n: number): string {
  return signalName(n);
}

/** Builds a Termination from exit code or signal: `exit(3)`, `signal 11 (SEGV), core dumped`,
 * `signal 9 (KILL), out of memory` (the OOM killer's, which a bare SIGKILL does not tell). */
export function termination(code: number | null, signal: number | null, core: boolean, oom = false): Termination {
  const text = signal != null ? `signal ${signal} (${shortSignalName(signal)})${core ? ', core dumped' : ''}${oom ? ', out of memory' : ''}` : `exit(${code})`;
  return oom ? { code, signal, core, oom, text } : { code, signal, core, text };
}

/** The end of a process that died while the daemon (and its helper) were down. */
// Said so, not guessed: the leader ended while no parent of ours could wait for it (the daemon,
// or the supervise helper that was its parent, was down or killed).
export const UNKNOWN_END: Termination = { code: null, signal: null, core: false, unknown: true, text: 'unknown (ended while the daemon or its helper was down)' };

/** The exit status a shell would report: the code, or 128+N for a signal. */
export function shellStatus(t: Termination): number {
  if (t.signal != null) return 128 + t.signal;
  return t.code ?? 1;
}
