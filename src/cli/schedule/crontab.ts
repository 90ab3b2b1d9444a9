// `crontab [-u USER] FILE | -l | -e | -r`: one crontab per user, checked whole before it
// replaces the old one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { AppinitError, type Client } from '../../client/index.js';
import { client, CliError, EXIT } from '../context.js';
import { readInputFile, readStdin } from '../stdin.js';

/** Options of `crontab`. */
export interface CrontabOptions {
  user?: string;
  list?: boolean;
  edit?: boolean;
  remove?: boolean;
  /** -i: with -r, ask first. */
  interactive?: boolean;
}

function readInput(file: string): Promise<string> {
  if (file !== '-') return Promise.resolve(readInputFile(file, 'crontab'));
  return readStdin('crontab: standard input');
}

// Installs, printing warnings; false (with the errors printed) when nothing was installed.
async function install(c: Client, text: string, file: string, user: string | undefined): Promise<boolean> {
  try {
    const r = await c.crontabSet(text, file, user);
    for (const w of r.warnings) process.stderr.write(`appinit: crontab: warning: ${file}: ${w}\n`);
    return true;
  } catch (e) {
    if (!(e instanceof AppinitError && e.code === 'crontab')) throw e;
    const issues = Array.isArray(e.details) ? (e.details as string[]) : [e.message];
    for (const i of issues) process.stderr.write(`appinit: crontab: ${i}\n`);
    process.stderr.write('appinit: crontab: errors in crontab file; nothing was installed\n');
    return false;
  }
}

async function current(c: Client, user: string | undefined): Promise<string | null> {
  try {
    return (await c.crontabGet(user)).text;
  } catch (e) {
    if (e instanceof AppinitError && e.code === 'no_crontab') return null;
    throw e;
  }
}

/** appinit crontab [-u USER] [FILE | -l | -e | -r] */
export async function crontab(file: string | undefined, o: CrontabOptions): Promise<number> {
  const modes = [file != null, !!o.list, !!o.edit, !!o.remove].filter(Boolean).length;
  if (modes > 1) throw new CliError('crontab: give one of FILE, -l, -e, -r', EXIT.usage);
  // -i asks before a removal: alone it replaced the crontab with standard input (empty from
  // </dev/null). Debian's crontab refuses it the same way.
  if (o.interactive && !o.remove && !o.list && !o.edit) throw new CliError('crontab: -i asks before deleting: use it with -r (crontab -ri); to replace the crontab, name a FILE or -', EXIT.usage);
  const c = await client();
  try {
    if (o.list) {
      const { text } = await c.crontabGet(o.user);
      process.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
      return EXIT.ok;
    }
    if (o.remove) {
      if (o.interactive && !(await confirmRemove(o.user ?? userInfo().username))) return EXIT.ok;
      await c.crontabRemove(o.user);
      return EXIT.ok;
    }
    if (o.edit) return await edit(c, o.user);
    const name = file ?? '-';
    return (await install(c, await readInput(name), name === '-' ? 'stdin' : name, o.user)) ? EXIT.ok : EXIT.failure;
  } catch (e) {
    if (e instanceof AppinitError && ['forbidden', 'no_crontab', 'unknown_user'].includes(e.code)) throw new CliError(`crontab: ${e.message}`);
    throw e;
  }
}

// -ri: Debian crontab's question, on stderr; y or Y removes, n or N keeps, anything else asks
// again. At the end of the input nothing is removed (Debian's asks again without end there).
async function confirmRemove(user: string): Promise<boolean> {
  process.stderr.write(`crontab: really delete ${user}'s crontab? (y/n) `);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) {
      const a = line.trim()[0];
      if (a === 'y' || a === 'Y') return true;
      if (a === 'n' || a === 'N') return false;
      process.stderr.write('Please enter Y or N: ');
    }
  } finally {
    rl.close();
  }
  throw new CliError(`crontab: no answer; ${user}'s crontab is kept`);
}

// -e: the crontab in a private temporary file, $VISUAL or $EDITOR (vi) on it, then installed.
async function edit(c: Client, user: string | undefined): Promise<number> {
  const before = (await current(c, user)) ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'appinit-crontab-'));
  const file = join(dir, 'crontab');
  writeFileSync(file, before, { mode: 0o600 });
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  // Through the shell, as crontab does: EDITOR may carry arguments ("code --wait").
  const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new CliError(`crontab: "${editor}" ${r.status == null ? `was killed by ${r.signal}` : `exited with code ${r.status}`}; crontab unchanged`);
  }
  const after = readFileSync(file, 'utf8');
  if (after === before) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write('appinit: crontab: no changes made to crontab\n');
    return EXIT.ok;
  }
  if (!(await install(c, after, file, user))) {
    process.stderr.write(`appinit: crontab: your edit is kept in ${file}; fix it and run: appinit crontab ${file}\n`);
    return EXIT.failure;
  }
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write('appinit: crontab: installing new crontab\n');
  return EXIT.ok;
}
