// What each POST route's body may hold: its fields and each one's type, in one table the router
// (app.ts) checks before any handler runs. A field the route does not know (`dry_run` for
// `dryRun`, `sig` for `signal`) or a value of the wrong type (`"dryRun": "yes"`) is a 400 that
// names it, and nothing is done: handlers read `=== true` and `!== false`, so either one used to
// change what a request did without a word (an `up` with `"dryRun": "yes"` applied the file).
// Types only: ranges, names and NUL bytes stay the handlers' own checks (input.ts).
//
// null is "absent" here, as the handlers read it (`v == null`): a field a route needs is the
// handler's to demand. The typed client's bodies are checked against this table by a unit test
// (test/unit/api/bodies.test.ts): a field the client sends that is not declared here fails it.
import { ApiError } from './errors.js';
import { shown } from './input.js';

/** One field's type: what a right value is (as a 400 says it), and the check. */
export interface Field {
  readonly what: string;
  /** The first problem with v, `at` naming where it is (`ops[0].n`), or null when it fits. */
  problem(v: unknown, at: string): string | null;
}

/** The fields of a route's body, by name. */
export type Body = Readonly<Record<string, Field>>;

// A string is said with its type too: `"yes" (string)` where true or false was wanted.
const got = (v: unknown): string => (typeof v === 'string' ? `${shown(v)} (string)` : shown(v));
const expected = (at: string, what: string, v: unknown): string => `${at}: expected ${what}, got ${got(v)}`;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function leaf(what: string, ok: (v: unknown) => boolean): Field {
  return { what, problem: (v, at) => (ok(v) ? null : expected(at, what, v)) };
}

/** A string (`what`: how the 400 names it). */
export const str = (what = 'a string'): Field => leaf(what, (v) => typeof v === 'string');
/** true or false: never "yes", 1 or "true". */
export const bool: Field = leaf('true or false', (v) => typeof v === 'boolean');
/** A whole number (its range is the handler's). */
export const int = (what = 'a whole number'): Field => leaf(what, Number.isInteger);
/** A number (JSON carries no NaN or Infinity). */
export const num = (what = 'a number'): Field => leaf(what, (v) => typeof v === 'number');
/** One of these strings, exactly. */
export function oneOf(...values: string[]): Field {
  // As a control file says it: `one of mutex, semaphore, queue`.
  return leaf(values.length > 1 ? `one of ${values.join(', ')}` : JSON.stringify(values[0]), (v) => typeof v === 'string' && values.includes(v));
}
/** A signal: a name (TERM, SIGKILL) or a number. */
export const signal: Field = leaf('a signal name or number', (v) => typeof v === 'string' || typeof v === 'number');

/** An array whose every element is an `item` (`what` names the whole; emptiness is the handler's). */
export function list(item: Field, what: string): Field {
  return {
    what,
    problem(v, at) {
      if (!Array.isArray(v)) return expected(at, what, v);
      for (let i = 0; i < v.length; i++) {
        const p = item.problem(v[i], `${at}[${i}]`);
        if (p) return p;
      }
      return null;
    },
  };
}

/** An object of any keys whose values are each an `item` (an environment). */
export function record(item: Field, what: string): Field {
  return {
    what,
    problem(v, at) {
      if (!isObject(v)) return expected(at, what, v);
      for (const [k, x] of Object.entries(v)) {
        const p = item.problem(x, `${at}.${k}`);
        if (p) return p;
      }
      return null;
    },
  };
}

/** An object with these fields and no others (an operation of a semop). */
export function object(fields: Body, what: string): Field {
  return { what, problem: (v, at) => (isObject(v) ? fieldsProblem(fields, v, at) : expected(at, what, v)) };
}

// Unknown fields first (a misspelt key is the likelier mistake), then each known one's type.
function fieldsProblem(fields: Body, v: Record<string, unknown>, where: string, prefix = `${where}.`): string | null {
  const known = Object.keys(fields);
  for (const k of Object.keys(v)) {
    if (!Object.hasOwn(fields, k)) {
      return `unknown field ${JSON.stringify(k)} in ${where}; ${known.length ? `expected one of: ${known.join(', ')}` : 'it takes no fields'}`;
    }
  }
  for (const k of known) {
    const x = v[k];
    if (x == null) continue; // absent
    const p = fields[k].problem(x, `${prefix}${k}`);
    if (p) return p;
  }
  return null;
}

// Shared by several routes.
const names = list(str(), 'a non-empty array of program names (or ["all"])');
const jobSpec = str('a job spec like %1');
const env = record(str(), 'an object of strings');
// The library's resource calls carry a request id (a re-sent request gets the answer given
// before) and, on the kept channel, `fresh` for an id never sent (src/client/resources.ts).
const once = { id: str('a request id'), fresh: bool };

