// A program's name becomes a directory under the logs directory: nothing in it may lead out.
import { lstatSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/** Why a name cannot be a log directory, or null when it can. */
export function badLogName(name: string): string | null {
  if (name === '') return 'a name cannot be empty';
  if (name === '.' || name === '..') return `"${name}" is not a name`;
  if (name.includes('/')) return `a name cannot contain "/" (got "${name}")`;
  if (name.includes('\0')) return 'a name cannot contain a NUL byte';
  if (Buffer.byteLength(name) > 200) return `a name is at most 200 bytes (got ${Buffer.byteLength(name)})`;
  return null;
}

/**
 * The log directory of a name, checked: the name is one path component and the directory, if it
 * exists, is a real directory inside logsDir (not a symlink to elsewhere). Throws an Error with
 * code 'bad_name' otherwise.
 */
export function logDirOf(logsDir: string, name: string): string {
  const why = badLogName(name);
  if (why) throw Object.assign(new Error(`invalid name: ${why}`), { code: 'bad_name' });
  const dir = join(logsDir, name);
  const rel = relative(resolve(logsDir), resolve(dir));
  if (rel === '' || rel.startsWith('..') || rel.includes(sep)) throw Object.assign(new Error(`invalid name: "${name}" leads out of the logs directory`), { code: 'bad_name' });
  try {
    if (!lstatSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is not a directory (a symlink or a file): refusing to use it`), { code: 'bad_name' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return dir;
}
