// PATH lookup for importers: where the program a file names would be found, as execvp finds it.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The absolute path of an executable named `cmd` on PATH, or null. */
export function which(cmd: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    const f = join(dir || '.', cmd);
    try {
      if (statSync(f).isFile()) {
        accessSync(f, constants.X_OK);
        return resolve(f);
      }
    } catch { /* next */ }
  }
  return null;
}
