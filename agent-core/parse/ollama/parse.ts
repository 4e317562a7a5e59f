import { AIMessage, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { ChatOllama } from '@langchain/ollama';
import type { Token } from '../../../common/chains/types.ts';
import { type ParseResult, ParseResultSchema } from '../../intents/schema.ts';
import { LlmError, LlmParseError, LlmTimeoutError, LlmUnavailableError } from './errors.ts';
import { buildMessages, correctionMessage } from './prompt.ts';
import { LLM_REPLY_JSON_SCHEMA, LlmReplySchema } from './reply-schema.ts';

export const DEFAULT_OLLAMA_TIMEOUT_MS = 20_000;

export type OllamaParseOptions = {
  /** Ollama's base URL (settings.ollama.host), e.g. http://127.0.0.1:11434. */
  host: string;
  /** The model (settings.ollama.model), e.g. qwen2.5:7b-instruct. */
  model: string;
  /** The whole parse, retry included, must finish within this (default 20 s). */
  timeoutMs?: number;
  /** Earlier turns, oldest first, as plain strings. Sent as data, never as instructions. */
  conversation?: readonly string[];
  /** The chain's token list. Only symbols and names are sent, as data. */
  tokens?: readonly Token[];
  /** Cancels the parse; the caller's abort is rethrown as it is, not turned into an LlmError. */
  signal?: AbortSignal;
};

/**
 * Parses a message with the Ollama model through LangChain's ChatOllama. The reply is constrained
 * with Ollama's structured output (`format` = the JSON Schema of {intents, clarify}, generated from
 * the zod schema), then checked with zod. A reply that is not JSON or not the schema gets one
 * corrective turn and a second try; a second failure is an LlmParseError. A timeout is an
 * LlmTimeoutError; an unreachable host or an HTTP error (model not pulled) an LlmUnavailableError.
 *
 * The result is the model's reading only: ground it (grounding.ts) before anything uses it.
 */
export async function parseWithOllama(text: string, options: OllamaParseOptions): Promise<ParseResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_OLLAMA_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;

  const chat = new ChatOllama({
    baseUrl: options.host,
    model: options.model,
    format: LLM_REPLY_JSON_SCHEMA,
    temperature: 0,
    numPredict: 1024,
    // ChatOllama streams /api/chat with an AbortController of its own; tie every request to our
    // signal too, so a timeout closes the connection instead of leaving it open.
    fetch: (input, init) =>
      fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
  });

  const messages: BaseMessage[] = buildMessages(text, {
    ...(options.conversation ? { conversation: options.conversation } : {}),
    ...(options.tokens ? { tokens: options.tokens } : {}),
  });

  let problem = '';
  let reply = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const message = await chat.invoke(messages, { signal });
      reply = message.text;
    } catch (error) {
      throw describeFailure(error, { options, timeoutMs, deadline });
    }
    const checked = checkReply(reply);
    if (checked.ok) {
      return ParseResultSchema.parse({ ...checked.reply, parser: `ollama:${options.model}` });
    }
    problem = checked.problem;
    messages.push(new AIMessage(reply), new HumanMessage(correctionMessage(problem)));
  }
  throw new LlmParseError(
    `The model ${options.model} did not answer with a valid intent list twice (${problem}).`,
    reply,
    {
      hint: 'The embedded parser can read the message instead; a larger or instruction-tuned model may do better.',
    },
  );
}

type Checked = { ok: true; reply: { intents: unknown[]; clarify?: string } } | { ok: false; problem: string };

/** Parses and validates the model's reply; on failure says what was wrong, briefly. */
export function checkReply(raw: string): Checked {
  let value: unknown;
  try {
    value = JSON.parse(stripFence(raw));
  } catch {
    return { ok: false, problem: raw.trim() === '' ? 'the reply was empty' : 'the reply was not valid JSON' };
  }
  const parsed = LlmReplySchema.safeParse(dropEmpty(value));
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'reply'}: ${issue.message}`);
    return { ok: false, problem: `it does not match the schema: ${issues.join('; ')}` };
  }
  return { ok: true, reply: parsed.data };
}

/** Some models wrap JSON in a ``` fence even when told not to. */
function stripFence(raw: string): string {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(raw);
  return fenced?.[1] ?? raw;
}

/**
 * A field the model wrote as null or "" means "not given": remove it, rather than fail the reply
 * over it. Nothing is added or changed.
 */
function dropEmpty(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const reply = { ...(value as Record<string, unknown>) };
  if (reply.clarify === null || reply.clarify === '') delete reply.clarify;
  if (Array.isArray(reply.intents)) {
    reply.intents = reply.intents.map((intent) =>
      intent && typeof intent === 'object' && !Array.isArray(intent)
        ? Object.fromEntries(Object.entries(intent).filter(([, field]) => field !== null && field !== ''))
        : intent,
    );
  }
  return reply;
}

/** Turns whatever ChatOllama threw into an LlmError a person can act on. */
function describeFailure(
  error: unknown,
  context: { options: OllamaParseOptions; timeoutMs: number; deadline: AbortSignal },
): unknown {
  const { options, timeoutMs, deadline } = context;
  if (error instanceof LlmError) return error;
  // The caller cancelled: not a failure of Ollama's, so it is not dressed up as one.
  if (options.signal?.aborted && !deadline.aborted) return options.signal.reason ?? error;
  if (deadline.aborted) return new LlmTimeoutError(timeoutMs, options.host, options.model);
  const status = (error as { status_code?: unknown }).status_code;
  if (typeof status === 'number') {
    const message = (error as Error).message;
    if (status === 404) {
      return new LlmUnavailableError(
        'model-error',
        `Ollama at ${options.host} has no model ${options.model} (${message}).`,
        {
          hint: `Run \`ollama pull ${options.model}\`.`,
          status,
          cause: error,
        },
      );
    }
    return new LlmUnavailableError('model-error', `Ollama at ${options.host} answered HTTP ${status}: ${message}`, {
      hint: 'See the Ollama server log.',
      status,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string' || message === 'fetch failed') {
    const reason =
      typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : message;
    return new LlmUnavailableError('unreachable', `Ollama is not reachable at ${options.host} (${reason}).`, {
      hint: `Start Ollama (\`ollama serve\`) and run \`ollama pull ${options.model}\`, or set OLLAMA_HOST.`,
      cause: error,
    });
  }
  return new LlmUnavailableError('model-error', `Ollama at ${options.host} failed: ${message}`, { cause: error });
}
