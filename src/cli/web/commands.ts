// appinit web: makes the daemon serve the dashboard and prints the URL to open.
import type { Command } from '../args.js';
import { client, CliError, EXIT } from '../context.js';
import type { Runner } from '../modules.js';

async function web(o: { listen?: string; cert?: string; key?: string; insecure?: boolean; json?: boolean }): Promise<number> {
  if ((o.cert == null) !== (o.key == null)) throw new CliError('web: --cert and --key go together', EXIT.usage);
  const { resolve } = await import('node:path');
  const c = await client();
  // Returns once the daemon listens: the answer comes after the address is bound.
  const v = await c.web({ listen: o.listen, cert: o.cert && resolve(o.cert), key: o.key && resolve(o.key), insecure: o.insecure === true ? true : undefined });
  if (o.json) process.stdout.write(JSON.stringify(v) + '\n');
  else {
    process.stdout.write(`${v.url}\n`);
    process.stderr.write(`appinit: the dashboard listens on ${v.listen}; viewer token (read-only): ${v.tokens.viewer}; metrics: GET /metrics with Authorization: Bearer ${v.tokens.metrics}\n`);
  }
  return EXIT.ok;
}

/** Adds `appinit web`. */
export function registerWebCommands(program: Command, run: Runner): void {
  program.command('web').description('serve the dashboard over HTTP (loopback by default) and print its URL with the operator token')
    .option('--listen <addr>', 'HOST:PORT to listen on (default 127.0.0.1:8181; another host needs --cert/--key or --insecure)')
    .option('--cert <file>', 'TLS certificate (PEM): serve HTTPS')
    .option('--key <file>', 'TLS private key (PEM)')
    .option('--insecure', 'allow plain HTTP on an address other machines can reach')
    .option('--json', 'print {url, listen, tokens} as JSON')
    .action((o) => run(() => web(o)));
}
