// Settings that are small mappings: backoff, crash_loop, stop, log.
import { DEFAULTS, type LogOptions, type Program } from './program.js';
import { parseSignal } from './signals.js';
import { formatDuration } from './units.js';
import { bool, duration, int, num, oneOf, size } from './values.js';
import type { Field, Walker } from './yaml-nodes.js';

/** Restart delays: initial, factor, max, reset; max may not be below initial. */
export function readBackoff(w: Walker, f: Field): Partial<Program['backoff']> | undefined {
  const table = { initial: ['initial'], factor: ['factor'], max: ['max'], reset: ['reset'] };
  const k = w.keys(f, table, 'backoff settings');
  if (!k) return undefined;
  const out: Partial<Program['backoff']> = {
    initial: k.initial && duration(w, k.initial),
    factor: k.factor && num(w, k.factor, 1),
    max: k.max && duration(w, k.max),
    reset: k.reset && duration(w, k.reset),
  };
  const initial = out.initial ?? DEFAULTS.backoff.initial;
  const max = out.max ?? DEFAULTS.backoff.max;
  if (initial > max) {
    // Point at whichever of the two the file wrote; max first, it is the usual mistake.
    const at = k.max && out.max !== undefined ? k.max : k.initial!;
    const [i, m] = [formatDuration(initial), formatDuration(max)];
    w.fail(at, `max (${m}) is below initial (${i}); raise max or lower initial`);
  }
  return out;
}

/** Crash-loop detection: more than `limit` restarts within `window` is fatal. */
export function readCrashLoop(w: Walker, f: Field): Partial<Program['crashLoop']> | undefined {
  const k = w.keys(f, { limit: ['limit'], window: ['window'] }, 'crash_loop settings');
  if (!k) return undefined;
  return { limit: k.limit && int(w, k.limit, 0), window: k.window && duration(w, k.window, 1) };
}

/** How a job is stopped: the signal (normalised to 'SIGTERM' form) and how long to wait. */
export function readStop(w: Walker, f: Field): { stopSignal?: string; stopTimeout?: number } {
  const k = w.keys(f, { signal: ['signal'], timeout: ['timeout'] }, 'stop settings');
  if (!k) return {};
  let stopSignal: string | undefined;
  if (k.signal) {
    const v = k.signal.value;
    try {
      if (typeof v !== 'string' && typeof v !== 'number') throw new Error('expected a signal name like "TERM"');
      stopSignal = parseSignal(v).name;
    } catch (e) {
      w.fail(k.signal, (e as Error).message);
    }
  }
  return { stopSignal, stopTimeout: k.timeout && duration(w, k.timeout) };
}

const LOG_KEYS = {
  timestamps: ['timestamps'],
  maxSize: ['max_size', 'maxSize'],
  keep: ['keep'],
  rotate: ['rotate'],
  compress: ['compress'],
  maxLine: ['max_line', 'maxLine'],
};

/** Managed-log options; `timestamps: true` means iso and false means none. */
export function readLog(w: Walker, f: Field): Partial<LogOptions> | undefined {
  const k = w.keys(f, LOG_KEYS, 'log settings');
  if (!k) return undefined;
  const ts = k.timestamps;
  const timestamps =
    ts && typeof ts.value === 'boolean'
      ? ts.value ? 'iso' : 'none'
      : ts && oneOf(w, ts, ['iso', 'unix', 'none'] as const);
  return {
    timestamps,
    maxSize: k.maxSize && size(w, k.maxSize),
    keep: k.keep && int(w, k.keep, 0),
    rotate: k.rotate && oneOf(w, k.rotate, ['none', 'hourly', 'daily'] as const),
    compress: k.compress && bool(w, k.compress),
    maxLine: k.maxLine && size(w, k.maxLine, 1),
  };
}
