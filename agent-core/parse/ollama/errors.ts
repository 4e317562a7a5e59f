import { SextantError } from '../../../common/errors.ts';

/**
 * Why the Ollama parser gave no result. Every one is a reason to fall back to the embedded parser
 * (parse-message.ts); when Ollama was asked for by name, the error is shown as it is.
 */
export type LlmFailure = 'invalid-reply' | 'timeout' | 'unreachable' | 'model-error';

export class LlmError extends SextantError {
  override name = 'LlmError';
  readonly failure: LlmFailure;

  constructor(failure: LlmFailure, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { code: `llm-${failure}`, ...options });
    this.failure = failure;
  }
}

/** The model answered twice with something that is not a ParseResult (not JSON, or not the schema). */
export class LlmParseError extends LlmError {
  override name = 'LlmParseError';
  /** The model's last reply, cut to a readable length. */
  readonly reply: string;

  constructor(message: string, reply: string, options: { hint?: string; cause?: unknown } = {}) {
    super('invalid-reply', message, options);
    this.reply = reply.length > 500 ? `${reply.slice(0, 500)}…` : reply;
  }
}

/** Ollama did not finish answering within the time allowed. */
export class LlmTimeoutError extends LlmError {
  override name = 'LlmTimeoutError';
  readonly timeoutMs: number;

  constructor(timeoutMs: number, host: string, model: string) {
    super('timeout', `Ollama (${model} at ${host}) did not answer within ${formatSeconds(timeoutMs)}.`, {
      hint: 'The first request after Ollama starts loads the model and can take longer; try again, or use a smaller model.',
    });
    this.timeoutMs = timeoutMs;
  }
}

/** Nothing answers at the host, or Ollama answered with an HTTP error (e.g. the model is not pulled). */
export class LlmUnavailableError extends LlmError {
  override name = 'LlmUnavailableError';
  /** Ollama's own HTTP status, when it answered with an error status. */
  readonly upstreamStatus: number | undefined;

  constructor(
    failure: 'unreachable' | 'model-error',
    message: string,
    options: { hint?: string; cause?: unknown; status?: number } = {},
  ) {
    super(failure, message, { ...(options.hint ? { hint: options.hint } : {}), cause: options.cause });
    this.upstreamStatus = options.status;
  }
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
