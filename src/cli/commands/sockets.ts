// `appinit reload NAME...` and `appinit open PATH [--read|--write]` (issue 12).
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { appinitHome, systemMode, systemSocketPath } from '../../client/home.js';
import { dirname } from 'node:path';
import { OpenError, openSocketPath, openThroughDaemon } from '../../client/open.js';
import type { Command } from '../args.js';
import { client, CliError, EXIT } from '../context.js';
import type { Runner } from '../modules.js';

async function reload(names: string[], o: { json?: boolean }): Promise<number> {
  const r = await (await client()).reload(names);
  if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else process.stdout.write(r.map((x) => `${x.name}: %${x.from.job} (pid ${x.from.pid ?? '-'}) replaced by %${x.to.job} (pid ${x.to.pid ?? '-'})\n`).join(''));
  return EXIT.ok;
}

// Reached without the home-ownership check of other commands: an unprivileged user asks root's
// daemon, whose open.sock must belong to root or to the caller (never to a third user).
async function open(path: string, o: { read?: boolean; write?: boolean; append?: boolean }): Promise<number> {
  if ([o.read, o.write, o.append].filter(Boolean).length > 1) throw new CliError('open: one of --read, --write, --append', EXIT.usage);
  // The system daemon's open.sock sits beside its control socket (run/), where every user reaches it.
  const home = systemMode() ? dirname(systemSocketPath()) : appinitHome();
  const sock = openSocketPath(home);
  let owner: number;
  try {
    owner = statSync(sock).uid;
  } catch {
    throw new CliError(`open: no daemon serves ${sock} (start one with appinit up)`);
  }
  const me = process.getuid?.() ?? 0;
  if (owner !== 0 && owner !== me) throw new CliError(`open: ${sock} belongs to uid ${owner}, neither root nor you; refusing it`);
  let fd: number;
  try {
    fd = await openThroughDaemon(home, path, o.write ? 'w' : o.append ? 'a' : 'r');
  } catch (err) {
    if (err instanceof OpenError) throw new CliError(err.message, err.code === 'usage' ? EXIT.usage : EXIT.failure);
    throw new CliError(`open: ${(err as Error).message}`);
  }
  // As the seed's client: what the descriptor reads goes to stdout, or stdin goes into it.
  if (o.write || o.append) await pipeline(process.stdin, createWriteStream('', { fd }));
  else await pipeline(createReadStream('', { fd }), process.stdout, { end: false }); // stdout stays ours to close at exit
  return EXIT.ok;
}

/** Adds reload and open. */
export function registerSocketCommands(program: Command, run: Runner): void {
  program.command('reload <names...>').description('start new instances on the same sockets, then stop the old ones once the new are ready')
    .option('--json', 'print JSON').action((names, o) => run(() => reload(names, o)));
  program.command('open <path>').description('have the daemon open a file a program\'s grants: allow you, and read it to stdout (or --write/--append stdin into it)')
    .option('--read', 'read the file to stdout (the default)').option('--write', 'write stdin into the file (emptied first)').option('--append', 'add stdin at the end of the file')
    .action((path, o) => run(() => open(path, o)));
}
