// Who may have appinit open what (`grants:`): a path is granted to a caller when a program that
// runs as the caller's user lists it (or a directory above it, written with a trailing /). Root
// may use any grant. Pure: the caller's uid and each program's uid are resolved by the caller.
import type { Program } from '../../config/program.js';

/** One program's grants, with the uid it runs as. */
export interface Grant {
  program: string;
  uid: number;
  paths: string[];
}

/** True when path (absolute, normalised) is one of paths or under one of the directories among them. */
export function covers(paths: readonly string[], path: string): boolean {
  return paths.some((g) => (g.endsWith('/') ? path.startsWith(g) && path.length > g.length : path === g));
}

/** The program whose grant lets uid open path, or null. */
export function grantFor(grants: readonly Grant[], uid: number, path: string): string | null {
  for (const g of grants) if ((uid === 0 || g.uid === uid) && covers(g.paths, path)) return g.program;
  return null;
}

/** The grants of programs, their users resolved by `uidOf` (null user: the daemon's). */
export function grantsOf(programs: readonly Program[], uidOf: (user: string | null) => number | null): Grant[] {
  const out: Grant[] = [];
  for (const p of programs) {
    const paths = p.grants ?? [];
    const uid = uidOf(p.user);
    if (paths.length && uid != null) out.push({ program: p.name, uid, paths });
  }
  return out;
}
