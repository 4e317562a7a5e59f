/**
 * The one base class for errors a person may see. `message` says what went wrong; `hint` says what
 * to do about it. Modules subclass it by area (devnet/errors.ts, ...), as viem groups its errors.
 */
export class SextantError extends Error {
  override name = 'SextantError';
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
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
