// Scalar readers shared by every setting. Each reports its own problem and returns
// undefined, so a caller checks many settings and every problem is reported.
import { isScalar, type Node } from 'yaml';
import { describeValue } from './describe.js';
import { didYouMean } from './suggest.js';
import { BOUNDS } from './program.js';
import { formatDuration, parseDuration, parseSize } from './units.js';
import type { Field, Walker } from './yaml-nodes.js';

/** A non-empty string. */
export function str(w: Walker, f: Field, what = 'a non-empty string'): string | undefined {
  if (typeof f.value === 'string' && f.value !== '') return f.value;
  return w.fail(f, `expected ${what}, got ${describeValue(f.value)}`);
}

/** true or false. */
export function bool(w: Walker, f: Field): boolean | undefined {
  if (typeof f.value === 'boolean') return f.value;
  // YAML 1.2 (which the yaml package follows) reads yes/no/on/off as text, unlike YAML 1.1.
  const yaml11 = typeof f.value === 'string' && /^(?:y|n|yes|no|on|off)$/i.test(f.value);
  return w.fail(f, `expected true or false, got ${describeValue(f.value)}${yaml11 ? '; write true or false' : ''}`);
}

/** An integer within [min, max]. */
export function int(w: Walker, f: Field, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = f.value;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max) return v;
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  return w.fail(f, `expected an integer ${range}, got ${describeValue(v)}`);
}

/** A finite number >= min. */
export function num(w: Walker, f: Field, min: number): number | undefined {
  if (typeof f.value === 'number' && Number.isFinite(f.value) && f.value >= min) return f.value;
  return w.fail(f, `expected a number >= ${min}, got ${describeValue(f.value)}`);
}

/** One of a fixed set of words, with a suggestion for a near miss. */
export function oneOf<T extends string>(w: Walker, f: Field, options: readonly T[]): T | undefined {
  if (options.includes(f.value as T)) return f.value as T;
  const hint = typeof f.value === 'string' ? didYouMean(f.value, options) : '';
  return w.fail(f, `expected one of ${options.join(', ')}, got ${describeValue(f.value)}${hint}`);
}

/** A duration in ms (see parseDuration), at most BOUNDS.duration; `min` rejects e.g. a zero window. */
export function duration(w: Walker, f: Field, min = 0): number | undefined {
  try {
    const ms = parseDuration(f.value);
    if (ms > BOUNDS.duration) {
      const max = formatDuration(BOUNDS.duration);
      return w.fail(f, `expected a duration of at most ${max}, got ${describeValue(f.value)}; longer timers are not supported`);
    }
    if (ms >= min) return ms;
    return w.fail(f, `expected a duration of at least ${min}ms, got ${describeValue(f.value)}`);
  } catch (e) {
    return w.fail(f, (e as Error).message);
  }
}

/** A size in bytes (see parseSize). */
export function size(w: Walker, f: Field, min = 0): number | undefined {
  try {
    const n = parseSize(f.value);
    if (n >= min) return n;
    return w.fail(f, `expected a size of at least ${min}B, got ${describeValue(f.value)}`);
  } catch (e) {
    return w.fail(f, (e as Error).message);
  }
}

/** A scalar as text: numbers as written (`1.10` stays "1.10"), booleans as true/false. */
export function scalarText(n: Node | null): string | undefined {
  if (!isScalar(n)) return undefined;
  if (typeof n.value === 'string') return n.value;
  if (typeof n.value === 'number') return n.source ?? String(n.value);
  if (typeof n.value === 'boolean') return String(n.value);
  return undefined;
}
