// `appinit startup [systemd|openrc|sysv] [--user|--system] [--print]` writes the boot file that
// starts the daemon; `appinit unstartup` removes it. Also registers `import` (the same group).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../args.js';
import { systemMode } from '../../client/home.js';
import { pathsFor, systemPaths } from '../../api/paths.js';
import { CliError, EXIT } from '../context.js';
import type { RegisterCommands, Runner } from '../modules.js';
import { registerImportCommands } from '../commands/import.js';
import { bootFilePath, detectInit } from './place.js';
import { openrcScript, systemdUnit, sysvScript, type InitSystem, type StartupSpec } from './units.js';

interface StartupOptions {
  user?: boolean;
  system?: boolean;
  print?: boolean;
}

const INITS: readonly InitSystem[] = ['systemd', 'openrc', 'sysv'];

/** Registers import, startup and unstartup. */
export const registerPortCommands: RegisterCommands = (program: Command, run: Runner) => {
  registerImportCommands(program, run);
  program.command('startup [init]').description('write the boot file that starts the daemon: systemd, openrc or sysv (detected when not named)')
    .option('--system', 'the system daemon, every user\'s jobs (default for root)')
    .option('--user', 'this user\'s daemon (default for others)')
    .option('--print', 'print the file; write nothing')
    .action((init: string | undefined, o: StartupOptions) => run(async () => startup(init, o)));
  program.command('update').description('after an upgrade (npm i -g appinit@next): hand the running daemon\'s jobs to a daemon of this version; no job restarts')
    .option('--force', 'hand over even when the versions are the same').option('--json', 'print JSON')
    .action((o: { force?: boolean; json?: boolean }) => run(async () => (await import('./update.js')).update(o)));
  program.command('unstartup [init]').description('remove the boot file `appinit startup` wrote')
    .option('--system', 'the system daemon\'s').option('--user', 'this user\'s')
    .action((init: string | undefined, o: StartupOptions) => run(async () => unstartup(init, o)));
};

function choose(init: string | undefined, o: StartupOptions): { init: InitSystem; spec: StartupSpec; path: string } {
  if (init !== undefined && !INITS.includes(init as InitSystem)) throw new CliError(`startup: expected one of ${INITS.join(', ')}, got "${init}"`, EXIT.usage);
  // `--system` is taken by main.ts for every command (it sets APPINIT_SYSTEM=1): read either.
  const system = o.system === true || systemMode();
  if (o.user && system) throw new CliError('startup: --user and --system exclude each other', EXIT.usage);
  const which = (init as InitSystem | undefined) ?? detectInit();
  const root = process.getuid?.() === 0;
  const mode = system ? 'system' : o.user ? 'user' : root ? 'system' : 'user';
  const me = userInfo();
  // The node running now and this CLI's main.js: `npm i -g` replaces the files at the same path.
  const main = resolve(fileURLToPath(new URL('../main.js', import.meta.url)));
  const spec: StartupSpec = { argv: [process.execPath, main], mode };
  if (mode === 'user' && which !== 'systemd') spec.user = { name: me.username, home: homedir() };
  // The daemon this boot file starts is the one this command would talk to: the home (or system
  // home) it was given goes into the file (it started a daemon on ~/.appinit, with no word).
  const where = mode === 'system' ? 'APPINIT_SYSTEM_HOME' : 'APPINIT_HOME';
  if (process.env[where]) spec.env = { [where]: resolve(process.env[where]!) };
  spec.pidFile = (mode === 'system' ? systemPaths() : pathsFor(process.env.APPINIT_HOME ? resolve(process.env.APPINIT_HOME) : resolve(homedir(), '.appinit'))).daemonPid;
  return { init: which, spec, path: bootFilePath(which, mode, homedir(), me.username) };
}

function render(init: InitSystem, spec: StartupSpec): string {
  return init === 'systemd' ? systemdUnit(spec) : init === 'openrc' ? openrcScript(spec) : sysvScript(spec);
}

// Runs an init tool when it exists; returns what to tell the person.
function enable(init: InitSystem, mode: string, path: string, on: boolean): string[] {
  const name = init === 'sysv' || init === 'openrc' ? path.split('/').pop()! : 'appinit.service';
  const steps: string[][] =
    init === 'systemd'
      ? [['systemctl', ...(mode === 'user' ? ['--user'] : []), 'daemon-reload'], ['systemctl', ...(mode === 'user' ? ['--user'] : []), on ? 'enable' : 'disable', name]]
      : init === 'openrc'
        ? [['rc-update', on ? 'add' : 'del', name, 'default']]
        : existsSync('/usr/sbin/update-rc.d') ? [['update-rc.d', name, on ? 'defaults' : 'remove']] : [['chkconfig', on ? '--add' : '--del', name]];
  // A boot file written elsewhere (APPINIT_*_DIR: a test, a package build) is not the live system's.
  const elsewhere = ['APPINIT_SYSTEMD_DIR', 'APPINIT_SYSTEMD_USER_DIR', 'APPINIT_INITD_DIR'].some((k) => process.env[k]);
  const live = !elsewhere && (init !== 'systemd' || existsSync('/run/systemd/system'));
  const out: string[] = [];
  for (const argv of steps) {
    const r = live ? spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' }) : null;
    if (r && r.status === 0) out.push(`ran: ${argv.join(' ')}`);
    else out.push(`run: ${argv.join(' ')}${r?.error ? `  (${argv[0]}: ${(r.error as NodeJS.ErrnoException).code})` : r ? `  (${(r.stderr || '').trim().split('\n')[0]})` : elsewhere ? '' : '  (systemd is not running here)'}`);
  }
  return out;
}

function startup(init: string | undefined, o: StartupOptions): number {
  const c = choose(init, o);
  const text = render(c.init, c.spec);
  if (o.print) {
    process.stdout.write(text);
    return EXIT.ok;
  }
  if (c.spec.mode === 'system' || c.init !== 'systemd') {
    if (process.getuid?.() !== 0) throw new CliError(`startup: writing ${c.path} needs root; run it as root, or --print and install the file yourself`);
  }
  mkdirSync(dirname(c.path), { recursive: true });
  const tmp = `${c.path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: c.init === 'systemd' ? 0o644 : 0o755 });
  renameSync(tmp, c.path);
  const lines = [`wrote ${c.path} (${c.init}, ${c.spec.mode} daemon)`, ...enable(c.init, c.spec.mode, c.path, true)];
  if (c.init === 'systemd' && c.spec.mode === 'user') lines.push(`run: loginctl enable-linger ${userInfo().username}  (starts your daemon at boot, before you log in)`);
  // PM2 needs `pm2 save`; appinit has nothing to save.
  lines.push('State is continuous: programs, jobs, at queues and crontabs live in the store, so there is nothing to save; at boot the daemon reloads them and restarts what was up by its restart policy.');
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}

function unstartup(init: string | undefined, o: StartupOptions): number {
  const c = choose(init, o);
  if (!existsSync(c.path)) throw new CliError(`unstartup: ${c.path} does not exist; nothing to remove`);
  const lines = enable(c.init, c.spec.mode, c.path, false);
  unlinkSync(c.path);
  process.stdout.write([`removed ${c.path}`, ...lines].join('\n') + '\n');
  return EXIT.ok;
}
