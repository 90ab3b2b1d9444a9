// Which jobs a command names: `status web worker`, `restart 'web-*'`, `stop web:*` (a group),
// `%3` or `3` (a job number), `all`. Pure, so the rule is tested without a daemon.

/** What selection needs of a job. */
export interface Selectable {
  number: number;
  program: string | null;
  spec: { name: string; group?: string | null };
}

/** A pattern that matched nothing: the caller says which. */
export class NoMatch extends Error {
  readonly code = 'not_found';
  constructor(readonly pattern: string) {
    super(`no program or job named "${pattern}"`);
  }
}

/** True when a pattern has glob characters (*, ?, [...]). */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** A glob (* any run, ? one character, [abc] / [!abc] / [a-z] a set) as an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let set = glob.slice(i + 1, close);
        if (set.startsWith('!')) set = '^' + set.slice(1);
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/**
 * The jobs the patterns name, each once, in the order the patterns name them (jobs of one
 * pattern by number). A pattern is: `all` (every program's jobs), `GROUP:*` or `GROUP:NAME`
 * (programs of a group), `%N` or `N` (a job number), a glob over names, or a name (of a
 * program or of an ad-hoc job). Throws NoMatch for the first pattern that matches nothing.
 */
export function selectJobs<J extends Selectable>(jobs: Iterable<J>, patterns: string[]): J[] {
  const all = [...jobs].sort((a, b) => a.number - b.number);
  const name = (j: J) => j.program ?? j.spec.name;
  const out: J[] = [];
  const seen = new Set<J>();
  for (const pat of patterns) {
    let test: (j: J) => boolean;
    if (pat === 'all') test = (j) => j.program != null;
    else if (/^%?\d+$/.test(pat)) test = (j) => j.number === Number(pat.replace(/^%/, ''));
    else if (pat.includes(':')) {
      const [group, rest] = [pat.slice(0, pat.indexOf(':')), pat.slice(pat.indexOf(':') + 1)];
      const inGroup = isGlob(group) ? globToRegExp(group) : null;
      const member = rest === '' || rest === '*' ? null : globToRegExp(rest);
      test = (j) => {
        const g = j.spec.group ?? null;
        if (g == null) return false;
        if (inGroup ? !inGroup.test(g) : g !== group) return false;
        return member == null || member.test(name(j));
      };
    } else if (isGlob(pat)) {
      const re = globToRegExp(pat);
      test = (j) => re.test(name(j));
    } else test = (j) => name(j) === pat;
    const found = all.filter(test);
    if (found.length === 0 && pat !== 'all') throw new NoMatch(pat);
    for (const j of found) if (!seen.has(j)) {
      seen.add(j);
      out.push(j);
    }
  }
  return out;
}
