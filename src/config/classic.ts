// The seed article's appinit control file: one `tty command` entry per line. The tty is
// the job's terminal (stdin, stdout and stderr, and its controlling terminal); "/dev/" is
// prefixed unless it starts with "/". A tty of /dev/null means a daemon: no terminal, stdin
// from /dev/null, and stdout/stderr into the managed log (the original discarded them;
// keeping them is the point of a supervisor).
//
// As in the article, each line runs once: appinit reports how it ended and does not start it
// again. The article's proposed enhancement, respawn "for specified processes" (as /etc/init
// does), is asked for with a "+" in front of the tty: `+tty1 /usr/bin/menu` — the line stays
// a valid `tty command` line, and the marker reads as "keep it up".
import { statSync } from 'node:fs';
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
    const respawn = m[2].startsWith('+');
    const field = respawn ? m[2].slice(1) : m[2];
    if (field === '') {
      r.add(ttyAt + 1, '', 'missing terminal after "+"; write "+tty1 command" to respawn a line');
      continue;
    }
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
    const tty = field.startsWith('/') ? field : `/dev/${field}`;
    const bad = tty === '/dev/null' ? null : notATerminal(tty);
    if (bad) {
      r.add(ttyAt + (respawn ? 1 : 0), '', bad);
      continue;
    }
    specs.push({
      name: names.next(argv[0]),
      source: r.pos(ttyAt),
      argv,
      commandText: rest,
      tty: tty === '/dev/null' ? false : tty,
      restart: respawn ? 'always' : 'never',
    });
  }
  return { specs, r };
}

// Only a character device can be a terminal: a regular file in the tty field would be opened
// for writing and overwritten from offset 0. Whether the device really is a terminal is
// checked again when it is opened (isatty), since a stat cannot tell /dev/zero from a tty.
function notATerminal(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no such terminal: ${path}; the tty field names a terminal device (tty1, /dev/pts/3) or null`
      : `cannot use ${path} as a terminal: ${code ?? (e as Error).message}`;
  }
  if (st.isCharacterDevice()) return null;
  const what = st.isFile() ? 'a regular file' : st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isBlockDevice() ? 'a block device' : 'not a device';
  return `${path} is ${what}, not a terminal; the tty field names a terminal device (tty1, /dev/pts/3) or null`;
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
