// The daemon's one order for names (programs, resources, schedules): code-point order, as
// supervisord sorts them (Python's string order) and as `ls` does under LC_ALL=C. Never
// localeCompare in the daemon: its first call builds ICU's collator, ~3 MB of memory kept for as
// long as the daemon runs (bench/scale.ts measures the daemon's RSS).

/** Compares two names by code point (for Array.prototype.sort). */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
