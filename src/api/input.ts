// Checks on what a request carries, each failing with a 400 that says what was expected and
// what came. Strings that reach the kernel (argv, names, paths, environment) may not hold NUL:
// execve and open would cut them there, or fail long after the request was accepted.
import { nameError } from '../config/names.js';
import { ApiError } from './errors.js';

/** How deep a request body's JSON may nest; more is refused before it is parsed. */
export const MAX_JSON_DEPTH = 32;

/** A value as a 400 shows what came: a string quoted (cut at 60), a number with its type, an array, an object. */
export function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  if (v === null || typeof v !== 'object') return `${JSON.stringify(v)} (${typeof v})`;
  return Array.isArray(v) ? 'an array' : 'an object';
}

/** A string without NUL bytes, or a 400 naming the field. */
export function text(v: unknown, field: string, what = 'a string'): string {
  if (typeof v !== 'string') throw new ApiError('usage', `${field}: expected ${what}, got ${shown(v)}`);
  const at = nulPlace(v);
  if (at) throw new ApiError('usage', `${field}: may not contain a NUL byte${v.includes('\n') ? ` (line ${at.replace(':', ', column ')})` : ''}`);
  return v;
}

/** Where the first NUL byte of a text is, as `line:col` (1-based), or null when it has none. */
export function nulPlace(v: string): string | null {
  const i = v.indexOf('\0');
  if (i < 0) return null;
  const start = v.lastIndexOf('\n', i) + 1;
  let line = 1;
  for (let j = v.indexOf('\n'); j >= 0 && j < i; j = v.indexOf('\n', j + 1)) line++;
  return `${line}:${i - start + 1}`;
}

/** Like text, or undefined when absent (undefined or null). */
export function optText(v: unknown, field: string, what = 'a string'): string | undefined {
  return v == null ? undefined : text(v, field, what);
}

/** A boolean, or the default when absent. */
export function bool(v: unknown, field: string, dflt: boolean): boolean {
  if (v == null) return dflt;
  if (typeof v !== 'boolean') throw new ApiError('usage', `${field}: expected true or false, got ${shown(v)}`);
  return v;
}

/** A whole number within [min, max], or undefined when absent. */
export function optInt(v: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v == null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ApiError('usage', `${field}: expected a whole number from ${min} to ${max}, got ${shown(v)}`);
  }
  return v;
}

/** A non-empty array of strings without NUL bytes. */
export function textList(v: unknown, field: string, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new ApiError('usage', `${field}: expected ${what}, got ${shown(v)}`);
  return v.map((x, i) => text(x, `${field}[${i}]`));
}

/** An environment: an object whose values are strings; names without "=" or NUL. */
export function envObject(v: unknown, field = 'env'): Record<string, string> {
  if (v == null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ApiError('usage', `${field}: expected an object of strings, got ${shown(v)}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === '' || k.includes('=') || k.includes('\0')) throw new ApiError('usage', `${field}: ${JSON.stringify(k)} is not a variable name`);
    out[k] = text(x, `${field}.${k}`);
  }
  return out;
}

/** A signal as a name or number (parsed by the caller), or the default when absent. */
export function signalArg(v: unknown, dflt: string): string | number {
  if (v == null) return dflt;
  if (typeof v === 'number') return v;
  return text(v, 'signal', 'a signal name or number');
}

/** A program or job name a request gives (checked as the control file checks it). */
export function programName(v: unknown, field = 'name'): string {
  const name = text(v, field, 'a program name');
  const why = nameError(name);
  if (why) throw new ApiError('usage', `${field}: ${JSON.stringify(name)}: ${why}`);
  return name;
}

/** A query parameter that must be a number when present (`?uid=abc` is a 400, not an empty answer). */
export function queryNumber(q: URLSearchParams, field: string, opts: { integer?: boolean; min?: number } = {}): number | undefined {
  const raw = q.get(field);
  if (raw == null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min != null && n < opts.min)) {
    const what = opts.integer ? 'a whole number' : 'a number';
    throw new ApiError('usage', `${field}: expected ${what}${opts.min != null ? ` of at least ${opts.min}` : ''}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** A yes/no query parameter: 1 or true, 0 or false (the client sends 1 and 0); the default when
 *  absent or empty. Anything else is a 400: `?all=banana` was read as all=0. */
export function queryFlag(q: URLSearchParams, field: string, dflt: boolean): boolean {
  const raw = q.get(field);
  if (raw == null || raw === '') return dflt;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ApiError('usage', `${field}: expected 1 or 0 (or true or false), got ${JSON.stringify(raw)}`);
}

/** A query parameter as text without NUL bytes, or undefined. */
export function queryText(q: URLSearchParams, field: string): string | undefined {
  const raw = q.get(field);
  return raw == null || raw === '' ? undefined : text(raw, field);
}

/** How deep JSON text nests (objects and arrays), by one pass over it: nothing is parsed. */
export function jsonDepth(s: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) { if (++depth > max) max = depth; } // { [
    else if (c === 125 || c === 93) depth--; // } ]
  }
  return max;
}

/** A request body: a JSON object nested at most MAX_JSON_DEPTH deep; {} when empty. */
export function parseBody(s: string): Record<string, unknown> {
  if (s.length === 0) return {};
  if (jsonDepth(s) > MAX_JSON_DEPTH) throw new ApiError('bad_json', `request body: nested deeper than ${MAX_JSON_DEPTH} levels`);
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (err) {
    throw new ApiError('bad_json', `request body: expected a JSON object (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError('bad_json', `request body: expected a JSON object, got ${shown(v)}`);
  return v as Record<string, unknown>;
}
