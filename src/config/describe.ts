// How a bad value is shown in an error: strings quoted so spaces and emptiness are visible,
// other scalars tagged with their type so `"5"` and `5` are told apart.

/** A short human description of a value, for "expected X, got Y" messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${String(v)} (${typeof v})`;
}
