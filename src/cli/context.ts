// What every command shares: the client (starting the daemon when needed), and exits.
import { appinitHome } from '../client/home.js';
import { AppinitError, connect, type Client } from '../client/index.js';

/** Exit codes, as DESIGN.md fixes them. */
export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 127 } as const;

/** A failure to report on stderr with an exit code. */
export class CliError extends Error {
  constructor(message: string, public readonly exitCode: number = EXIT.failure) {
    super(message);
  }
}

/** Connects to the daemon, starting it (and saying so on stderr) when it is not running. */
export async function client(): Promise<Client> {
  const home = appinitHome();
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
    process.stderr.write(`appinit: ${err.message}\n`);
    return err.code === 'usage' ? EXIT.usage : EXIT.failure;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(msg.startsWith('appinit:') ? `${msg}\n` : `appinit: ${msg}\n`);
  return EXIT.failure;
}
