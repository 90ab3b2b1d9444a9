// What every command shares: the client (starting the daemon when needed), and exits.
import { appinitHome, systemMode, systemSocketPath } from '../client/home.js';
import { AppinitError, connect, type Client } from '../client/index.js';
// From the store's home checks, not api/autostart (which loads koffi and SQLite): every command pays for this import.
import { checkClientHome, checkSystemSocket } from '../store/home.js';
import { warnVersion } from './startup/version-check.js';

/** Exit codes, as DESIGN.md fixes them (126 and 127 as the shell: not executable, not found). */
export const EXIT = { ok: 0, failure: 1, usage: 2, notExecutable: 126, notFound: 127 } as const;

/** A failure to report on stderr with an exit code. */
export class CliError extends Error {
  constructor(message: string, public readonly exitCode: number = EXIT.failure) {
    super(message);
  }
}

/** Connects to the daemon, starting it (and saying so on stderr) when it is not running. A home
 *  that belongs to someone else (neither this user nor root) is refused before anything is sent. */
export async function client(): Promise<Client> {
  // `--system` / APPINIT_SYSTEM=1: the system daemon, whose socket must be root's; never started here.
  if (systemMode()) {
    checkSystemSocket(systemSocketPath());
    return connect({ system: true, keepAlive: false });
  }
  const home = appinitHome();
  checkClientHome(home);
  warnVersion(home); // after an upgrade, until `appinit update`
  // A command makes a call or two: one connection each, no kept-alive pool (and no node:http).
  return connect({ home, keepAlive: false, onStart: (pid) => process.stderr.write(`appinit: started the daemon (pid ${pid}) for ${home}\n`) });
}

/** Prints an error the way every command does and returns its exit code. */
export function report(err: unknown): number {
  if (err instanceof CliError) {
    process.stderr.write(`appinit: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof AppinitError) {
    if (err.code === 'config' && Array.isArray(err.details)) {
      process.stderr.write(err.message.split('\n').map((l) => `appinit: ${l}\n`).join(''));
      return EXIT.failure;
    }
    process.stderr.write(`appinit: ${err.message.replace(/^appinit: /, '')}\n`);
    if (err.code === 'command_not_found') return EXIT.notFound;
    if (err.code === 'not_executable') return EXIT.notExecutable;
    return err.code === 'usage' ? EXIT.usage : EXIT.failure;
  }
  // process.cwd() of a directory removed under the shell: said in words, with what to do.
  if ((err as NodeJS.ErrnoException)?.syscall === 'uv_cwd') {
    process.stderr.write('appinit: the current directory no longer exists (removed under this shell); cd to one that does, or name one (run --cwd DIR)\n');
    return EXIT.failure;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(msg.startsWith('appinit:') ? `${msg}\n` : `appinit: ${msg}\n`);
  return EXIT.failure;
}
