// Groups from /etc/group, re-read when the file changes: what setgid/setgroups will be given
// for a `user:` program, so a control file naming an unknown group is refused when loaded.
import { readFileSync, statSync } from 'node:fs';

/** One /etc/group entry. */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const GROUP = '/etc/group';
let entries: GroupEntry[] = [];
let loadedMtimeMs = -1;

function refresh(): void {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(GROUP).mtimeMs;
  } catch {
    return;
  }
  if (mtimeMs === loadedMtimeMs) return;
  entries = [];
  for (const line of readFileSync(GROUP, 'utf8').split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2])) continue;
    entries.push({ name: f[0], gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] });
  }
  loadedMtimeMs = mtimeMs;
}

/** A group by name or numeric id (a name first, as chgrp does), or null when unknown. */
export function lookupGroup(nameOrId: string | number): GroupEntry | null {
  refresh();
  const key = String(nameOrId);
  return entries.find((g) => g.name === key) ?? (/^\d+$/.test(key) ? (entries.find((g) => g.gid === Number(key)) ?? null) : null);
}

/** The supplementary gids initgroups(3) gives a user: every group listing them, plus the primary one. */
export function groupsOf(user: string, primaryGid: number): number[] {
  refresh();
  return [primaryGid, ...entries.filter((g) => g.members.includes(user) && g.gid !== primaryGid).map((g) => g.gid)];
}
