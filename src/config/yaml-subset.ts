// A fast reader for the plain subset of YAML most control files are written in, giving the same
// nodes (values, types, positions) as the yaml package, or null for anything outside the subset.
//
// Why: in a freshly started daemon the yaml package's parser is cold (interpreted, and its CST
// allocates much): parseDocument of a 2,000-line file took ~180 ms of an `up` of 500 programs
// (issue 17). This reader takes one pass over the lines. It never decides what the yaml package
// would decide differently: whatever it does not know for certain (tabs, anchors, aliases, tags,
// block scalars, escapes, multi-line scalars, empty values, duplicate keys, documents, directives,
// odd indentation, ...) gives null and the caller uses the yaml package, which also makes every
// error message (document.ts reads a file again through it whenever a setting is refused).
//
// The subset: block mappings with plain keys; block sequences of scalars or flow collections;
// single-line plain, single-quoted and double-quoted (no backslash) scalars; single-line flow
// mappings and sequences; comments; blank lines. Plain scalars are resolved by the document's own
// schema tags (YAML 1.2 core: null, booleans, integers, floats), as the yaml package does.
import { Document, Pair, Scalar, YAMLMap, YAMLSeq, isScalar, type Node } from 'yaml';
import type { ScalarTag } from 'yaml';

/** Thrown inside the reader when the text leaves the subset; caught at the top. */
class Outside extends Error {}
const outside = (): never => {
  throw new Outside();
};

// A plain key: letters, digits and _ . / - (no spaces, quotes or indicators), as program names,
// settings and environment names are written.
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
// Characters that mean something at the start of a plain scalar (YAML 1.2, c-indicator).
const INDICATOR = new Set('-?:,[]{}#&*!|>\'"%@`');

type Range = [number, number, number];
type Block = { indent: number; node: YAMLMap | YAMLSeq; keys: Set<string> | null };

/** The document for text when it is in the subset (see above), else null. */
export function readSimpleYaml(text: string): Document.Parsed | null {
  // Whole-text refusals: characters whose YAML meaning this reader does not handle anywhere.
  // Tabs, carriage returns, other control characters, backslashes (escapes), NEL, LS, PS, BOM.
  if (/[\x00-\x09\x0b-\x1f\x7f\x85\\\u2028\u2029\uFEFF]/.test(text)) return null;
  const doc = new Document(undefined, { prettyErrors: false, uniqueKeys: true });
  const tags = (doc.schema.tags as ScalarTag[]).filter((t) => t.default === true && t.test);
  try {
    const contents = new Reader(text, doc, tags).read();
    if (!contents) return null;
    doc.contents = contents;
    doc.range = [0, text.length, text.length];
    return doc as unknown as Document.Parsed;
  } catch (err) {
    if (err instanceof Outside) return null;
    throw err;
  }
}

class Reader {
  private pos = 0;

  constructor(private readonly text: string, private readonly doc: Document, private readonly tags: ScalarTag[]) {}

  read(): YAMLMap | null {
    const t = this.text;
    const stack: Block[] = [];
    let root: YAMLMap | null = null;
    // A key written without a value on its line: its value is the block on the lines below.
    let pending: { pair: Pair<Scalar, Node | null>; indent: number } | null = null;
    let lastEnd = 0;
    while (this.pos < t.length) {
      const lineStart = this.pos;
      let nl = t.indexOf('\n', lineStart);
      if (nl < 0) nl = t.length;
      this.pos = nl + 1;
      let i = lineStart;
      while (i < nl && t.charCodeAt(i) === 32) i++;
      if (i === nl || t.charCodeAt(i) === 35 /* # */) continue; // blank or comment line
      const indent = i - lineStart;
      // Document markers and directives at the start of a line.
      if (indent === 0 && (t.startsWith('---', i) || t.startsWith('...', i) || t[i] === '%')) outside();
      const lineEnd = Math.min(nl + 1, t.length);
      if (pending) {
        if (indent <= pending.indent) outside(); // an empty value
        const node = t.startsWith('- ', i) ? new YAMLSeq(this.doc.schema) : new YAMLMap(this.doc.schema);
        const block: Block = { indent, node, keys: node instanceof YAMLMap ? new Set() : null };
        node.range = [i, i, i];
        pending.pair.value = node;
        stack.push(block);
        pending = null;
      } else if (stack.length === 0) {
        if (indent !== 0 || root) outside();
        root = new YAMLMap(this.doc.schema);
        root.range = [i, i, i];
        stack.push({ indent, node: root, keys: new Set() });
      } else {
        while (stack.length > 0 && indent < stack[stack.length - 1].indent) this.close(stack.pop()!, lastEnd);
        if (stack.length === 0 || indent !== stack[stack.length - 1].indent) outside(); // a continuation or a misaligned item
      }
      const top = stack[stack.length - 1];
      if (top.node instanceof YAMLSeq) {
        if (!t.startsWith('- ', i)) outside();
        let j = i + 2;
        while (j < nl && t.charCodeAt(j) === 32) j++;
        if (j === nl || t.charCodeAt(j) === 35) outside(); // an empty item, or a nested block
        top.node.items.push(this.value(j, nl, lineEnd));
      } else {
        const pair = this.entry(top, i, nl, lineEnd);
        if (pair.value == null) pending = { pair, indent };
      }
      lastEnd = lineEnd;
    }
    if (pending) outside();
    while (stack.length > 0) this.close(stack.pop()!, lastEnd);
    return root;
  }

