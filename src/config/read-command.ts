// The settings that decide what is executed and as whom: command, env, user, group, umask.
import { isMap, isScalar, isSeq } from 'yaml';
import { describeValue } from './describe.js';
import type { Program } from './program.js';
import { joinCommand, splitCommand, SplitError } from './split.js';
import { scalarText } from './values.js';
import { joinPath, type Field, type Walker } from './yaml-nodes.js';

const SH = '/bin/sh';

/** argv and display text from a command string or list; with shell, run it through sh -c. */
export function readCommand(w: Walker, f: Field, shell: boolean): Pick<Program, 'argv' | 'commandText'> | undefined {
  const n = f.node;
  if (isScalar(n) && typeof n.value === 'string') {
    const text = n.value;
    if (text.trim() === '') return w.fail(f, 'expected a command like "node server.js", got ""');
    // A shell may accept what splitCommand would not ($(...), pipes), so the text is not split.
    if (shell) return { argv: [SH, '-c', text], commandText: text };
    let argv: string[];
    try {
      argv = splitCommand(text);
    } catch (e) {
      if (!(e instanceof SplitError)) throw e;
      return w.r.add(w.offsetIn(n, e.col - 1), f.path, e.reason);
    }
    if (argv.length === 0) return w.fail(f, 'the command is only a comment; there is nothing to run');
    return { argv, commandText: text };
  }
  if (isSeq(n)) {
    const args: string[] = [];
    n.items.forEach((item, i) => {
      const el = w.field(joinPath(f.path, i), null, item);
      const text = scalarText(el.node);
      if (text === undefined) w.fail(el, `expected a string argument, got ${describeValue(el.value)}`);
      else args.push(text);
    });
    if (args.length !== n.items.length) return undefined;
    if (args.length === 0) return w.fail(f, 'expected at least the program to run, got an empty list');
    if (args[0] === '') return w.fail(w.field(joinPath(f.path, 0), null, n.items[0]), 'the program to run is ""');
    const commandText = joinCommand(args);
    return shell ? { argv: [SH, '-c', commandText], commandText } : { argv: args, commandText };
  }
  return w.fail(f, `expected a command string or a list of arguments, got ${describeValue(f.value)}`);
}

/** Environment variables: strings, and numbers as written; booleans are refused, as docker-compose does. */
export function readEnv(w: Walker, f: Field): Record<string, string> | undefined {
  if (w.isEmpty(f)) return {};
  if (!isMap(f.node)) return w.fail(f, `expected a mapping of NAME: value, got ${describeValue(f.value)}`);
  const env: Record<string, string> = {};
  let ok = true;
  for (const e of w.entries(f.node, f.path)) {
    const v = w.field(joinPath(f.path, e.name), e.key, e.value);
    if (e.name === '' || e.name.includes('=') || e.name.includes('\0')) {
      w.failKey(v, 'an environment variable name must be non-empty and contain no "="');
      ok = false;
      continue;
    }
    if (typeof v.value === 'boolean') {
      w.fail(v, `expected a string or a number, got ${v.value} (boolean); quote it: "${v.value}"`);
      ok = false;
      continue;
    }
    const text = scalarText(v.node);
    if (text === undefined || text.includes('\0')) {
      w.fail(v, `expected a string or a number, got ${describeValue(v.value)}; write "" for an empty value`);
      ok = false;
    } else env[e.name] = text;
  }
  return ok ? env : undefined;
}

/** A user or group: a name, or a numeric id kept as text. */
export function readId(w: Walker, f: Field, what: 'user' | 'group'): string | undefined {
  const v = f.value;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^[^\s:]+$/.test(v) && v.length <= 256) return v;
  const id = what === 'user' ? 'uid' : 'gid';
  return w.fail(f, `expected a ${what} name or ${id}, got ${describeValue(v)}`);
}

/** `user: NAME` or `user: NAME:GROUP` (as chown writes it). */
export function readUser(w: Walker, f: Field): { user?: string; unixGroup?: string } {
  if (typeof f.value === 'string' && f.value.includes(':')) {
    const [u, g, ...rest] = f.value.split(':');
    if (rest.length === 0 && /^[^\s:]+$/.test(u) && /^[^\s:]+$/.test(g)) return { user: u, unixGroup: g };
    w.fail(f, `expected a user, or USER:GROUP like "www-data:staff", got ${describeValue(f.value)}`);
    return {};
  }
  return { user: readId(w, f, 'user') };
}

/** A umask: "022", 022 (read as octal digits, as in a shell), or "0o22". */
export function readUmask(w: Walker, f: Field): number | undefined {
  const text = scalarText(f.node) ?? '';
  const m = /^(?:0o)?([0-7]{1,4})$/.exec(text);
  const mask = m ? parseInt(m[1], 8) : NaN;
  if (mask <= 0o777) return mask;
  return w.fail(f, `expected an octal umask like "022", got ${describeValue(f.value)}`);
}
