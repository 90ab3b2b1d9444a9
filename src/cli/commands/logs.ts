// `logs` and `tail`: what programs wrote, stdout and stderr merged in the order it was written,
// times shown in this terminal's zone. Output is streamed with back-pressure: `-n 100000000`
// through `| wc -l` is complete, and `| head -1` ends quietly.
import type { Command } from '../args.js';
import type { LogLine } from '../../client/index.js';
import { client, CliError, EXIT, report } from '../context.js';
import { localZone } from '../local-zone.js';
import type { Runner } from '../modules.js';
import { EXIT_PIPE } from '../run.js';

/** Options of `logs`. */
export interface LogsOptions {
  follow?: boolean;
  lines?: string;
  stdout?: boolean;
  stderr?: boolean;
  since?: string;
  json?: boolean;
  flush?: boolean;
  reopen?: boolean;
  utc?: boolean;
}

// Standard output that may be a pipe closed early (`| head`): EPIPE ends the output quietly.
class Out {
  gone = false;
  private onGone: (() => void)[] = [];

  constructor() {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      this.gone = true;
      for (const f of this.onGone.splice(0)) f();
    });
  }

  /** Calls f once the reader has gone. */
  whenGone(f: () => void): void {
    if (this.gone) f();
    else this.onGone.push(f);
  }

  /** While following: a pipe's reader that left after the last write is seen too (every 200 ms),
   *  not only at the next write, which a quiet program may never cause. */
  async watchReader(): Promise<void> {
    const { watchReader } = await import('../../os/reader-gone.js');
    if (this.gone) return;
    const stop = watchReader(1, 200, () => {
      if (this.gone) return;
      this.gone = true;
      for (const f of this.onGone.splice(0)) f();
    });
    this.whenGone(stop); // gone by EPIPE first: stop looking
  }

  // One wait for 'drain' shared by every write made meanwhile: `logs -f` writes each line as it
  // comes without waiting, and a listener per line passed node's limit of 10 (a warning on the
  // terminal of `appinit logs -f | head -2`, between head's exit and the EPIPE).
  private behind: Promise<void> | null = null;

  /** Writes, waiting while the reader is behind. */
  write(chunk: string | Buffer): Promise<void> | void {
    if (this.gone || process.stdout.destroyed || process.stdout.write(chunk)) return;
    return (this.behind ??= new Promise((resolve) => {
      const done = () => {
        process.stdout.off('drain', done);
        this.behind = null;
        resolve();
      };
      process.stdout.on('drain', done);
      this.whenGone(done);
    }));
  }

  /** Resolves once everything written has left this process. */
  async drained(): Promise<void> {
    if (!this.gone && process.stdout.writableLength > 0) await this.write('');
  }
}

