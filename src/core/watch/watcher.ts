// Watches files and directories for changes without polling (fs.watch: inotify on Linux,
// recursive for directories) and reports them debounced: one call after `debounce` ms of quiet.
import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { WatchOptions } from '../../config/program.js';
import { compileIgnore } from './ignore.js';

/** A running watch; close() ends it. */
export interface Watching {
  close(): void;
}

/** Calls onChange(paths) once per burst of changes not ignored; onError for a path that cannot be watched. */
export function watchPaths(opts: WatchOptions, onChange: (changed: string[]) => void, onError: (path: string, err: Error) => void): Watching {
  const ignored = compileIgnore(opts.ignore);
  const watchers: FSWatcher[] = [];
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  const hit = (root: string, name: string | null) => {
    const abs = name == null ? root : join(root, name);
    const rel = relative(root, abs).split(sep).join('/');
    if (ignored(rel === '' ? basename(abs) : rel, abs)) return;
    pending.add(abs);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const changed = [...pending];
      pending = new Set();
      onChange(changed);
    }, opts.debounce);
  };
  for (const path of opts.paths) {
    try {
      // A path not there yet is watched through its directory, to be seen when it appears.
      const isDir = existsSync(path) && statSync(path).isDirectory();
      // A single file is watched through its directory, so that editors that replace it
      // (write a new file, rename it over) keep being seen.
      const root = isDir ? path : dirname(path);
      const only = isDir ? null : basename(path);
      const w = watch(root, { recursive: isDir, persistent: false }, (_ev, name) => {
        const n = name == null ? null : String(name);
        if (only != null && n !== only) return;
        hit(root, n);
      });
      w.on('error', (err) => onError(path, err));
      watchers.push(w);
    } catch (err) {
      onError(path, err as Error);
    }
  }
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