/** Every POST route's body. A POST route missing here is refused when the app is built (app.ts). */
export const BODIES: Readonly<Record<string, Body>> = {
  // core (routes.ts) and the sockets module's reload
  'POST /v1/start': { names },
  'POST /v1/stop': { names },
  'POST /v1/restart': { names },
  'POST /v1/reload': { names },
  'POST /v1/signal': { names, signal },
  'POST /v1/down': {},

  // programs (programs/module.ts)
  'POST /v1/up': {
    file: str("the control file's path"), text: str("the control file's text"), baseDir: str('an absolute path'),
    dryRun: bool, wait: num('seconds'),
  },
  'POST /v1/programs/wait': { names, wait: num('seconds') },
  'POST /v1/programs/start': {
    name: str('a program name'), argv: list(str(), 'a non-empty array of strings'), cwd: str('an absolute directory'),
    // Numbers are taken for an environment's values here (made strings), as a control file takes them.
    env: record(leaf('a string or a number', (v) => typeof v === 'string' || typeof v === 'number'), 'an object of NAME: string'),
    instances: int('a number of instances'), restart: str('always, on-failure or never'), user: str('a user name or uid'),
  },
  'POST /v1/programs/delete': { names: list(str(), 'a non-empty array of program names') },
  'POST /v1/programs/scale': { name: str('a program name'), instances: int('a number of instances') },

  // logs (logs/module.ts)
  'POST /v1/logs/flush': { names },
  'POST /v1/logs/reopen': {},

  // job control (jobs/module.ts)
  'POST /v1/run': {
    argv: list(str(), 'a non-empty array of strings (the command and its arguments)'), name: str('a program name'),
    user: str('a user name'), cwd: str('an absolute directory path'), env, tty: bool, shell: bool, hold: bool,
    rows: int('a number of rows'), cols: int('a number of columns'), umask: int('a whole number from 0 to 511 (umask 022 is 18)'),
  },
  'POST /v1/jobs/start': { id: int('a job id') },
  'POST /v1/jobs/reported': { ids: list(int('a job id'), 'an array of job ids') },
  'POST /v1/fg': { id: int('a job id'), spec: jobSpec, resume: bool },
  'POST /v1/bg': { spec: jobSpec },
  'POST /v1/kill': { targets: list(str(), 'job specs, pids or names'), signal },
  'POST /v1/pkill': { pattern: str('a regular expression'), signal, full: bool },
  'POST /v1/wait': { spec: jobSpec, any: bool, specs: list(str(), 'job specs like %1') },

  // monitor (monitor/routes.ts)
  'POST /v1/monitor/signal': { pid: int('a positive whole number'), signal },

  // schedule (schedule/routes.ts)
  'POST /v1/at': {
    spec: str('a TIMESPEC like "now + 1 hour"'), t: str('a time as at -t takes it, [[CC]YY]MMDDhhmm[.SS]'),
    script: str('the commands to run'), cwd: str('the directory to run in'), env, tz: str('a time zone'),
    queue: str('one letter a-z or A-Z'), umask: int('a whole number from 0 to 511 (umask 022 is 18)'),
  },
  'POST /v1/at/remove': { ids: list(int('an at job number'), 'a non-empty array of at job numbers') },
  'POST /v1/crontab': { text: str('the crontab text'), file: str('a file name for messages'), user: str('a user name') },
  'POST /v1/crontab/remove': { user: str('a user name') },

  // resources (resources/module.ts); also what the kept channel's lines carry (resources/fast.ts)
  'POST /v1/resources/create': {
    name: str('a resource name'), kind: oneOf('mutex', 'semaphore', 'queue'), value: int('an initial value'),
    mode: int('permission bits as a number (0600 is 384)'), maxBytes: int('a number of bytes'), ...once,
  },
  'POST /v1/resources/remove': { names: list(str(), 'a non-empty list of resource names'), ...once },
  'POST /v1/resources/semop': {
    ops: list(object({ name: str('a resource name'), op: oneOf('P', 'V', 'Z'), n: int('a number of units'), undo: bool }, 'an operation like {name, op, n, undo}'),
      'operations like {name, op: "P"|"V"|"Z", n, undo}'),
    wait: bool, timeout: int('milliseconds to wait at most'), create: oneOf('mutex'), ...once,
  },
  'POST /v1/resources/send': { name: str('a resource name'), type: int('a message type'), data: str('the message text'), wait: bool, ...once },
  'POST /v1/resources/recv': { name: str('a resource name'), type: int('a message type'), wait: bool, ...once },
  'POST /v1/resources/adopt': { pid: int('a pid') },

  // the dashboard (web/module.ts)
  'POST /v1/web': { listen: str('HOST:PORT'), cert: str('a PEM file path'), key: str('a PEM file path'), insecure: bool },
};

/** Refuses a body with a field `route` does not declare or a value of the wrong type (a 400 naming it). */
export function checkBody(route: string, fields: Body, body: Record<string, unknown>): void {
  const p = fieldsProblem(fields, body, route, '');
  if (p) throw new ApiError('usage', p);
}
