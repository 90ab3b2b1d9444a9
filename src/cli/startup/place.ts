// Which init system runs this machine, and where each one keeps its boot files.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InitSystem } from './units.js';

/** The running init: systemd when /run/systemd/system exists (sd_booted), OpenRC when its run
 *  directory or openrc-run exists, else System V scripts in /etc/init.d. */
export function detectInit(root = '/'): InitSystem {
  if (existsSync(join(root, 'run/systemd/system'))) return 'systemd';
  if (existsSync(join(root, 'run/openrc')) || existsSync(join(root, 'sbin/openrc-run'))) return 'openrc';
  return 'sysv';
}

/** Where the boot file goes: a system unit, a user unit (~/.config/systemd/user), or an init script. */
export function bootFilePath(init: InitSystem, mode: 'system' | 'user', home: string, user: string, root = '/'): string {
  // SYSTEMD_UNIT_DIR etc. let a test (or a packager) write elsewhere than the live system.
  if (init === 'systemd') {
    if (mode === 'user') return join(process.env.APPINIT_SYSTEMD_USER_DIR ?? join(home, '.config/systemd/user'), 'appinit.service');
    return join(process.env.APPINIT_SYSTEMD_DIR ?? join(root, 'etc/systemd/system'), 'appinit.service');
  }
  const dir = process.env.APPINIT_INITD_DIR ?? join(root, 'etc/init.d');
  return join(dir, mode === 'user' ? `appinit-${user}` : 'appinit');
}
