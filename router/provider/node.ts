import { type Context, Hono } from 'hono';
import { type Address, getAddress, type Hex, isAddress, type LocalAccount, zeroAddress } from 'viem';
import { HopError, RouterError } from '../errors.ts';
import { readJsonBody } from '../http-body.ts';
import { sendStream } from '../http-stream.ts';
import { countOllamaChunk, emptyCount, estimateTokens, measuredCompletionTokens } from '../tokens.ts';
import { signReceipt, toJson, type UsageReceipt } from '../typed-data.ts';
import { CONSUMER_HEADER, REQUEST_ID_HEADER, VIA_HEADER } from '../upstream.ts';
import {
  aggregateChunks,
  ChatRequestSchema,
  GenerateRequestSchema,
  OLLAMA_API_VERSION,
  type OllamaChunk,
  type OllamaEndpoint,
  type OllamaRequest,
  RECEIPT_FIELD,
  sameModel,
} from '../wire/ollama.ts';
import type { Backend } from './backend.ts';

/**
 * The provider node (`sextant provider serve`): serves Ollama's API in front of a backend, for the
 * models it offers, to at most `concurrency` requests at once, and signs a usage receipt per reply.
 *
 * The receipt (EIP-712 UsageReceipt, typed-data.ts) travels in the reply itself: the final NDJSON
 * chunk of a stream, or the one JSON reply when `stream` is false, carries it as `sextant_receipt:
 * {message, signature}`. Its request id and consumer are the router's headers (x-sextant-request-id,
 * x-sextant-consumer); its token counts are the backend's own (Ollama's prompt_eval_count and
 * eval_count, an OpenAI server's usage), or, when the backend gives none, the router's counting rule
 * (tokens.ts), so an honest node never claims more than a router accepts.
 */

export type ProviderNodeOptions = {
  account: LocalAccount;
  backend: Backend;
  /** The models offered (each must exist on the backend to be served). */
  models: readonly string[];
  /** Requests served at once; one more is refused with 429. */
  concurrency: number;
};

