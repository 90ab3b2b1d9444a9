// The supervisor's clocks. Deadlines, uptime and crash-loop windows use the monotonic clock
// (CLOCK_MONOTONIC, shared by every process on this boot, so it survives a daemon restart);
// the wall clock is only for what people read.

/** What the machine is told the time is: monotonic ms for arithmetic, wall ms for display. */
export interface Now {
  mono: number;
  wall: number;
}

/** CLOCK_MONOTONIC in milliseconds. */
export function monoNow(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** Both clocks, read once. */
export function now(): Now {
  return { mono: monoNow(), wall: Date.now() };
}

/** The longest delay setTimeout honours (2^31 - 1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 0x7fffffff;
