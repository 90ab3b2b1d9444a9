// Ignore patterns for `watch:`, as in .gitignore: a pattern without "/" matches any one
// component of the path (`*.log`, `node_modules`); one with "/" matches the path from the
// watched directory (`build/**`, `src/gen/`), or from the root when it starts with "/".
// `*` and `?` stay within a component, `**` spans components; a matched directory ignores
// everything under it.

/** A compiled set of ignore patterns. */
export type IgnoreTest = (relPath: string, absPath: string) => boolean;

/** Compiles patterns once; the test takes a path relative to the watched directory and the absolute one. */
export function compileIgnore(patterns: readonly string[]): IgnoreTest {
  const tests = patterns.map(compileOne);
  return (rel, abs) => tests.some((t) => t(rel, abs));
}

function compileOne(pattern: string): IgnoreTest {
  const p = pattern.replace(/\/+$/, '');
  if (!p.includes('/')) {
    const re = new RegExp(`^${toRegex(p)}$`);
    return (rel) => rel.split('/').some((c) => re.test(c));
  }
  const anchored = p.startsWith('/');
  const re = new RegExp(`^${toRegex(anchored ? p : p.replace(/^\.\//, ''))}(?:/.*)?$`);
  return (rel, abs) => re.test(anchored ? abs : rel);
}

function toRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more whole components; a trailing `**` anything below.
      if (glob[i + 2] === '/') { out += '(?:.*/)?'; i += 2; } else { out += '.*'; i += 1; }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}
