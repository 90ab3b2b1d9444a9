// The client's side of the daemon's `{ keys, rows }` and `{ keys, count, same, columns }` answers
// (api/views.ts asRows, asColumns): objects again, each built by one function made for those keys,
// so that every object has one shape from its first property on (V8 then reads them as fast as
// parsed ones). Rebuilding 1,000 status rows this way costs half of JSON.parse of the objects
// form; a loop setting keys one by one, 85%.
type Build = (cols: unknown[], at: number, same: unknown[]) => Record<string, unknown>;

const builders = new Map<string, Build>();
const NAME = /^[A-Za-z_$][\w$]*$/;

// `fixed[k]` is the index of key k's value in the answer's `same` values, or -1 when it is in a
// row or column (at the position of the keys before it that are not fixed). `byColumn`: the values
// are v[column][at] (columns), else v[column] (v is one row; `at` unused). Values are never in the code.
function builder(keys: string[], fixed: number[], byColumn: boolean): Build {
  const id = `${byColumn ? 'c' : 'r'}${keys.join('\0')}\n${fixed.join(',')}`;
  let b = builders.get(id);
  if (!b) {
    const at: string[] = [];
    let col = 0;
    for (let k = 0; k < keys.length; k++) at.push(fixed[k] >= 0 ? `c[${fixed[k]}]` : byColumn ? `v[${col++}][i]` : `v[${col++}]`);
    // Keys are the daemon's field names; one that is not a plain name takes the loop.
    b = keys.every((k) => NAME.test(k) && k !== '__proto__') // in a literal, __proto__ would set the prototype
      ? (new Function('v', 'i', 'c', `return {${keys.map((k, j) => `${k}: ${at[j]}`).join(', ')}};`) as Build)
      : (v, i, c) => {
        const out: Record<string, unknown> = {};
        let j = 0;
        keys.forEach((k, n) => {
          const value = fixed[n] >= 0 ? c[fixed[n]] : byColumn ? (v[j++] as unknown[])[i] : v[j++];
          Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
        });
        return out;
      };
    if (builders.size > 32) builders.clear();
    builders.set(id, b);
  }
  return b;
}

// Where each key's value is: its index among the `same` values, or -1 (a row's or a column's).
function fixedOf(keys: string[], same: [number, unknown][]): { fixed: number[]; values: unknown[] } {
  const fixed = keys.map(() => -1);
  const values: unknown[] = [];
  for (const [k, v] of same) {
    if (!Number.isInteger(k) || k < 0 || k >= keys.length) throw new Error(`appinit: the daemon's answer names column ${k} of ${keys.length}`);
    fixed[k] = values.length;
    values.push(v);
  }
  return { fixed, values };
}

/** The views of an answer that is a list of objects, `{ keys, rows }`, or `{ keys, count, same, columns }`. */
export function fromRows<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  const { keys, rows, columns, count, same = [] } = body as { keys: string[]; rows?: unknown[][]; columns?: unknown[][]; count?: number; same?: [number, unknown][] };
  if (!Array.isArray(keys) || !Array.isArray(same)) throw new Error('appinit: the daemon answered status with neither a list nor rows');
  if (Array.isArray(columns)) {
    const { fixed, values } = fixedOf(keys, same);
    const n = Number(count);
    if (!Number.isSafeInteger(n) || n < 0 || columns.length !== fixed.filter((f) => f < 0).length || columns.some((c) => !Array.isArray(c) || c.length !== n)) {
      throw new Error(`appinit: the daemon's answer has columns that do not fit its ${keys.length} keys and ${count} rows`);
    }
    const b = builder(keys, fixed, true);
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = b(columns, i, values) as T;
    return out;
  }
  if (!Array.isArray(rows)) throw new Error('appinit: the daemon answered status with neither a list nor rows');
  const { fixed, values } = fixedOf(keys, same);
  const b = builder(keys, fixed, false);
  return rows.map((r) => b(r, 0, values) as T);
}
