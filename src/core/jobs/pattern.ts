// pkill's PATTERN, matched without backtracking: a pattern such as `(a+)+$` against a long
// command line would otherwise hold the daemon's event loop for seconds or forever. V8's
// linear-time engine (the `l` flag) runs in time linear in the text; pkill's patterns are POSIX
// extended regular expressions, which need nothing it lacks (no backreferences, no lookaround).
import { setFlagsFromString } from 'node:v8';

/** The longest pattern accepted: compiling is linear in its length, but bounded all the same. */
export const MAX_PATTERN = 1024;

let enabled = false;

/** Thrown for a pattern that is not a regular expression the linear engine can run. */
export class PatternError extends Error {}

/** Compiles a pkill pattern for linear-time matching; throws PatternError saying why not. */
export function linearPattern(pattern: string): RegExp {
  if (pattern.length > MAX_PATTERN) throw new PatternError(`pattern is ${pattern.length} characters; at most ${MAX_PATTERN}`);
  if (!enabled) {
    setFlagsFromString('--enable-experimental-regexp-engine');
    enabled = true;
  }
  try {
    return new RegExp(pattern, 'l');
  } catch (err) {
    const msg = (err as Error).message;
    if (/linear time/.test(msg)) {
      throw new PatternError(`"${pattern}" uses a backreference or lookaround, which pkill's extended regular expressions do not have`);
    }
    throw new PatternError(msg.replace(/^Invalid regular expression: /, ''));
  }
}
