// YAML and JSON control files: syntax first (stop there — a broken structure only yields
// misleading follow-on errors), then every program's settings.
import { isMap, isScalar, parseDocument, visit, type Document, type Node, type YAMLError } from 'yaml';
import { describeValue } from './describe.js';
import { Reporter } from './issues.js';
import { jsonSyntaxError } from './json-syntax.js';
import { readIpc } from './read-ipc.js';
import { readProgram } from './read-program.js';
import { checkNeeds, readResourcesSection, type ResourceDecl } from './read-coordination.js';
import { readWeb } from './read-web.js';
import type { IpcObjectSpec } from '../core/ipc/spec.js';
import { checkPipes, readFifos } from './read-pipes.js';
import type { ProgramSpec } from './spec.js';
import { didYouMean } from './suggest.js';
import { Walker, type ReadOptions } from './yaml-nodes.js';
import { readSimpleYaml } from './yaml-subset.js';

/** What a reader found: the specs, and the reporter holding any problems. */
export interface Read {
  specs: ProgramSpec[];
  r: Reporter;
  /** The top-level `resources:` (coordination). */
  resources?: ResourceDecl[];
  /** The `ipc:` section's System V objects (sysv); absent when the file has none. */
  ipc?: IpcObjectSpec[];
  /** The file has a `web:` section (applied by `up`, api/web); absent or false when it has none. */
  web?: boolean;
}

/** Program specs from YAML or JSON text; problems go to the returned reporter. */
export function readStructured(text: string, file: string, format: 'yaml' | 'json', opts: ReadOptions = { baseDir: '/' }): Read {
  const r = new Reporter(file, text);
  let source = text;
  if (format === 'json') {
    const bad = jsonSyntaxError(text);
    if (bad) return r.add(bad.offset, '', bad.message), { specs: [], r };
    // Tabs are JSON whitespace but not YAML indentation; one space each keeps every offset.
    source = text.replace(/\t/g, ' ');
  } else {
    // Most files are plain YAML: read without the yaml package's cold parser (yaml-subset.ts).
    // A file with any problem is read again below, so every message comes from the one path.
    const simple = readSimpleYaml(source);
    if (simple) {
      const read = readDocument(simple, new Reporter(file, text), opts);
      if (read.r.issues.length === 0) return read;
    }
  }
  const doc = parseDocument(source, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    reportSyntax(r, doc.errors);
    return { specs: [], r };
  }
  return readDocument(doc, r, opts);
}

// Every setting of a parsed document (from the yaml package or yaml-subset.ts: the same nodes).
function readDocument(doc: Document.Parsed, r: Reporter, opts: ReadOptions): Read {
  const specs: ProgramSpec[] = [];
  if (reportNul(r, doc)) return { specs, r };
  const w = new Walker(doc, r, opts);
  const root = w.field('', null, doc.contents);
  if (w.isEmpty(root)) return { specs, r }; // an empty file: no programs yet
  if (!isMap(root.node)) {
    const got = describeValue(root.value);
    r.add(root.node?.range?.[0] ?? 0, '', `expected a mapping with the key "programs", got ${got}`);
    return { specs, r };
  }
  // "x-" keys are ignored, as in docker-compose, to hold anchors for `<<: *defaults`.
  const top = w.keys(root, { programs: ['programs'], ipc: ['ipc'], web: ['web'], resources: ['resources'], fifos: ['fifos'] }, 'programs', (name) => name.startsWith('x-'));
  const web = top?.web != null && !w.isEmpty(top.web);
  if (web && top?.web) readWeb(w, top.web); // checked here, applied by `up` (api/web)
  const ipc = top?.ipc ? readIpc(w, top.ipc) : undefined;
  const declared = top?.resources ? readResourcesSection(w, top.resources) : [];
  const resources = declared ?? [];
  const programs = top?.programs;
  if (!programs || w.isEmpty(programs)) return { specs, r, ipc, resources, web };
  if (!isMap(programs.node)) {
    w.fail(programs, `expected a mapping of program names to settings, got ${describeValue(programs.value)}`);
    return { specs, r };
  }
  const afterAt = new Map<string, Node>();
  for (const e of w.entries(programs.node, 'programs')) {
    const spec = readProgram(w, e.name, e.key, e.value);
    if (!spec) continue;
    specs.push(spec);
    const after = isMap(e.value) ? e.value.items.find((p) => isScalar(p.key) && ['after', 'depends_on', 'dependsOn'].includes(String(p.key.value))) : undefined;
    if (after) afterAt.set(spec.name, after.value as Node);
  }
  checkAfter(r, specs, afterAt);
  if (declared) checkNeeds(r, specs, resources); // a broken resources: would only add follow-on errors
  checkPipes(r, specs, top?.fifos ? readFifos(w, top.fifos) : new Map());
  return { specs, r, ipc, resources, web };
}