/** appinit logs [NAME] [-f] [-n N] [--since T] [--stdout|--stderr] [--json] [--utc] [--flush] [--reopen] */
export async function logs(name: string | undefined, opts: LogsOptions): Promise<number> {
  let n: number | undefined;
  if (opts.lines != null) {
    n = Number(opts.lines);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`logs: -n expects a whole number, got "${opts.lines}"`, EXIT.usage);
  } else if (!opts.since) {
    n = 15;
  }
  if (opts.stdout && opts.stderr) throw new CliError('logs: --stdout and --stderr exclude each other', EXIT.usage);
  const c = await client();
  if (opts.reopen) {
    await c.reopenLogs();
    process.stdout.write('appinit: log files reopened\n');
    return EXIT.ok;
  }
  if (opts.flush) {
    if (!name) throw new CliError('logs --flush: name a program (or all)', EXIT.usage);
    const r = await c.flushLogs([name]);
    process.stdout.write(`appinit: emptied the logs of ${r.flushed.join(', ') || 'nothing'}\n`);
    return EXIT.ok;
  }
  const stream = opts.stdout ? 'stdout' : opts.stderr ? 'stderr' : undefined;
  const tz = opts.utc ? 'UTC' : localZone();
  const out = new Out();
  if (!opts.follow) {
    const r = await c.readLogs({ name, n, since: opts.since, stream, tz, format: opts.json ? 'ndjson' : 'text' });
    for (const w of r.warnings) process.stderr.write(`appinit: ${w}\n`);
    out.whenGone(() => (r.body as unknown as { destroy(): void }).destroy());
    try {
      for await (const chunk of r.body) {
        await out.write(chunk as Buffer);
        if (out.gone) break;
      }
    } catch (err) {
      if (!out.gone) throw err;
    }
    await out.drained();
    return EXIT.ok;
  }
  return new Promise((resolve) => {
    // One request gives the last lines and then what follows them: nothing lost or doubled between.
    const close = c.followLogs({ name, stream, n, since: opts.since, tz }, (l) => {
      if ('missed' in l) process.stderr.write(`appinit: ${l.missed} lines missed: this reader was too slow\n`);
      else if ('warning' in l) process.stderr.write(`appinit: ${l.warning}\n`);
      else if ('error' in l) {
        close();
        resolve(report(new CliError((l as { error: { message: string } }).error.message, EXIT.failure)));
      } else if (opts.json) {
        const { text: _text, ...rest } = l as LogLine;
        void out.write(JSON.stringify(rest) + '\n');
      } else void out.write(`${(l as LogLine).text ?? (l as LogLine).line}\n`);
    }, (err) => {
      if (err && (err as { code?: string }).code !== 'connection_lost') return resolve(report(err));
      // We did not end it (no Ctrl-C, the reader is still there): the daemon did, stopping or gone.
      void whyTheFollowEnded(c.home).then(resolve);
    });
    // The reader left (`| head -1`): 141, as a SIGPIPE death, also when the program was quiet and
    // no write met the closed pipe (tail -f | head -1 says 141 too).
    out.whenGone(() => { close(); resolve(EXIT_PIPE); });
    void out.watchReader();
    process.on('SIGINT', () => { close(); resolve(EXIT.ok); });
  });
}

// A follow the daemon ended: said on stderr, so that `logs -f | …` in a script can tell an
// `appinit down` (0: the daemon removed its pid file last) from a daemon that died (1: its pid
// file is left naming a dead pid) or a connection lost with the daemon still there (1).
async function whyTheFollowEnded(home: string): Promise<number> {
  const { pathsFor } = await import('../../api/paths.js');
  const { pidInFile, processGone } = await import('../daemon-end.js');
  const until = Date.now() + 3000;
  for (;;) {
    const pid = pidInFile(pathsFor(home).daemonPid);
    if (pid == null) {
      process.stderr.write('appinit: logs: the daemon stopped (appinit down); nothing more to follow\n');
      return EXIT.ok;
    }
    if (processGone(pid)) {
      process.stderr.write(`appinit: logs: the daemon (pid ${pid}) ended without stopping; its jobs run on and their logs are still written: follow again with appinit logs -f\n`);
      return EXIT.failure;
    }
    if (Date.now() > until) {
      process.stderr.write('appinit: logs: lost the connection to the daemon; follow again with appinit logs -f\n');
      return EXIT.failure;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Registers `logs` and `tail` (supervisorctl's name for `logs -f`). */
export function registerLogCommands(program: Command, run: Runner): void {
  const options = (cmd: Command) => cmd
    .option('-n, --lines <n>', 'how many lines of the merged output (default 15; with --since: all)')
    .option('--stdout', 'only stdout').option('--stderr', 'only stderr')
    .option('--since <time>', 'only lines written since TIME (ISO 8601, "YYYY-MM-DD HH:MM", or an age like -1m, -2h)')
    .option('--json', 'one JSON object per line').option('--utc', 'times in UTC, not this terminal\'s zone');
  options(program.command('logs [name]').description('show what programs wrote, stdout and stderr in the order written (every program without a name)'))
    .option('-f, --follow', 'go on showing what they write')
    .option('--flush', 'empty the program\'s logs').option('--reopen', 'reopen every log file')
    .action((name, o) => run(() => logs(name, o)));
  options(program.command('tail [name]').description('follow what programs write: logs -f'))
    .action((name, o) => run(() => logs(name, { ...o, follow: true })));
}
