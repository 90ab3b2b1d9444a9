// A user crontab (crontab(5), no user field): entries, NAME=value lines, comments, blank lines.
// Every problem in the file is reported at once, each as file:line:col, and a file with any
// problem yields nothing, so a half-read crontab never replaces a whole one.
import { parseCron, CronParseError, type CronExpr } from './cron-parse.js';
import { resolveZone } from './zone.js';

/** One schedule line of a crontab. */
export interface CrontabEntry {
  /** 1-based line number */
  line: number;
  schedule: CronExpr;
  /** the command up to the first unescaped "%", with "\%" made "%" */
  command: string;
  /** what follows the first unescaped "%", given to the command on stdin with "%" made a newline; null if none */
  input: string | null;
  /** the variables set above this line (cron copies the environment when it reads each entry) */
  env: Record<string, string>;
  /** CRON_TZ in force for this entry, or null for the daemon's zone */
  tz: string | null;
}

/** A parsed crontab: entries in file order, the variables as set at the end, and warnings. */
export interface Crontab {
  entries: CrontabEntry[];
  env: Record<string, string>;
  warnings: string[];
}

/** Every problem of a crontab, each as `file:line:col: message`; the message lists them all. */
export class CrontabError extends Error {
  override name = 'CrontabError';
  constructor(readonly issues: string[]) {
    super(issues.join('\n'));
  }
}

const ENV_LINE = /^([^\s=]+)[ \t]*=[ \t]*(.*)$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parse crontab text; `file` names it in messages. Throws CrontabError listing every problem. */
export function parseCrontab(text: string, file: string): Crontab {
  const entries: CrontabEntry[] = [];
  const env: Record<string, string> = {};
  const warnings: string[] = [];
  const issues: string[] = [];
  let tz: string | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    // A file saved with CRLF endings would otherwise end every command with a carriage return.
    const src = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lead = src.length - src.replace(/^[ \t]+/, '').length;
    const body = src.slice(lead);
    const issue = (col: number, msg: string) => issues.push(`${file}:${line}:${col}: ${msg}`);
    if (body === '' || body.startsWith('#')) return;
    const set = ENV_LINE.exec(body);
    if (set) {
      const value = envValue(set[2]);
      if (!NAME.test(set[1])) return issue(lead + 1, `"${set[1]}" is not a variable name: use letters, digits and "_", not starting with a digit`);
      if (value === undefined) return issue(lead + body.indexOf('=') + 2, `unterminated quote in the value of ${set[1]}: end it with ${set[2].trim()[0]}`);
      if (set[1] === 'CRON_TZ') {
        if (value === '') tz = null;
        else {
          try {
            tz = resolveZone(value);
          } catch (e) {
            return issue(lead + body.indexOf('=') + 2, (e as Error).message);
          }
        }
      }
      env[set[1]] = value;
      return;
    }
    const head = body.startsWith('@') ? /^\S+/.exec(body)! : /^(?:\S+[ \t]+){4}\S+/.exec(body);
    if (!head) {
      return issue(lead + 1, `expected five time fields and a command (minute hour day-of-month month day-of-week command), or NAME=value; got "${body.length > 60 ? `${body.slice(0, 60)}...` : body}"`);
    }
    let schedule: CronExpr;
    try {
      schedule = parseCron(src.slice(0, lead + head[0].length));
    } catch (e) {
      if (e instanceof CronParseError) return issue(e.column, e.message);
      throw e;
    }
    const cmdStart = lead + head[0].length + (/^[ \t]*/.exec(body.slice(head[0].length))![0].length);
    const cmdText = src.slice(cmdStart);
    if (cmdText.trim() === '') return issue(cmdStart + 1, `missing command after "${head[0]}"`);
    // Debian's crontab refuses a command starting with "*" ("bad command"): it is nearly always a
    // sixth time field, as the seed's `15 14 1 * * * $HOME/bin/monthly`, and the shell would
    // glob-expand it into file names.
    if (cmdText.startsWith('*')) {
      const word = /^\S+/.exec(cmdText)![0];
      const field = /^[*0-9,/-]+$/.test(word);
      return issue(cmdStart + 1, field
        ? `bad command: "${word}" is one field too many: cron has five time fields (minute hour day-of-month month day-of-week), then the command`
        : `bad command: a command cannot start with "*" (the shell would expand it into file names); quote it or give a path`);
    }
    const { command, input } = splitPercent(cmdText);
    entries.push({ line, schedule, command, input, env: { ...env }, tz });
  });
  if (issues.length) throw new CrontabError(issues);
  return { entries, env, warnings };
}

// cronie: spaces around the value are dropped; matching single or double quotes keep them.
function envValue(raw: string): string | undefined {
  const v = raw.trim();
  const q = v[0];
  if (q !== '"' && q !== "'") return v;
  if (v.length < 2 || v[v.length - 1] !== q) return undefined;
  return v.slice(1, -1);
}

/**
 * cron's "%", as cronie's do_command.c reads it: the first unescaped "%" ends the command and
 * "\%" there is "%"; in the rest, given on stdin, "%" is a newline, "\%" is "%", any other
 * backslash stays, and the input ends with a newline.
 */
export function splitPercent(text: string): { command: string; input: string | null } {
  let command = '';
  let escaped = false;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (escaped) {
      escaped = false;
      if (c === '%') command = command.slice(0, -1);
    } else if (c === '\\') escaped = true;
    else if (c === '%') break;
    command += c;
  }
  if (i >= text.length) return { command, input: null };
  let input = '';
  escaped = false;
  for (let c of text.slice(i + 1)) {
    if (escaped) {
      if (c !== '%') input += '\\';
    } else if (c === '%') c = '\n';
    escaped = c === '\\';
    if (!escaped) input += c;
  }
  if (escaped) input += '\\';
  // do_command.c: "if some characters were written and the last one wasn't a newline, write a
  // newline" (without it `while read x` lost the last line, `wc -c%abc` said 3).
  if (input !== '' && !input.endsWith('\n')) input += '\n';
  return { command, input };
}
