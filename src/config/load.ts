// Entry points: a control file (or its text) -> Program[], or a ConfigError holding
// every problem found.
import type { IpcObjectSpec } from '../core/ipc/spec.js';
import { dirname, extname, resolve } from 'node:path';
import { readClassic } from './classic.js';
import { readStructured } from './document.js';
import { normalize } from './normalize.js';
import { rememberPlaces } from './places.js';
import { ConfigError, type Program } from './program.js';
import type { ResourceDecl } from './read-coordination.js';
import { readRegularFile, type Reader } from './read-file.js';

/** The formats a control file can be written in. */
export type ControlFormat = 'yaml' | 'json' | 'classic';

const BY_EXTENSION: Record<string, ControlFormat> = {
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.json': 'json',
  '.conf': 'classic',
  '.tab': 'classic',
  '.inittab': 'classic',
};

/** The format of a control file: by extension, else by whether its lines look like `tty command`. */
export function detectFormat(file: string, text: string): ControlFormat {
  const byExt = BY_EXTENSION[extname(file).toLowerCase()];
  if (byExt) return byExt;
  if (/^\s*[{[]/.test(text)) return 'json';
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  // "tty command": a first word that is not a YAML key, list item or flow collection.
  const classic = (l: string) => /^\s*[^\s:{}[\]#-][^\s:]*\s+\S/.test(l) && !/^\s*\S+:(\s|$)/.test(l);
  return lines.length > 0 && lines.every(classic) ? 'classic' : 'yaml';
}

/** Options of parseControlText: on whose behalf files it names (env_file) are read. */
export interface ParseOptions {
  reader?: Reader;
}

/** A whole control file: its programs and its other top-level sections. */
export interface ControlDocument {
  programs: Program[];
  /** `ipc:`: System V objects (sysv). */
  ipc: IpcObjectSpec[];
  /** `resources:`: appinit's own mutexes, semaphores and queues (coord). */
  resources: ResourceDecl[];
  /** The file has a `web:` section (read again, for its setting, only then: api/web). */
  web: boolean;
}

/** Programs from control-file text; `file` names it in errors, `baseDir` anchors relative paths. */
export function parseControlText(text: string, file: string, baseDir: string, format?: ControlFormat, opts: ParseOptions = {}): Program[] {
  return parseControlDocument(text, file, baseDir, format, opts).programs;
}

/** The whole control file (programs and top-level sections); throws ConfigError with every problem. */
export function parseControlDocument(text: string, file: string, baseDir: string, format?: ControlFormat, opts: ParseOptions = {}): ControlDocument {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text; // editors on Windows add a BOM
  // Nothing at all is a truncated file (an editor's crash, `> app.yaml`), not a wish to stop
  // everything: refused, as `up -` refuses empty input and supervisord an empty config.
  const fmt = format ?? detectFormat(file, body);
  if (fmt !== 'json' && body.trim() === '') throw new ConfigError([{ file, line: 1, col: 1, path: '', message: 'the file is empty; to remove every program, write programs: {}' }]);
  const read = fmt === 'classic' ? readClassic(body, file) : readStructured(body, file, fmt, { baseDir, reader: opts.reader });
  const { specs, r } = read;
  if (r.issues.length > 0) throw new ConfigError(r.sorted());
  const programs = specs.map((s) => {
    const p = normalize(s, baseDir);
    if (r.places.has(s.name)) rememberPlaces(p, r.places.get(s.name)!);
    return p;
  });
  return { programs, ipc: ('ipc' in read ? read.ipc : undefined) ?? [], resources: ('resources' in read ? read.resources : undefined) ?? [], web: 'web' in read && read.web === true };
}

/** The text of a control file: a regular file under BOUNDS.fileSize; throws with the reason. */
export function readControlFile(path: string): string {
  try {
    return readRegularFile(path);
  } catch (e) {
    throw new Error((e as Error).message.replace(/^cannot read /, 'cannot read control file '), { cause: e });
  }
}

/** Programs from a control file; relative paths in it are relative to its directory. */
export function loadControlFile(path: string): Program[] {
  return parseControlText(readControlFile(path), path, dirname(resolve(path)));
}
