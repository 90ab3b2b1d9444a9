// The one error type that crosses the API: {error: {code, message}}.

/** An error a caller can act on, with an HTTP status and a stable code. */
export class ApiError extends Error {
  constructor(public readonly status: number, public readonly code: string, message: string, public readonly details?: unknown) {
    super(message);
  }
}

/** The JSON body of an error response. */
export function errorBody(e: ApiError): { error: { code: string; message: string; details?: unknown } } {
  return { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
}
