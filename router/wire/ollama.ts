import { z } from 'zod';

/**
 * Ollama's API as the router and the provider node speak it: the request bodies checked at the edge,
 * the streamed chunks, and the few operations on them the router needs. Every hop between router,
 * provider node and backend streams (NDJSON), whatever the client asked for: streaming is how the
 * router measures time to first token and counts what was produced.
 */

export type OllamaEndpoint = 'chat' | 'generate';

/** The Ollama API level the router and the provider node speak (clients read /api/version). */
export const OLLAMA_API_VERSION = '0.12.0';

/** The field of the final chunk where a provider node puts its signed usage receipt. */
export const RECEIPT_FIELD = 'sextant_receipt';

/** One NDJSON line of a chat or generate stream (or the single non-streamed reply). */
export type OllamaChunk = {
  model?: string;
  created_at?: string;
  /** /api/chat */
  message?: { role?: string; content?: string; thinking?: string; tool_calls?: unknown[]; [key: string]: unknown };
  /** /api/generate */
  response?: string;
  thinking?: string;
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
  [key: string]: unknown;
};

const message = z.looseObject({
  role: z.string().min(1),
  content: z.string().optional(),
  images: z.array(z.string()).optional(),
});

/** The body of POST /api/chat; fields the router does not read pass through to the backend unchanged. */
export const ChatRequestSchema = z.looseObject({
  model: z.string().min(1, 'model is required'),
  messages: z.array(message).default([]),
  stream: z.boolean().optional(),
});

/** The body of POST /api/generate. */
export const GenerateRequestSchema = z.looseObject({
  model: z.string().min(1, 'model is required'),
  prompt: z.string().optional(),
  stream: z.boolean().optional(),
});

export type OllamaRequest = { model: string; stream?: boolean | undefined; [key: string]: unknown };

/** Ollama treats "llama3.1" and "llama3.1:latest" as one model. */
export function withTag(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

export function sameModel(a: string, b: string): boolean {
  return withTag(a) === withTag(b);
}

/** The text a chunk adds: its content (or response) and its thinking. */
export function chunkText(endpoint: OllamaEndpoint, chunk: OllamaChunk): { content: string; thinking: string } {
  if (endpoint === 'chat') {
    return { content: chunk.message?.content ?? '', thinking: chunk.message?.thinking ?? '' };
  }
  return { content: chunk.response ?? '', thinking: chunk.thinking ?? '' };
}

/** The chunk with its text replaced (for a restarted stream that skips what the client already has). */
export function withChunkText(
  endpoint: OllamaEndpoint,
  chunk: OllamaChunk,
  text: { content: string; thinking: string },
): OllamaChunk {
  if (endpoint === 'chat') {
    const message = { ...(chunk.message ?? { role: 'assistant' }), content: text.content };
    if (text.thinking) message.thinking = text.thinking;
    else delete message.thinking;
    return { ...chunk, message };
  }
  const next: OllamaChunk = { ...chunk, response: text.content };
  if (text.thinking) next.thinking = text.thinking;
  else delete next.thinking;
  return next;
}

export function toolCallsOf(chunk: OllamaChunk): unknown[] {
  return Array.isArray(chunk.message?.tool_calls) ? chunk.message.tool_calls : [];
}

/** The chunk without the provider's receipt: the client gets Ollama's shape, nothing else. */
export function withoutReceipt(chunk: OllamaChunk): OllamaChunk {
  if (!(RECEIPT_FIELD in chunk)) return chunk;
  const { [RECEIPT_FIELD]: _receipt, ...rest } = chunk;
  return rest;
}

/**
 * A whole stream as the one reply Ollama sends when `stream` is false: the final chunk's statistics,
 * with the text and tool calls of every chunk before it.
 */
export function aggregateChunks(endpoint: OllamaEndpoint, chunks: readonly OllamaChunk[]): OllamaChunk {
  const final = withoutReceipt(chunks.at(-1) ?? { done: true });
  let content = '';
  let thinking = '';
  const toolCalls: unknown[] = [];
  for (const chunk of chunks) {
    const text = chunkText(endpoint, chunk);
    content += text.content;
    thinking += text.thinking;
    toolCalls.push(...toolCallsOf(chunk));
  }
  if (endpoint === 'chat') {
    const message: NonNullable<OllamaChunk['message']> = { role: 'assistant', content };
    if (thinking) message.thinking = thinking;
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    return { ...final, message };
  }
  return withChunkText(endpoint, final, { content, thinking });
}
