/**
 * The HTTP statuses an error may answer with (the ones hono's `c.json` accepts with a body). The CLI
 * ignores them; the HTTP edge (app/server.ts) answers with them.
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 423 | 429 | 500 | 501 | 502 | 503 | 504 | 508;

export type SextantErrorOptions = {
  hint?: string;
  cause?: unknown;
  /** A machine-readable name for what went wrong ("plan-not-found", "passphrase-required"). */
  code?: string;
  /** The HTTP status the edge answers with. */
  status?: ErrorStatus;
};

/**
 * The one base class for errors a person may see. `message` says what went wrong; `hint` says what
 * to do about it. Modules subclass it by area (devnet/errors.ts, ...), as viem groups its errors.
 *
 * Like hono's HTTPException it carries what the HTTP edge answers: a machine `code` and a `status`.
 * A subclass sets its own (a field initializer or the constructor's options); the defaults, `refused`
 * and 409, are what the edge answered for any SextantError before errors carried their status.
 */
export class SextantError extends Error {
  override name = 'SextantError';
  readonly hint: string | undefined;
  readonly code: string;
  readonly status: ErrorStatus;

  constructor(message: string, options: SextantErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.code = options.code ?? 'refused';
    this.status = options.status ?? 409;
  }

  /** The message and the hint, as printed by the CLI. */
  describe(): string {
    return this.hint ? `${this.message}\n  → ${this.hint}` : this.message;
  }
}

/** Prints any thrown value as a person would want to read it. */
export function describeError(error: unknown): string {
  if (error instanceof SextantError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}
