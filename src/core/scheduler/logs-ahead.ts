// A run's managed log files, made before its second (issue 17). The helper makes a missing log
// directory and file itself, at the spawn; on this machine's ext4 a new directory and file cost
// the helper 0.3-0.5 ms (mkdir of each missing component, open O_CREAT, the rotation index scan),
// at the second, one run after another: 400 runs due together spent most of their lateness there
// (an at job's directory is always new; a cron program's on its first run). Made here up to
// STAGE_AHEAD before, as the helper would make them: directories 0755 and files 0600 (under the
// same umask), never through a link. Only for a daemon whose helper runs as the daemon's own user:
// the system daemon gives each job's user its files at the spawn (os/user-logs.ts).
import { closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Program } from '../../config/program.js';
import { logDirOf } from '../logs/names.js';

/** Makes the managed log directory and files the program's run will write (none without a managed log). */
export function makeLogFiles(logsDir: string, p: Program): void {
  const files: string[] = [];
  if (p.stdout.kind === 'log') files.push('out.log');
  if (p.stderr.kind === 'log') files.push('err.log');
  if (!files.length) return;
  const dir = logDirOf(logsDir, p.name); // a bad name, or a link or file in its place: throws
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  for (const f of files) closeSync(openSync(join(dir, f), flags, 0o600));
}
