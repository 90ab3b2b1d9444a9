// The library's one error class: every failure a call reports is an AppinitError with a stable
// `code` — the daemon's (`not_found`, `usage`, `config`, ...) or the client's own when no answer
// came: `not_running` (no daemon answers on the socket) and `connection_lost` (the connection
// ended before a whole answer: the daemon was stopped or killed meanwhile).

/** An error from the daemon, or from reaching it, with its stable code. */
export class AppinitError extends Error {
  /** The system error behind a client-side code (ECONNREFUSED, ENOENT, ECONNRESET, EPIPE), if any. */
  readonly errno?: string;

  constructor(public readonly code: string, message: string, public readonly status: number, public readonly details?: unknown, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AppinitError';
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
    if (typeof errno === 'string') this.errno = errno;
  }
}

/** A transport failure (no answer came) as an AppinitError; an AppinitError is returned as it is. */
export function reachError(err: unknown, where: string): unknown {
  if (err instanceof AppinitError || !(err instanceof Error)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new AppinitError('not_running', `appinit: no daemon answers on ${where} (${code})`, 0, undefined, err);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|without a whole answer|cut short|ended before its answer/.test(err.message)) {
    const said = err.message.startsWith('appinit: ') ? err.message.slice(9) : err.message;
    return new AppinitError('connection_lost', `appinit: ${said} (the daemon was stopped or killed meanwhile?)`, 0, undefined, err);
  }
  return err;
}

/** The system error code of a failure (ENOENT, ECONNRESET, ...): a raw one's, or the one behind an AppinitError. */
export function errnoOf(err: unknown): string | undefined {
  return err instanceof AppinitError ? err.errno : (err as NodeJS.ErrnoException | null)?.code;
}
