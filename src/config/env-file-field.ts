// `env_file:` is read when the control file is loaded, so what `up` shows is what will run;
// its problems are reported at their own file:line:col.
import { resolve } from 'node:path';
import { parseEnvFile } from './env-file.js';
import { readRegularFile } from './read-file.js';
import { str } from './values.js';
import type { Field, Walker } from './yaml-nodes.js';

/** The variables of the env file a field names; undefined (and reported) when it cannot be used. */
export function readEnvFileField(w: Walker, f: Field): Record<string, string> | undefined {
  const rel = str(w, f, 'a path to a file of KEY=VALUE lines');
  if (rel === undefined) return undefined;
  const path = resolve(w.opts.baseDir, rel);
  let text: string;
  try {
    text = readRegularFile(path, { limit: 1024 * 1024, reader: w.opts.reader });
  } catch (e) {
    return w.fail(f, (e as Error).message);
  }
  const { vars, issues } = parseEnvFile(text);
  for (const i of issues) w.r.issues.push({ file: path, line: i.line, col: i.col, path: f.path, message: i.message });
  return issues.length ? undefined : vars;
}
