// Validation walks the yaml package's nodes rather than plain objects because only the
// nodes know where each key and value is in the file.
import { isAlias, isMap, isScalar, isSeq, isNode, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import { describeValue } from './describe.js';
import type { Reporter } from './issues.js';
import type { Reader } from './read-file.js';
import { didYouMean } from './suggest.js';

/** One value to check: where it is, what path names it, and its plain value for messages. */
export interface Field {
  path: string;
  key: Node | null;
  node: Node | null; // aliases already resolved
  /** Scalars as parsed; a list as [] and a mapping as {} (enough to describe them). */
  value: unknown;
}

/** One `key: value` pair of a mapping, merges (`<<: *anchor`) already applied. */
export interface Entry {
  name: string;
  key: Node;
  value: Node | null;
}

/** For each setting, the spellings accepted for it (snake_case and camelCase). */
export type KeyTable<K extends string> = Record<K, readonly string[]>;

const MERGE_HINT = 'expected an alias of a mapping, like <<: *defaults';

/** `a.b` path joining that tolerates an empty root. */
export const joinPath = (parent: string, name: string | number): string =>
  typeof name === 'number' ? `${parent}[${name}]` : parent ? `${parent}.${name}` : name;

/** What readers need beyond the text: where relative paths start, and on whose behalf files are read. */
export interface ReadOptions {
  baseDir: string;
  reader?: Reader;
}

/** Reads one parsed document, reporting problems through a Reporter. */
export class Walker {
  constructor(
    readonly doc: Document.Parsed,
    readonly r: Reporter,
    readonly opts: ReadOptions = { baseDir: '/' },
  ) {}

  /** The node an alias points at, or the node itself. */
  resolve(n: unknown): Node | null {
    if (isAlias(n)) return n.resolve(this.doc) ?? null;
    return isNode(n) ? n : null;
  }

  /** A Field for `node` named `path`. */
  field(path: string, key: Node | null, node: unknown): Field {
    const n = this.resolve(node);
    if (isAlias(node) && n === null) this.r.add(start(node), path, `no anchor &${node.source} before this alias`);
    const value = isScalar(n) ? n.value : isSeq(n) ? [] : isMap(n) ? {} : null;
    return { path, key, node: n, value };
  }

  /** True for a key written with no value (`restart:`). */
  isEmpty(f: Field): boolean {
    return f.node === null || (isScalar(f.node) && f.node.value === null && start(f.node) === end(f.node));
  }

  /** Record a problem with a field: at its value, or at its key when the value is missing. */
  fail(f: Field, message: string): undefined {
    const at = this.isEmpty(f) && f.key ? f.key : f.node;
    return this.r.add(start(at), f.path, message);
  }

  /** Record a problem at the key of a field. */
  failKey(f: Field, message: string): undefined {
    return this.r.add(start(f.key ?? f.node), f.path, message);
  }

  /** The file offset of character `i` of a scalar's value, where it can be known. */
  offsetIn(n: Scalar, i: number): number {
    const s = start(n);
    const src = this.r.text.slice(s, end(n));
    const v = String(n.value);
    if (n.type === 'PLAIN' && src === v) return s + i;
    if ((n.type === 'QUOTE_SINGLE' || n.type === 'QUOTE_DOUBLE') && src.slice(1, -1) === v) return s + 1 + i;
    return s; // escapes or folding moved characters: point at the value itself
  }

  /** The pairs of a mapping in file order; merged keys come after and never override. */
  entries(map: YAMLMap, path: string): Entry[] {
    const own: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of map.items) {
      const key = pair.key as Node;
      const value = (pair.value ?? null) as Node | null;
      if (isScalar(key) && key.value === '<<' && key.type === 'PLAIN') {
        for (const src of isSeq(value) ? value.items : [value]) {
          const target = this.resolve(src);
          if (isMap(target)) merged.push(...this.entries(target, path));
          else this.r.add(start((src as Node | null) ?? key), joinPath(path, '<<'), MERGE_HINT);
        }
        continue;
      }
      own.push({ name: isScalar(key) ? String(key.value) : String(key), key, value });
    }
    for (const e of merged) if (!own.some((o) => o.name === e.name)) own.push(e);
    return own;
  }

  /** The settings of a mapping by canonical name; unknown and repeated keys are reported. */
  keys<K extends string>(
    f: Field,
    table: KeyTable<K>,
    what: string,
    ignore: (name: string) => boolean = () => false,
    foreign: (name: string) => string = () => '',
  ): Partial<Record<K, Field>> | undefined {
    if (this.isEmpty(f)) return {};
    if (!isMap(f.node)) return this.fail(f, `expected a mapping of ${what}, got ${describeValue(f.value)}`);
    const { canonical, firsts } = spellings(table);
    const out: Partial<Record<K, Field>> = {};
    const seen = new Map<K, Entry>();
    for (const e of this.entries(f.node, f.path)) {
      const path = joinPath(f.path, e.name);
      const k = canonical.get(e.name);
      if (ignore(e.name)) continue;
      if (k === undefined) {
        // Another manager's exact word first: autorestart is PM2's restart, not a typo of autostart.
        const hint = foreign(e.name) || didYouMean(e.name, [...canonical.keys()]) || expectedKeys(firsts);
        this.r.add(start(e.key), path, `unknown key${hint}`);
      } else if (seen.has(k)) {
        const first = seen.get(k)!;
        const line = this.r.pos(start(first.key)).line;
        this.r.add(start(e.key), path, `same setting as "${first.name}" on line ${line}; keep one`);
      } else {
        seen.set(k, e);
        out[k] = this.field(path, e.key, e.value);
      }
    }
    return out;
  }
}

// Each table's spellings by name, made once per table: keys() runs for every program and every
// nested setting, and building the map on each call was most of its time (issue 17, an `up` of 500).
const tables = new WeakMap<object, { canonical: Map<string, string>; firsts: string[] }>();
function spellings<K extends string>(table: KeyTable<K>): { canonical: Map<string, K>; firsts: string[] } {
  let t = tables.get(table);
  if (!t) {
    const canonical = new Map<string, string>();
    for (const k of Object.keys(table) as K[]) for (const s of table[k]) canonical.set(s, k);
    t = { canonical, firsts: (Object.keys(table) as K[]).map((k) => table[k][0]) };
    tables.set(table, t);
  }
  return t as { canonical: Map<string, K>; firsts: string[] };
}

// Every key, however many: the author of a key that is nothing like ours needs the list.
function expectedKeys(names: string[]): string {
  if (names.length === 1) return `; expected "${names[0]}"`;
  return `; expected one of ${names.join(', ')}`;
}

const start = (n: Node | null | undefined): number => n?.range?.[0] ?? 0;
const end = (n: Node | null | undefined): number => n?.range?.[1] ?? 0;
