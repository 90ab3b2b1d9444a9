// Names of programs and jobs become directory names (logs/NAME/), command-line words and
// selectors (`web:*`), so one rule checks them wherever they enter: control files, the API
// and the CLI.
import { BOUNDS } from './program.js';

/** Why `name` cannot name a program or job, or null when it can. */
export function nameError(name: unknown): string | null {
  if (typeof name !== 'string' || name === '') return 'a name must be a non-empty string';
  if (name.includes('\0')) return 'a name may not contain a NUL byte';
  if (name.length > BOUNDS.name) return `a name may have at most ${BOUNDS.name} characters, got ${name.length}`;
  if (name === 'all') return '"all" is reserved: it means every program on the command line; choose another name';
  // No "/" (a path), no ":" (group selector), no glob characters, no spaces: it is a file name and a word.
  if (!/^[A-Za-z0-9_.@+-]+$/.test(name)) return 'a name may contain only ASCII letters and digits, "_", ".", "@", "+" and "-"';
  // A leading "-" would read as an option on the command line; "." and ".." as directories.
  if (name.startsWith('-') || name.startsWith('.')) return 'a name may not start with "-" or "."';
  return null;
}

/** True when `name` is a valid program or job name (see nameError for the reason when not). */
export function validName(name: unknown): name is string {
  return nameError(name) === null;
}
