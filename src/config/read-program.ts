// One entry under `programs:` -> ProgramSpec. Every setting is checked even after a
// problem, so the file's author sees all of them at once.
import { isMap, isSeq, type Node } from 'yaml';
import type { Program, RestartPolicy, SourcePos } from './program.js';
import { readEnvFileField } from './env-file-field.js';
import { foreignKeyHint } from './foreign-keys.js';
import { nameError } from './names.js';
import { BOUNDS } from './program.js';
import { readCommand, readEnv, readId, readUmask, readUser } from './read-command.js';
import { readAfter, readGroup, readHealth, readLimits, readRlimits, readWatch } from './read-resources.js';
import { readNeeds } from './read-coordination.js';
import { readBackoff, readCrashLoop, readLog, readStop } from './read-nested.js';
import { readSchedule } from './read-schedule.js';
import type { ProgramSpec } from './spec.js';
import { parseInput, parseOutput } from './stdio.js';
import { readStreamMap } from './read-pipes.js';
import { describeValue } from './describe.js';
import { readReady, readSocketSettings, SOCKET_KEYS } from './read-listen.js';
import { bool, int, oneOf, size, str } from './values.js';
import { resolve } from 'node:path';
import { joinPath, type Field, type Walker } from './yaml-nodes.js';

const PROGRAM_KEYS = {
  command: ['command'],
  shell: ['shell'],
  cwd: ['cwd'],
  env: ['env'],
  envMode: ['env_mode', 'envMode'],
  user: ['user'],
  unixGroup: ['unix_group', 'unixGroup'],
  group: ['group'],
  priority: ['priority'],
  after: ['after', 'depends_on', 'dependsOn'],
  needs: ['needs'],
  health: ['health', 'healthcheck'],
  maxMemory: ['max_memory', 'maxMemory', 'max_memory_restart'],
  limits: ['limits'],
  rlimits: ['rlimits', 'ulimits'],
  envFile: ['env_file', 'envFile'],
  watch: ['watch'],
  umask: ['umask'],
  stdin: ['stdin'],
  stdout: ['stdout'],
  stderr: ['stderr'],
  tty: ['tty'],
  instances: ['instances'],
  restart: ['restart'],
  successCodes: ['success_codes', 'successCodes', 'exit_codes', 'exitCodes'],
  backoff: ['backoff'],
  crashLoop: ['crash_loop', 'crashLoop'],
  ready: ['ready'],
  stop: ['stop'],
  cron: ['cron'],
  at: ['at'],
  cronTz: ['cron_tz', 'cronTz'],
  overlap: ['overlap'],
  missed: ['missed'],
  autostart: ['autostart'],
  log: ['log'],
  ...SOCKET_KEYS,
};

/** The spec for `programs.<name>`; undefined when the entry is too broken to read. */
export function readProgram(w: Walker, name: string, key: Node, value: Node | null): ProgramSpec | undefined {
  const self = w.field(joinPath('programs', name), key, value);
  const badName = nameError(name);
  if (badName) w.failKey(self, badName);
  const k = w.keys(self, PROGRAM_KEYS, 'settings like command: node server.js', undefined, foreignKeyHint);
  if (!k) return undefined;
  const at: Record<string, SourcePos> = {};
  for (const [setting, f] of Object.entries(k) as [string, Field][]) at[setting] = w.r.pos(f.node?.range?.[0] ?? f.key?.range?.[0] ?? 0);
  w.r.places.set(name, at);

  const shell = k.shell && bool(w, k.shell);
  const command = k.command ? readCommand(w, k.command, shell ?? false) : undefined;
  if (!k.command) w.failKey(self, 'missing "command": the program to run, like command: node server.js');

  const stdio = readStdio(w, k.stdin, k.stdout, k.stderr, k.tty);
  const spec: ProgramSpec = {
    name,
    source: w.r.pos(key.range?.[0] ?? 0),
    argv: command?.argv ?? [],
    commandText: command?.commandText ?? '',
    shell,
    cwd: k.cwd && str(w, k.cwd, 'a directory'),
    env: mergeEnv(k.envFile ? readEnvFileField(w, k.envFile) : null, k.env && readEnv(w, k.env), !!k.env),
    envFile: typeof k.envFile?.value === 'string' ? resolve(w.opts.baseDir, k.envFile.value) : undefined,
    envMode: k.envMode && oneOf(w, k.envMode, ['add', 'replace'] as const),
    ...(k.user ? readUser(w, k.user) : {}),
    group: k.group && readGroup(w, k.group),
    priority: k.priority && int(w, k.priority, 0, 1_000_000),
    ...(k.after ? readAfter(w, k.after) : {}),
    needs: k.needs && readNeeds(w, k.needs),
    health: k.health && readHealth(w, k.health),
    maxMemory: k.maxMemory && size(w, k.maxMemory, 1024 * 1024),
    limits: k.limits && readLimits(w, k.limits),
    rlimits: k.rlimits && readRlimits(w, k.rlimits),
    watch: k.watch && readWatch(w, k.watch),
    umask: k.umask && readUmask(w, k.umask),
    ...stdio,
    instances: k.instances && int(w, k.instances, 1, BOUNDS.instances),
    restart: k.restart && oneOf<RestartPolicy>(w, k.restart, ['always', 'on-failure', 'never']),
    successCodes: k.successCodes && readCodes(w, k.successCodes),
    backoff: k.backoff && readBackoff(w, k.backoff),
    crashLoop: k.crashLoop && readCrashLoop(w, k.crashLoop),
    ready: k.ready && readReady(w, k.ready),
    ...readSocketSettings(w, k, name),
    ...(k.stop ? readStop(w, k.stop) : {}),
    ...readSchedule(w, k),
    autostart: k.autostart && bool(w, k.autostart),
    log: k.log && readLog(w, k.log),
  };
  if (k.unixGroup) {
    if (k.user && spec.unixGroup !== undefined) w.failKey(k.unixGroup, 'the group is already given in user: USER:GROUP; keep one');
    else spec.unixGroup = readId(w, k.unixGroup, 'group');
  }
  return spec;
}

