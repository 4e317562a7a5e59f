import { chunkText, type OllamaChunk, type OllamaEndpoint, toolCallsOf } from './wire/ollama.ts';

/**
 * How the router counts tokens without the model's tokenizer, to check what a provider's receipt
 * claims. It sees the stream itself, so it can bound the completion closely; it sees the prompt only
 * as text, without the model's template, so that bound is loose.
 *
 * Completion: `measured = max(text chunks, ceil(UTF-8 bytes / 4))`. Ollama (and OpenAI-compatible
 * servers) stream about one token per chunk, and English runs about four bytes per token; taking the
 * larger of the two covers text of either kind (CJK text is ~3 bytes a token but one chunk each). A
 * receipt may claim up to `ceil(measured × 1.25) + 4`: 25% for tokens merged into one chunk (a stop
 * sequence held back, a multi-byte character split across tokens) and 4 for the end-of-sequence
 * token and rounding. Known to under-count: emoji-dense or digit-dense text whose tokens the server
 * merges into few chunks; raise the ratio for such traffic.
 *
 * Prompt: every token is at least one byte, so a prompt cannot exceed the bytes of the request body
 * the router sent, plus 2048 for the chat template and a Modelfile system prompt it never sees.
 * (Ollama reports fewer when it reuses its cache; fewer is always accepted.)
 */

export type TokenTolerance = { ratio: number; slack: number };

export const DEFAULT_TOKEN_TOLERANCE: TokenTolerance = { ratio: 1.25, slack: 4 };

/** Slack for the chat template and a system prompt the router does not see. */
export const PROMPT_TEMPLATE_SLACK = 2048;

/** What the router counts as a stream passes through. */
export type StreamCount = {
  /** Chunks that carried text (content, thinking or a tool call). */
  chunks: number;
  /** UTF-8 bytes of that text. */
  bytes: number;
};

export function emptyCount(): StreamCount {
  return { chunks: 0, bytes: 0 };
}

/** Adds one chunk's text to the count. */
export function countChunk(count: StreamCount, text: string): void {
  if (text.length === 0) return;
  count.chunks += 1;
  count.bytes += Buffer.byteLength(text);
}

/** Adds an Ollama chunk: its thinking and content, and its tool calls as their JSON. */
export function countOllamaChunk(count: StreamCount, endpoint: OllamaEndpoint, chunk: OllamaChunk): void {
  const text = chunkText(endpoint, chunk);
  countChunk(count, text.thinking + text.content);
  const calls = toolCallsOf(chunk);
  if (calls.length > 0) countChunk(count, JSON.stringify(calls));
}

/** The router's own estimate of the completion tokens in what it streamed. */
export function measuredCompletionTokens(count: StreamCount): number {
  return Math.max(count.chunks, Math.ceil(count.bytes / 4));
}

/** The most completion tokens a receipt may claim for that stream. */
export function completionTokenLimit(count: StreamCount, tolerance: TokenTolerance = DEFAULT_TOKEN_TOLERANCE): number {
  return Math.ceil(measuredCompletionTokens(count) * tolerance.ratio) + tolerance.slack;
}

/** The most prompt tokens a receipt may claim for a request body of `bodyBytes`. */
export function promptTokenLimit(bodyBytes: number): number {
  return bodyBytes + PROMPT_TEMPLATE_SLACK;
}

/** A provider's fallback when its backend reports no counts: the same rule, so it never over-claims. */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / 4);
}
