// The one error type that crosses the API: {error: {code, message}}, and the one registry that
// maps each code to its HTTP status. A handler names the code; the status follows from it.

/** Every error code the API answers with, and its HTTP status. */
export const ERROR_STATUS = {
  usage: 400, // a request a person or program got wrong: the message says what was expected
  bad_json: 400,
  config: 400, // a control file with errors (details: the issues, file:line:col)
  crontab: 400,
  at_garbled: 400,
  at_past: 400,
  ambiguous: 400,
  bad_name: 400,
  no_timestamps: 400, // --since on a log written without timestamps
  no_such_user: 400,
  bad_cwd: 400, // a job's directory that is missing, not a directory, or not searchable by its user
  unauthenticated: 401, // the kernel did not say who is calling
  forbidden: 403,
  not_yours: 403, // a pid that is not one of the caller's jobs
  not_executable: 403, // as the shell's 126
  not_found: 404,
  no_such_job: 404,
  no_such_process: 404,
  command_not_found: 404, // as the shell's 127
  method_not_allowed: 405, // a route of this path takes another method (details: the ones it takes)
  unknown_user: 404,
  no_crontab: 404,
  no_message: 404, // a queue had no message for a receive that would not wait
  not_running: 409,
  already_running: 409,
  not_ready: 409, // a reload's new instance did not become ready (the old one keeps running)
  exists: 409, // a program or resource of that name exists
  from_file: 409, // a program of a control file, changed only through the file
  deadlock: 409, // a resource request refused: waiting would deadlock
  busy: 409, // a resource request that would wait, and was told not to
  not_holder: 409,
  gone: 410, // what a request waited for was removed, or its holder ended
  too_large: 413,
  internal: 500,
  io: 500, // a file the daemon had to read or write failed
  disk_full: 507, // the store could not be written: jobs keep running, the daemon degrades
  unavailable: 503, // a service the route needs is not running (yet, or any more)
  starting: 503, // the same, while the daemon starts
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error a caller can act on, with a stable code; its HTTP status comes from ERROR_STATUS. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown);
  /** @deprecated the status comes from the code: write `new ApiError(code, message)`. */
  constructor(status: number, code: ErrorCode, message: string, details?: unknown);
  constructor(a: ErrorCode | number, b: string, c?: unknown, d?: unknown) {
    const legacy = typeof a === 'number';
    super(legacy ? String(c) : b);
    this.code = legacy ? (b as ErrorCode) : a;
    this.details = legacy ? d : c;
  }

  /** The HTTP status of this error's code. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The JSON body of an error response. */
export function errorBody(e: ApiError): { error: { code: string; message: string; details?: unknown } } {
  return { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
}
