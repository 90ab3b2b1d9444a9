// The version of the installed package, read from its package.json (dist/src/api/ -> the package
// root), so a daemon and a CLI from different installs can tell each other apart.
import { readFileSync } from 'node:fs';

/** The `version` of the package this file was installed with; '0.0.0' when it cannot be read. */
export function packageVersion(): string {
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'appinit' && typeof pkg.version === 'string') return pkg.version;
    } catch { /* next */ }
  }
  return '0.0.0';
}
