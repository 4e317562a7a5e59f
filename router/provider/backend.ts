import { HopError } from '../errors.ts';
import { type HopLimits, hopLines } from '../hop.ts';
import { parseChunkLine, VIA_HEADER } from '../upstream.ts';
import type { OllamaChunk, OllamaEndpoint, OllamaRequest } from '../wire/ollama.ts';
import { OpenAiStreamReader, ollamaToChatCompletion } from '../wire/openai.ts';

/**
 * What a provider node fronts: Ollama (the default) or any OpenAI-compatible server (vLLM,
 * llama.cpp's server, LM Studio, a hosted API). Either way the node reads the reply as Ollama
 * chunks, since Ollama's API is what it serves to routers.
 */
export type Backend = {
  kind: 'ollama' | 'openai';
  url: string;
  /** The models the backend has now. */
  listModels(timeoutMs?: number): Promise<string[]>;
  /**
   * A chat or generate request, always streamed from the backend, as Ollama chunks ending with
   * `done`, in batches as they arrived (hop.ts).
   */
  stream(
    endpoint: OllamaEndpoint,
    body: OllamaRequest,
    options: { signal: AbortSignal; via?: string },
  ): AsyncGenerator<OllamaChunk[]>;
};

/** A backend loads models on demand: the first token may take a while; after that it should flow. */
export const BACKEND_LIMITS: HopLimits = { connectMs: 3_000, firstTokenMs: 120_000, idleMs: 60_000 };

export function ollamaBackend(url: string, limits: HopLimits = BACKEND_LIMITS): Backend {
  const base = url.replace(/\/+$/, '');
  return {
    kind: 'ollama',
    url: base,
    async listModels(timeoutMs = 3_000) {
      const body = await getJson<{ models?: { name?: string; model?: string }[] }>(`${base}/api/tags`, timeoutMs);
      return (body.models ?? []).flatMap((entry) =>
        (entry.name ?? entry.model) ? [(entry.name ?? entry.model) as string] : [],
      );
    },
    async *stream(endpoint, body, { signal, via }) {
      let done = false;
      const lines = hopLines({
        url: `${base}/api/${endpoint}`,
        method: 'POST',
        body: JSON.stringify({ ...body, stream: true }),
        headers: via ? { [VIA_HEADER]: via } : {},
        limits,
        signal,
        complete: () => done,
      });
      let first = true;
      for await (const batch of lines) {
        const out: OllamaChunk[] = [];
        for (const line of batch) {
          const chunk = parseChunkLine(line, first);
          first = false;
          out.push(chunk);
          if (chunk.done === true) {
            done = true;
            break;
          }
        }
        yield out;
        if (done) return;
      }
      throw new HopError('the backend’s stream ended without its final chunk', {
        phase: first ? 'first-token' : 'stream',
      });
    },
  };
}

export function openAiBackend(url: string, options: { apiKey?: string; limits?: HopLimits } = {}): Backend {
  // Accept both http://host:port and http://host:port/v1.
  const base = url.replace(/\/+$/, '').replace(/\/v1$/, '');
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  return {
    kind: 'openai',
    url: base,
    async listModels(timeoutMs = 3_000) {
      const body = await getJson<{ data?: { id?: string }[] }>(`${base}/v1/models`, timeoutMs, auth);
      return (body.data ?? []).flatMap((entry) => (entry.id ? [entry.id] : []));
    },
    async *stream(endpoint, body, { signal, via }) {
      const reader = new OpenAiStreamReader(endpoint, body.model);
      const lines = hopLines({
        url: `${base}/v1/chat/completions`,
        method: 'POST',
        body: JSON.stringify(ollamaToChatCompletion(endpoint, body)),
        headers: { ...auth, accept: 'text/event-stream', ...(via ? { [VIA_HEADER]: via } : {}) },
        limits: options.limits ?? BACKEND_LIMITS,
        signal,
        complete: () => reader.done,
      });
      let first = true;
      for await (const batch of lines) {
        const out: OllamaChunk[] = [];
        for (const line of batch) {
          // Server-sent events: only `data:` lines carry payloads; comments and other fields are skipped.
          if (!line.startsWith('data:')) continue;
          try {
            out.push(...reader.read(line.slice(5).trim()));
          } catch (error) {
            const what = error instanceof SyntaxError ? 'a malformed event' : (error as Error).message;
            throw new HopError(`the backend sent ${what}`, {
              phase: first && out.length === 0 ? 'first-token' : 'stream',
            });
          }
          if (reader.done) break;
        }
        if (out.length > 0) {
          first = false;
          yield out;
        }
        if (reader.done) return;
      }
      throw new HopError('the backend’s stream ended without [DONE]', { phase: first ? 'first-token' : 'stream' });
    },
  };
}

async function getJson<T>(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return (await response.json()) as T;
}
