// supervisord.conf as supervisord reads it (its ConfigParser): sections, `key = value` or
// `key: value`, indented continuation lines, `;`/`#` comment lines and ` ;` inline comments,
// lower-cased keys, and [include] files= globs relative to the including file. Every value keeps
// its file and line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/** One `key = value` with where it was written. */
export interface IniValue {
  value: string;
  file: string;
  line: number;
}

/** One [section] with its values; `here` is the directory of the file that holds it (%(here)s). */
export interface IniSection {
  name: string;
  file: string;
  line: number;
  here: string;
  values: Map<string, IniValue>;
}

/** Every section of a supervisord.conf and the files it includes, in reading order. */
export function readIni(path: string, seen = new Set<string>()): IniSection[] {
  const file = resolve(path);
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const sections: IniSection[] = [];
  let cur: IniSection | null = null;
  let lastKey: IniValue | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const l = raw.replace(/\r$/, '');
    if (/^\s*[;#]/.test(l) || l.trim() === '') {
      if (l.trim() === '') lastKey = null;
      return;
    }
    if (/^\s/.test(l) && lastKey) {
      lastKey.value += '\n' + stripComment(l).trim();
      return;
    }
    const sec = /^\[([^\]]+)\]/.exec(l);
    if (sec) {
      cur = { name: sec[1].trim(), file, line, here: dirname(file), values: new Map() };
      sections.push(cur);
      lastKey = null;
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s?(.*)$/.exec(l);
    if (!kv || !cur) throw new Error(`${file}:${line}: expected [section] or key = value, got "${l.trim()}"`);
    lastKey = { value: stripComment(kv[2]).trim(), file, line };
    (cur as IniSection).values.set(kv[1].trim().toLowerCase(), lastKey);
  });
  const out: IniSection[] = [];
  for (const s of sections) {
    out.push(s);
    if (s.name !== 'include') continue;
    const files = s.values.get('files');
    if (!files) continue;
    for (const pattern of files.value.split(/\s+/).filter(Boolean)) {
      const abs = isAbsolute(pattern) ? pattern : join(s.here, pattern);
      for (const f of glob(abs)) out.push(...readIni(f, seen));
    }
  }
  return out;
}

// supervisord drops what follows " ;" on a line (a ";" after whitespace starts a comment).
function stripComment(v: string): string {
  const m = /\s;/.exec(v);
  return m ? v.slice(0, m.index) : v;
}

// Python's glob for the last path component (what [include] files= is used with), sorted.
function glob(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = basename(pattern);
  if (!/[*?[]/.test(base)) return [pattern];
  const re = new RegExp('^' + base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => re.test(n) && !n.startsWith('.'));
  } catch {
    return [];
  }
  return names.sort().map((n) => join(dir, n)).filter((f) => statSync(f).isFile());
}
