// Command strings become argv the way the seed's cmdtok does: the shell's quoting rules
// (\ ' " #) and nothing else — no globbing, variables or substitutions — so what a person
// writes in a control file is exactly what is executed, without starting a shell.

/** A command string that cannot be split; `col` is 1-based in the string given. */
export class SplitError extends Error {
  constructor(
    message: string,
    readonly col: number,
    /** The problem and its fix without the column, for callers that place it themselves. */
    readonly reason: string,
  ) {
    super(message);
    this.name = 'SplitError';
  }
}

function unterminated(q: string, col: number): SplitError {
  const reason = `unterminated ${q} quote; close it, or write \\${q} for a literal ${q}`;
  return new SplitError(`unterminated ${q} quote starting at column ${col}`, col, reason);
}

const SPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);
// Inside double quotes a backslash escapes only these, as in sh; otherwise it is kept.
const DQ_ESCAPABLE = new Set(['\\', '"', '$', '`', '\n']);

/** Split a command line into argv with sh quoting rules; throws SplitError. */
export function splitCommand(text: string): string[] {
  const argv: string[] = [];
  let word = '';
  let inWord = false; // separate from `word` so that '' yields an empty argument
  let i = 0;
  const end = () => {
    if (inWord) argv.push(word);
    word = '';
    inWord = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (SPACE.has(c)) {
      end();
      i++;
    } else if (c === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '\\') {
      if (i + 1 >= text.length) {
        const why = 'nothing to escape; write \\\\ for a literal backslash';
        throw new SplitError(`trailing backslash at column ${i + 1}: ${why}`, i + 1, `trailing backslash: ${why}`);
      }
      // Backslash-newline is a line continuation, as in sh.
      if (text[i + 1] !== '\n') {
        word += text[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw unterminated("'", i + 1);
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      const start = i;
      inWord = true;
      i++;
      for (;;) {
        if (i >= text.length) throw unterminated('"', start + 1);
        const d = text[i];
        if (d === '"') break;
        if (d === '\\' && i + 1 < text.length && DQ_ESCAPABLE.has(text[i + 1])) {
          if (text[i + 1] !== '\n') word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  end();
  return argv;
}

/** The 1-based column a splitCommand error points at, or null for any other error. */
export function splitErrorColumn(e: unknown): number | null {
  return e instanceof SplitError ? e.col : null;
}

/** One argument quoted so that splitCommand (and sh) read it back unchanged. */
export function quoteArg(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one command line, quoted only where needed; the inverse of splitCommand. */
export function joinCommand(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
