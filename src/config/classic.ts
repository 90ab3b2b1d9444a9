// The seed article's appinit control file: one `tty command` entry per line. The tty is
// the job's terminal (stdin, stdout and stderr); "/dev/" is prefixed unless it starts
// with "/". A tty of /dev/null means a daemon: no terminal, stdin from /dev/null, and
// stdout/stderr into the managed log (the original discarded them; keeping them is the
// point of a supervisor).
import { posix } from 'node:path';
import type { Read } from './document.js';
import { Reporter } from './issues.js';
import type { ProgramSpec } from './spec.js';
import { SplitError, splitCommand } from './split.js';

/** Program specs from a classic table; problems go to the returned reporter. */
export function readClassic(text: string, file: string): Read {
  const r = new Reporter(file, text);
  const specs: ProgramSpec[] = [];
  const names = new Names();
  let lineStart = 0;
  for (const raw of text.split('\n')) {
    const offset = lineStart;
    lineStart += raw.length + 1;
    const line = raw.replace(/\r$/, '');
    const m = /^(\s*)(\S+)(\s*)(.*)$/.exec(line);
    if (!m || m[2].startsWith('#')) continue; // blank or a comment
    const ttyAt = offset + m[1].length;
    const commandAt = ttyAt + m[2].length + m[3].length;
    const rest = m[4].trimEnd();
    let argv: string[] = [];
    try {
      argv = splitCommand(rest);
    } catch (e) {
      if (!(e instanceof SplitError)) throw e;
      r.add(commandAt + e.col - 1, '', e.reason);
      continue;
    }
    if (argv.length === 0 || argv[0] === '') {
      r.add(commandAt, '', `missing command after the terminal "${m[2]}"; each line is "tty command"`);
      continue;
    }
    const tty = m[2].startsWith('/') ? m[2] : `/dev/${m[2]}`;
    specs.push({
      name: names.next(argv[0]),
      source: r.pos(ttyAt),
      argv,
      commandText: rest,
      tty: tty === '/dev/null' ? false : tty,
    });
  }
  return { specs, r };
}

/** Names from argv[0]: "sleep", then "sleep-2", "sleep-3" for repeats. */
class Names {
  private readonly taken = new Set<string>(['all']); // reserved for "every program"
  private readonly count = new Map<string, number>();

  next(argv0: string): string {
    let base = posix.basename(argv0).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[-.]+/, '');
    if (base === '') base = 'program';
    let n = this.count.get(base) ?? 1;
    let name = n === 1 ? base : `${base}-${n}`;
    while (this.taken.has(name)) name = `${base}-${++n}`;
    this.count.set(base, n);
    this.taken.add(name);
    return name;
  }
}
