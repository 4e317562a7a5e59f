import { SextantError } from '../common/errors.ts';

export type RouterErrorOptions = {
  hint?: string;
  /** The HTTP status the routes answer with (400 by default). */
  status?: RouterError['status'];
  /** A machine-readable name for what went wrong ("model-not-found"); `router-refused` by default. */
  code?: string;
  /** Sent as Retry-After: when asking again makes sense (a busy provider node). */
  retryAfterSeconds?: number;
  cause?: unknown;
};

/**
 * The router or a provider node refused a request: a bad registration, an unknown model, a bad body.
 * Its routes throw it; their one onError (http-edge.ts) answers with its status, in the client's protocol.
 */
export class RouterError extends SextantError {
  override name = 'RouterError';
  /** The HTTP status the routes answer with. */
  declare readonly status: 400 | 403 | 404 | 409 | 413 | 429 | 501 | 502 | 503 | 504 | 508;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: RouterErrorOptions = {}) {
    super(message, {
      hint: options.hint,
      cause: options.cause,
      code: options.code ?? 'router-refused',
      status: options.status ?? 400,
    });
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A body or query that does not fit its schema: a 400 naming the field (OpenAI's `param`). */
export class InvalidRequestError extends RouterError {
  override name = 'InvalidRequestError';
  readonly field: string;

  constructor(message: string, field: string) {
    super(message, { code: 'invalid-request' });
    this.field = field;
  }
}

/** Nobody serves the model asked for: a 404, which OpenAI's clients know as `model_not_found`. */
export class ModelNotFoundError extends RouterError {
  override name = 'ModelNotFoundError';

  constructor(message: string, options: { hint?: string } = {}) {
    super(message, { ...options, status: 404, code: 'model-not-found' });
  }
}

/**
 * One hop to a provider or a backend failed. `phase` says when, which decides what the router may do:
 * before the first token the next provider is tried transparently; after it, see proxy.ts.
 */
export class HopError extends SextantError {
  override name = 'HopError';
  readonly phase: 'connect' | 'status' | 'first-token' | 'stream';
  /** The upstream's HTTP status, when it answered with an error status. */
  readonly upstreamStatus: number | undefined;

  constructor(message: string, options: { phase: HopError['phase']; status?: number; hint?: string; cause?: unknown }) {
    super(message, {
      code: 'hop-failed',
      status: 502,
      ...(options.hint ? { hint: options.hint } : {}),
      cause: options.cause,
    });
    this.phase = options.phase;
    this.upstreamStatus = options.status;
  }

  /** The upstream refused the request itself (a 4xx other than busy or unknown model): another provider would too. */
  get isClientError(): boolean {
    return (
      this.upstreamStatus !== undefined &&
      this.upstreamStatus >= 400 &&
      this.upstreamStatus < 500 &&
      this.upstreamStatus !== 404 &&
      this.upstreamStatus !== 408 &&
      this.upstreamStatus !== 429
    );
  }

  /** The upstream is at its concurrency limit: not a failure of the provider. */
  get isBusy(): boolean {
    return this.upstreamStatus === 429;
  }
}