  // A block collection ends where its last line ends.
  private close(b: Block, end: number): void {
    if (b.node.items.length === 0) outside();
    const r = b.node.range as Range;
    b.node.range = [r[0], end, end];
  }

  // `key: value` or `key:` (the value below) in a block mapping.
  private entry(block: Block, i: number, nl: number, lineEnd: number): Pair<Scalar, Node | null> {
    const t = this.text;
    let colon = i;
    while (colon < nl && !(t.charCodeAt(colon) === 58 && (colon + 1 === nl || t.charCodeAt(colon + 1) === 32))) colon++;
    // The yaml package refuses an implicit key whose `:` is over 1024 characters on (strict).
    if (colon === nl || colon - i > 1000) outside();
    const key = this.plain(i, colon, colon, true);
    if (!KEY.test(t.slice(i, colon))) outside();
    this.unique(block.keys!, key);
    let j = colon + 1;
    while (j < nl && t.charCodeAt(j) === 32) j++;
    const pair = new Pair<Scalar, Node | null>(key, null);
    if (j < nl) {
      if (t.charCodeAt(j) === 35) outside(); // `key: # comment`, the value below
      pair.value = this.value(j, nl, lineEnd);
    }
    (block.node as YAMLMap).items.push(pair);
    return pair;
  }

  private unique(keys: Set<string>, key: Scalar): void {
    const k = String(key.value);
    if (keys.has(k)) outside(); // the yaml package refuses duplicate keys: let it say so
    keys.add(k);
  }

  // The value starting at i on a line (block context): a flow collection, a quoted or a plain
  // scalar, then nothing but spaces and a comment.
  private value(i: number, nl: number, lineEnd: number): Node {
    const t = this.text;
    const c = t[i];
    let node: Node;
    let end: number;
    if (c === '[' || c === '{') {
      [node, end] = this.flow(i, nl);
    } else if (c === '"' || c === "'") {
      [node, end] = this.quoted(i, nl);
    } else {
      // A plain scalar runs to a comment (` #`) or the end of the line, trailing spaces trimmed.
      let e = i;
      while (e < nl && !(t.charCodeAt(e) === 35 && t.charCodeAt(e - 1) === 32)) e++;
      while (e > i && t.charCodeAt(e - 1) === 32) e--;
      const s = this.plain(i, e, lineEnd, false);
      const v = t.slice(i, e);
      // `a: b: c` and `a: b:` are mappings the yaml package refuses on one line.
      if (v.includes(': ') || v.endsWith(':')) outside();
      return s;
    }
    let k = end;
    while (k < nl && t.charCodeAt(k) === 32) k++;
    if (k < nl && !(t.charCodeAt(k) === 35 && k > end)) outside(); // something after the value
    return node;
  }

