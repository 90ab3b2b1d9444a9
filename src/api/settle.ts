// After a burst of work (an `up`, a stop of many, the daemon's own start) the daemon gives back
// what the burst left behind, once it has been quiet for a moment: malloc_trim returns the free
// pages of glibc's arenas (V8's compiler zones, parse buffers, SQLite's scratch) to the kernel,
// which glibc otherwise keeps for the next burst for as long as the daemon lives. V8's own heap
// is left to V8's memory reducer, which shrinks it ~10 s after a burst anyway: a forced full
// collection here (--expose-gc) was measured and gave the same RSS 15 s after an `up` of 50
// (62.8-63.6 against 63.3-63.7 MiB), only one more collection's CPU. One timer, armed only by
// work: an idle daemon is never woken.
import { trimMalloc } from '../os/memory.js';

/** How long the daemon must be quiet after a burst before it settles. */
export const SETTLE_QUIET_MS = 2000;
/** How many units of work (job changes) make a burst worth a collection. */
export const SETTLE_BURST = 20;
/** The longest work may defer settling: busy for this long, the daemon settles anyway. */
export const SETTLE_MAX_WAIT_MS = 30_000;

/** Calls release once work stops for quietMs (or has gone on for maxWaitMs), when at least `burst` units of work came before. */
export class Settler {
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private since = 0; // when the work now under way began (performance.now())

  constructor(private readonly release: () => void, private readonly quietMs = SETTLE_QUIET_MS, private readonly burst = SETTLE_BURST,
    private readonly maxWaitMs = SETTLE_MAX_WAIT_MS) {}

  /** One unit of work; n units at once (the daemon's start counts as a burst). */
  note(n = 1): void {
    if (this.stopped) return;
    this.count += n;
    if (this.timer) {
      if (performance.now() - this.since < this.maxWaitMs) return void this.timer.refresh();
      clearTimeout(this.timer);
      return this.fire(); // busy for too long to wait for quiet
    }
    this.since = performance.now();
    this.timer = setTimeout(() => this.fire(), this.quietMs);
    this.timer.unref(); // never what keeps the daemon alive
  }

  /** No more settling (the daemon is going down). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    this.timer = null;
    const worth = this.count >= this.burst;
    this.count = 0;
    if (worth) this.release();
  }
}

/** Gives back what the last burst left: the free pages of malloc's arenas. */
export function releaseMemory(): void {
  trimMalloc();
}
