// Where each setting of a program was written, kept beside (not in) the Program: checks made
// after parsing (does this user exist? this directory?) can then say file:line:col, while a
// Program stays the same value wherever its lines sit in the file.
import type { Program, SourcePos } from './program.js';

/** Positions of a program's settings, by canonical setting name (user, cwd, stdout, command, ...). */
export type Places = Record<string, SourcePos>;

const places = new WeakMap<Program, Places>();

/** Records where a parsed program's settings were written. */
export function rememberPlaces(p: Program, at: Places): void {
  places.set(p, at);
}

/** Where a program's setting was written; its own position when unknown (classic table, API). */
export function placeOf(p: Program, setting: string): SourcePos {
  return places.get(p)?.[setting] ?? p.source;
}