  // A plain scalar of text [i, e): resolved by the schema's tags as the yaml package does.
  private plain(i: number, e: number, nodeEnd: number, atKey: boolean): Scalar {
    const t = this.text;
    if (e <= i) outside();
    const c = t[i];
    // `-` may start a plain scalar when a non-space follows (`-1`, `-x`); other indicators are
    // left to the yaml package.
    if (INDICATOR.has(c) && (c !== '-' || e === i + 1 || t.charCodeAt(i + 1) === 32)) outside();
    const src = t.slice(i, e);
    // As the yaml package's composeScalar: the first default tag whose test matches resolves the
    // text (some tags make the node themselves: null, booleans, floats with their digits).
    let s: Scalar;
    const tag = this.tags.find((x) => x.test!.test(src));
    if (tag) {
      let failed = false;
      const res = tag.resolve(src, () => { failed = true; }, this.doc.options);
      if (failed) outside();
      s = isScalar(res) ? res : new Scalar(res);
      if (tag.format) s.format = tag.format;
    } else {
      s = new Scalar(src);
    }
    void atKey; // no tag of the core schema differs for keys (merge keys `<<` are not in the subset)
    s.range = [i, e, nodeEnd];
    s.source = src;
    s.type = Scalar.PLAIN;
    return s;
  }

  // A quoted scalar on one line; "..." without escapes, '...' with '' for a quote.
  private quoted(i: number, nl: number): [Scalar, number] {
    const t = this.text;
    const q = t[i];
    let value = '';
    let j = i + 1;
    for (;;) {
      const k = t.indexOf(q, j);
      if (k < 0 || k >= nl) outside(); // not closed on this line
      value += t.slice(j, k);
      if (q === "'" && t[k + 1] === "'") {
        value += "'";
        j = k + 2;
        continue;
      }
      j = k + 1;
      break;
    }
    const s = new Scalar(value);
    s.range = [i, j, j];
    s.source = value;
    s.type = q === '"' ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE;
    return [s, j];
  }

  // A flow mapping or sequence on one line: `{ a: 1, b: [x, "y"] }`. Returns it and its end.
  private flow(i: number, nl: number): [YAMLMap | YAMLSeq, number] {
    const t = this.text;
    const isMap = t[i] === '{';
    const close = isMap ? '}' : ']';
    const node = isMap ? new YAMLMap(this.doc.schema) : new YAMLSeq(this.doc.schema);
    node.flow = true;
    const keys = new Set<string>();
    let j = i + 1;
    const skip = () => { while (j < nl && t.charCodeAt(j) === 32) j++; };
    skip();
    if (t[j] === close) {
      node.range = [i, j + 1, j + 1];
      return [node, j + 1];
    }
    for (;;) {
      skip();
      if (isMap) {
        const ks = j;
        while (j < nl && t.charCodeAt(j) !== 58 && !',[]{}#\'" '.includes(t[j])) j++;
        if (t[j] !== ':' || t[j + 1] !== ' ') outside(); // `{a}`, `{a:b}`, a quoted key, ...
        if (!KEY.test(t.slice(ks, j))) outside();
        const key = this.plain(ks, j, j, true);
        this.unique(keys, key);
        j++;
        skip();
        const [value, e] = this.flowItem(j, nl);
        (node as YAMLMap).items.push(new Pair(key, value));
        j = e;
      } else {
        const [value, e] = this.flowItem(j, nl);
        (node as YAMLSeq).items.push(value);
        j = e;
      }
      skip();
      if (t[j] === ',') {
        j++;
        skip();
        if (t[j] === close) outside(); // a trailing comma
        continue;
      }
      if (t[j] === close) break;
      outside();
    }
    node.range = [i, j + 1, j + 1];
    return [node, j + 1];
  }

  // One item of a flow collection: a nested flow collection, a quoted or a plain scalar.
  private flowItem(j: number, nl: number): [Node, number] {
    const t = this.text;
    const c = t[j];
    if (c === '[' || c === '{') return this.flow(j, nl);
    if (c === '"' || c === "'") return this.quoted(j, nl);
    let e = j;
    // A flow plain scalar ends at , ] } ; a colon or # in it is left to the yaml package.
    while (e < nl && !',[]{}'.includes(t[e])) {
      if (t[e] === ':' || t[e] === '#' || t[e] === '"' || t[e] === "'") outside();
      e++;
    }
    let v = e;
    while (v > j && t.charCodeAt(v - 1) === 32) v--;
    if (e >= nl) outside(); // not closed on this line
    const s = this.plain(j, v, v, false);
    return [s, v];
  }
}