export function createProviderApp(options: ProviderNodeOptions): Hono {
  const { account, backend } = options;
  let active = 0;
  const app = new Hono();

  app.get('/', (c) => c.text(`Sextant provider node ${account.address} is running`));
  app.get('/api/version', (c) => c.json({ version: OLLAMA_API_VERSION }));
  // The router's health probe: it answers only when the backend does, with what the backend has of the offer.
  app.get('/api/tags', async (c) => {
    let available: string[];
    try {
      available = await backend.listModels();
    } catch (error) {
      return c.json({ error: `the backend at ${backend.url} does not answer: ${(error as Error).message}` }, 502);
    }
    const models = options.models.filter((model) => available.some((name) => sameModel(name, model)));
    return c.json({ models: models.map((name) => ({ name, model: name, provider: account.address })) });
  });

  const serve = (endpoint: OllamaEndpoint) => async (c: Context) => {
    // Refused before reading anything: a busy node answers fast, and the router tries the next.
    if (active >= options.concurrency) {
      return c.json(
        { error: `provider busy: ${active} requests in flight, its limit is ${options.concurrency}; retry shortly` },
        429,
        { 'retry-after': '1' },
      );
    }
    active += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      active -= 1;
    };
    try {
      // The slot is released when the reply has been sent (or has failed), not when this returns.
      return await serveRequest(c, endpoint, release);
    } catch (error) {
      release();
      throw error;
    }
  };

  const serveRequest = async (c: Context, endpoint: OllamaEndpoint, release: () => void): Promise<Response> => {
    const started = performance.now();
    const parsed = (endpoint === 'chat' ? ChatRequestSchema : GenerateRequestSchema).safeParse(await readJsonBody(c));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RouterError(`${issue?.path.join('.') || 'body'}: ${issue?.message}`);
    }
    const body = parsed.data as OllamaRequest;
    if (!options.models.some((model) => sameModel(model, body.model))) {
      throw new RouterError(`model "${body.model}" not found: this provider offers ${options.models.join(', ')}`, {
        status: 404,
      });
    }
    const requestId = headerHex(c.req.header(REQUEST_ID_HEADER)) ?? randomRequestId();
    const consumerHeader = c.req.header(CONSUMER_HEADER);
    const consumer: Address = consumerHeader && isAddress(consumerHeader) ? getAddress(consumerHeader) : zeroAddress;
    const streaming = body.stream !== false;

    const controller = new AbortController();
    const abort = () => controller.abort();
    c.req.raw.signal.addEventListener('abort', abort, { once: true });
    const via = c.req.header(VIA_HEADER);
    const chunks = backend.stream(endpoint, body, { signal: controller.signal, ...(via ? { via } : {}) });
    const count = emptyCount();
    let ttftMs: number | undefined;

    /** The final chunk with its signed receipt. */
    const withReceipt = async (final: OllamaChunk): Promise<OllamaChunk> => {
      const durationMs = performance.now() - started;
      const receipt: UsageReceipt = {
        requestId,
        provider: account.address,
        consumer,
        model: body.model,
        promptTokens: BigInt(
          final.prompt_eval_count ?? estimateTokens(JSON.stringify(body.messages ?? body.prompt ?? '')),
        ),
        completionTokens: BigInt(final.eval_count ?? measuredCompletionTokens(count)),
        ttftMs: BigInt(Math.floor(ttftMs ?? durationMs)),
        durationMs: BigInt(Math.floor(durationMs)),
      };
      const signature = await signReceipt(account, receipt);
      return { ...final, [RECEIPT_FIELD]: { message: toJson(receipt), signature } };
    };
    /** The next batch of chunks from the backend (undefined at the end), the final one signed. */
    const next = async (): Promise<OllamaChunk[] | undefined> => {
      const result = await chunks.next();
      if (result.done) return undefined;
      if (ttftMs === undefined) ttftMs = performance.now() - started;
      const batch = result.value;
      for (const chunk of batch) countOllamaChunk(count, endpoint, chunk);
      const last = batch.at(-1);
      if (last?.done) batch[batch.length - 1] = await withReceipt(last);
      return batch;
    };
    const finish = () => {
      c.req.raw.signal.removeEventListener('abort', abort);
      release();
    };

    // The first chunks before any byte of the response: until then a backend failure is an error status.
    let first: OllamaChunk[] | undefined;
    try {
      first = await next();
    } catch (error) {
      finish();
      throw backendError(error);
    }
    if (!streaming) {
      const all: OllamaChunk[] = [];
      try {
        for (let batch = first; batch; batch = await next()) all.push(...batch);
      } catch (error) {
        throw backendError(error);
      } finally {
        finish();
      }
      const final = all.at(-1);
      return c.json({ ...aggregateChunks(endpoint, all), [RECEIPT_FIELD]: final?.[RECEIPT_FIELD] });
    }

    async function* texts(): AsyncGenerator<string> {
      try {
        for (let batch = first; batch; batch = await next()) {
          let text = '';
          for (const chunk of batch) text += `${JSON.stringify(chunk)}\n`;
          yield text;
          if (batch.at(-1)?.done) return;
        }
      } catch (error) {
        // Mid-stream, the way Ollama reports it: one error line, then the end.
        yield `${JSON.stringify({ error: backendError(error).message })}\n`;
      } finally {
        // Closes the backend's stream: kept for reuse when complete, aborted when the router went away.
        await chunks.return(undefined);
        finish();
      }
    }
    return sendStream(texts(), { 'content-type': 'application/x-ndjson' });
  };

  app.post('/api/chat', serve('chat'));
  app.post('/api/generate', serve('generate'));
  app.notFound((c) => c.json({ error: `not found: ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof RouterError) return c.json({ error: error.message }, error.status);
    console.error(error);
    return c.json({ error: 'internal error in the provider node' }, 500);
  });
  return app;
}

/** A backend failure as the node reports it: the backend's own status when it sent one, 502 otherwise. */
function backendError(error: unknown): RouterError {
  if (error instanceof RouterError) return error;
  const status = error instanceof HopError ? error.upstreamStatus : undefined;
  const message = `the backend failed: ${(error as Error).message}`;
  if (status === 400 || status === 404 || status === 429) return new RouterError(message, { status });
  return new RouterError(message, { status: error instanceof HopError && error.phase === 'first-token' ? 504 : 502 });
}

function headerHex(value: string | undefined): Hex | undefined {
  return value && /^0x[0-9a-fA-F]{64}$/.test(value) ? (value as Hex) : undefined;
}

function randomRequestId(): Hex {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `0x${Buffer.from(bytes).toString('hex')}`;
}