// The env file's variables under the file's own `env:` (which wins); undefined if either is broken.
function mergeEnv(fromFile: Record<string, string> | undefined | null, own: Record<string, string> | undefined, hasOwn: boolean): Record<string, string> | undefined {
  if (fromFile === undefined || (hasOwn && own === undefined)) return undefined;
  if (fromFile === null) return own;
  return { ...fromFile, ...own };
}

/** Exit codes counted as success: one code or a non-empty list of 0..255. */
function readCodes(w: Walker, f: Field): number[] | undefined {
  if (typeof f.value === 'number') return [int(w, f, 0, 255)].filter((c) => c !== undefined);
  if (!isSeq(f.node)) {
    return w.fail(f, `expected an exit code or a list of them like [0, 2], got ${describeValue(f.value)}`);
  }
  const items = f.node.items;
  if (items.length === 0) return w.fail(f, 'expected at least one exit code; [] would make every exit a failure');
  const codes = items.map((it, i) => int(w, w.field(joinPath(f.path, i), null, it), 0, 255));
  return codes.every((c) => c !== undefined) ? [...new Set(codes as number[])] : undefined;
}

/** stdin/stdout/stderr and tty; a terminal is all three streams, so they exclude each other. */
function readStdio(w: Walker, ...[stdin, stdout, stderr, tty]: (Field | undefined)[]): Partial<Program> {
  const out: Partial<Program> = {};
  if (tty) {
    if (typeof tty.value === 'boolean') out.tty = tty.value;
    else if (typeof tty.value === 'string' && tty.value !== '') {
      const dev = tty.value.startsWith('/') ? tty.value : `/dev/${tty.value}`;
      // As in the seed's appinit table: a /dev/null terminal means a daemon with no terminal.
      out.tty = dev === '/dev/null' ? false : dev;
    } else w.fail(tty, `expected true, false or a terminal device like "/dev/tty3", got ${describeValue(tty.value)}`);
  }
  const streams = { stdin, stdout, stderr };
  for (const [name, f] of Object.entries(streams)) {
    if (!f) continue;
    if (out.tty) {
      w.failKey(f, 'cannot be set with tty: the terminal is stdin, stdout and stderr; remove one of them');
      continue;
    }
    if (isMap(f.node)) { // a pipe from a program, or a FIFO (read-pipes.ts)
      const t = readStreamMap(w, f, name as 'stdin' | 'stdout' | 'stderr');
      if (t) (out as Record<string, unknown>)[name] = t;
      continue;
    }
    const text = str(w, f, name === 'stdin' ? '"/dev/null", a file path, or { from: PROGRAM }' : '"log", "/dev/null" or a file path');
    if (text === undefined) continue;
    try {
      if (name === 'stdin') out.stdin = parseInput(text);
      else out[name as 'stdout' | 'stderr'] = parseOutput(text, name as 'stdout' | 'stderr');
    } catch (e) {
      w.fail(f, (e as Error).message);
    }
  }
  return out;
}
