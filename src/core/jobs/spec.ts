// Job specs as bash reads them: %N, %+, %%, %-, %string, %?string.

/** What a spec is matched against. */
export interface SpecJob {
  number: number;
  command: string;
}

/** A spec that names no job, or more than one. */
export class JobSpecError extends Error {}

/**
 * The job a spec names. `current` and `previous` are job numbers (bash's + and -).
 * %string matches commands starting with string, %?string commands containing it;
 * an ambiguous or missing match is an error that names the spec, as bash's is.
 */
export function resolveJobSpec(spec: string, jobs: SpecJob[], current: number | null, previous: number | null): SpecJob {
  const byNumber = (n: number | null) => {
    const j = n == null ? undefined : jobs.find((x) => x.number === n);
    if (!j) throw new JobSpecError(`${spec}: no such job`);
    return j;
  };
  if (!spec.startsWith('%')) {
    if (/^\d+$/.test(spec)) return byNumber(Number(spec));
    throw new JobSpecError(`${spec}: not a job spec (expected %N, %+, %-, %string or %?string)`);
  }
  const body = spec.slice(1);
  if (body === '' || body === '+' || body === '%') return byNumber(current);
  if (body === '-') return byNumber(previous);
  if (/^\d+$/.test(body)) return byNumber(Number(body));
  const contains = body.startsWith('?');
  const text = contains ? body.slice(1) : body;
  const found = jobs.filter((j) => (contains ? j.command.includes(text) : j.command.startsWith(text)));
  if (found.length === 0) throw new JobSpecError(`${spec}: no such job`);
  if (found.length > 1) throw new JobSpecError(`${spec}: ambiguous job spec`);
  return found[0];
}