// `after:` names programs of this file, without a cycle (which could never start).
function checkAfter(r: Reporter, specs: ProgramSpec[], at: Map<string, Node>): void {
  const names = new Set(specs.map((s) => s.name));
  const where = (name: string) => at.get(name)?.range?.[0] ?? 0;
  for (const s of specs) {
    for (const dep of [...(s.after ?? []), ...(s.afterExited ?? [])]) {
      if (dep === s.name) r.add(where(s.name), `programs.${s.name}.after`, 'a program cannot wait for itself');
      else if (!names.has(dep)) r.add(where(s.name), `programs.${s.name}.after`, `no program named "${dep}" in this file${didYouMean(dep, [...names])}`);
    }
  }
  const deps = new Map(specs.map((s) => [s.name, [...(s.after ?? []), ...(s.afterExited ?? [])].filter((d) => names.has(d) && d !== s.name)]));
  const state = new Map<string, 1 | 2>(); // 1: on the path, 2: done
  const visit = (n: string, path: string[]): void => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) {
      const cycle = [...path.slice(path.indexOf(n)), n];
      r.add(where(n), `programs.${n}.after`, `programs wait for each other in a cycle: ${cycle.join(' -> ')}; none could start`);
      return;
    }
    state.set(n, 1);
    for (const d of deps.get(n) ?? []) visit(d, [...path, n]);
    state.set(n, 2);
  };
  for (const s of specs) visit(s.name, []);
}

// A NUL byte cannot reach argv, the environment or a path (the kernel ends strings there):
// refuse it wherever it is, at its place, before reading any setting.
function reportNul(r: Reporter, doc: Document.Parsed): boolean {
  // A NUL is in the text, or made by an escape ("\0", "\x00", "\u0000"): text with neither a
  // NUL nor a backslash has none, and the walk over every node (7% of an `up`'s parse) is skipped.
  if (!r.text.includes('\0') && !r.text.includes('\\')) return false;
  let found = false;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && node.value.includes('\0')) {
        r.add(node.range?.[0] ?? 0, '', 'a NUL byte is not allowed here: it cannot be passed to a program');
        found = true;
      }
    },
  });
  return found;
}

/** YAML syntax errors, one per problem: the parser often repeats one across a line. */
// `key "web" twice in one mapping (first on line 2); keep one` for a duplicate at offset (where
// the yaml package points: the repeated key).
function duplicateKey(text: string, offset: number): string | null {
  const k = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s:#,{}[\]]+)\s*:/.exec(text.slice(offset));
  if (!k) return null;
  const key = k[1].replace(/^["']|["']$/g, '');
  const lines = text.split('\n');
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(0, lineStart).split('\n').length - 1;
  const before = text.slice(lineStart, offset);
  // Block style (the key first on its line): its first sibling of that name, upwards at its indent.
  if (/^\s*(?:-\s+)?$/.test(before)) {
    const indent = before.length;
    for (let i = line - 1; i >= 0; i--) {
      const l = lines[i];
      if (l.trim() === '' || l.trimStart().startsWith('#')) continue;
      const ind = l.length - l.trimStart().length;
      if (ind < indent && !/^\s*-\s/.test(l)) break;
      const m = /^\s*(?:-\s+)?("(?:[^"\\]|\\.)*"|'[^']*'|[^\s:#,{}[\]]+)\s*:(?:\s|$)/.exec(l);
      if (m && ind === indent && m[1].replace(/^["']|["']$/g, '') === key) return `key "${key}" twice in one mapping (first on line ${i + 1}); keep one`;
    }
  }
  return `key "${key}" twice in one mapping; keep one`;
}

function reportSyntax(r: Reporter, errors: YAMLError[]): void {
  const seen = new Set<string>();
  for (const err of errors) {
    let offset = err.pos[0];
    let message = err.message;
    const { line } = r.pos(offset);
    const lineText = r.text.split('\n')[line - 1] ?? '';
    // `cron: */5 * * * *` unquoted reads as a YAML alias; say what to do instead.
    const cron = /^(\s*(?:cron|"cron")\s*:\s*)\*/.exec(lineText);
    if (cron && /alias/i.test(message)) {
      offset = offset - (r.pos(offset).col - 1) + cron[1].length;
      message = 'a cron expression starting with "*" must be quoted, like cron: "*/5 * * * *"';
    }
    // The yaml package says only "Map keys must be unique": name the key and where it came first.
    if (err.code === 'DUPLICATE_KEY') message = duplicateKey(r.text, offset) ?? message;
    const id = `${line}:${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    r.add(offset, '', message);
  }
}
