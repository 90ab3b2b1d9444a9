// YAML and JSON control files: syntax first (stop there — a broken structure only yields
// misleading follow-on errors), then every program's settings.
import { isMap, parseDocument, type YAMLError } from 'yaml';
import { describeValue } from './describe.js';
import { Reporter } from './issues.js';
import { jsonSyntaxError } from './json-syntax.js';
import { readProgram } from './read-program.js';
import type { ProgramSpec } from './spec.js';
import { Walker } from './yaml-nodes.js';

/** What a reader found: the specs, and the reporter holding any problems. */
export interface Read {
  specs: ProgramSpec[];
  r: Reporter;
}

/** Program specs from YAML or JSON text; problems go to the returned reporter. */
export function readStructured(text: string, file: string, format: 'yaml' | 'json'): Read {
  const r = new Reporter(file, text);
  const specs: ProgramSpec[] = [];
  let source = text;
  if (format === 'json') {
    const bad = jsonSyntaxError(text);
    if (bad) return r.add(bad.offset, '', bad.message), { specs, r };
    // Tabs are JSON whitespace but not YAML indentation; one space each keeps every offset.
    source = text.replace(/\t/g, ' ');
  }
  const doc = parseDocument(source, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    reportSyntax(r, doc.errors);
    return { specs, r };
  }
  const w = new Walker(doc, r);
  const root = w.field('', null, doc.contents);
  if (w.isEmpty(root)) return { specs, r }; // an empty file: no programs yet
  if (!isMap(root.node)) {
    const got = describeValue(root.value);
    r.add(root.node?.range?.[0] ?? 0, '', `expected a mapping with the key "programs", got ${got}`);
    return { specs, r };
  }
  // "x-" keys are ignored, as in docker-compose, to hold anchors for `<<: *defaults`.
  const top = w.keys(root, { programs: ['programs'] }, 'programs', (name) => name.startsWith('x-'));
  const programs = top?.programs;
  if (!programs || w.isEmpty(programs)) return { specs, r };
  if (!isMap(programs.node)) {
    w.fail(programs, `expected a mapping of program names to settings, got ${describeValue(programs.value)}`);
    return { specs, r };
  }
  for (const e of w.entries(programs.node, 'programs')) {
    const spec = readProgram(w, e.name, e.key, e.value);
    if (spec) specs.push(spec);
  }
  return { specs, r };
}

/** YAML syntax errors, one per problem: the parser often repeats one across a line. */
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
    const id = `${line}:${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    r.add(offset, '', message);
  }
}
