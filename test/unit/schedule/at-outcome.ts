// How a TIMESPEC resolves, as one comparable string: the time with its offset, or why not.
import { AtParseError, AtPastError, isoWithOffset, resolveAt } from '../../../src/schedule/index.js';

/** `2026-11-22T11:15:00+01:00`, or `past` / `garbled` when at would refuse the spec. */
export function atOutcome(spec: string, from: Date, tz: string): string {
  try {
    return isoWithOffset(resolveAt(spec, from, tz), tz);
  } catch (e) {
    if (e instanceof AtPastError) return 'past';
    if (e instanceof AtParseError) return 'garbled';
    throw e;
  }
}
