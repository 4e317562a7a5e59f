import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { type Address, getAddress, type Hex, isAddress, type LocalAccount, zeroAddress } from 'viem';
import { HopError, ModelNotFoundError, RouterError } from '../errors.ts';
import { errorHandlers, limitBody, validateJson } from '../http-edge.ts';
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

/** A request's hold on one of the node's `concurrency` slots, given back once. */
type SlotEnv = { Variables: { releaseSlot: () => void } };

export function createProviderApp(options: ProviderNodeOptions): Hono<SlotEnv> {
  const { account, backend } = options;
  let active = 0;
  const app = new Hono<SlotEnv>();
  app.use(limitBody());

  app.get('/', (c) => c.text(`Sextant provider node ${account.address} is running`));
  app.get('/api/version', (c) => c.json({ version: OLLAMA_API_VERSION }));
  // The router's health probe: it answers only when the backend does, with what the backend has of the offer.
  app.get('/api/tags', async (c) => {
    let available: string[];
    try {
      available = await backend.listModels();
    } catch (error) {
      throw new RouterError(`the backend at ${backend.url} does not answer: ${(error as Error).message}`, {
        status: 502,
        code: 'backend-unreachable',
        cause: error,
      });
    }
    const models = options.models.filter((model) => available.some((name) => sameModel(name, model)));
    return c.json({ models: models.map((name) => ({ name, model: name, provider: account.address })) });
  });

  /**
   * Takes a slot, or refuses before reading anything when none is free: a busy node answers fast,
   * and the router tries the next. The reply gives its slot back once it has been sent (or has
   * failed), not when the handler returns; a refusal on the way (a bad body, a model not offered,
   * a backend failing before the first chunk) gives it back here.
   */
  const takeSlot: MiddlewareHandler<SlotEnv> = async (c, next) => {
    if (active >= options.concurrency) {
      throw new RouterError(
        `provider busy: ${active} requests in flight, its limit is ${options.concurrency}; retry shortly`,
        { status: 429, code: 'provider-busy', retryAfterSeconds: 1 },
      );
    }
    active += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      active -= 1;
    };
    c.set('releaseSlot', release);
    let refused = true;
    try {
      await next();
      // A thrown error was answered by onError on the way back: the reply never took the slot over.
      refused = c.error !== undefined;
    } finally {
      if (refused) release();
    }
  };

  const serveRequest = async (
    c: Context,
    endpoint: OllamaEndpoint,
    body: OllamaRequest,
    release: () => void,
  ): Promise<Response> => {
    const started = performance.now();
    if (!options.models.some((model) => sameModel(model, body.model))) {
      throw new ModelNotFoundError(
        `model "${body.model}" not found: this provider offers ${options.models.join(', ')}`,
      );
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

  app.post('/api/chat', takeSlot, validateJson(ChatRequestSchema), (c) =>
    serveRequest(c, 'chat', c.req.valid('json'), c.get('releaseSlot')),
  );
  app.post('/api/generate', takeSlot, validateJson(GenerateRequestSchema), (c) =>
    serveRequest(c, 'generate', c.req.valid('json'), c.get('releaseSlot')),
  );
  // Its clients are routers, which speak Ollama's API.
  const errors = errorHandlers('the provider node');
  app.notFound(errors.notFound);
  app.onError(errors.onError);
  return app;
}

/** A backend failure as the node reports it: the backend's own status when it sent one, 502 otherwise. */
function backendError(error: unknown): RouterError {
  if (error instanceof RouterError) return error;
  const status = error instanceof HopError ? error.upstreamStatus : undefined;
  const message = `the backend failed: ${(error as Error).message}`;
  if (status === 404) return new ModelNotFoundError(message);
  if (status === 400 || status === 429) return new RouterError(message, { status, code: 'backend-refused' });
  return new RouterError(message, {
    status: error instanceof HopError && error.phase === 'first-token' ? 504 : 502,
    code: 'backend-failed',
  });
}

function headerHex(value: string | undefined): Hex | undefined {
  return value && /^0x[0-9a-fA-F]{64}$/.test(value) ? (value as Hex) : undefined;
}

function randomRequestId(): Hex {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `0x${Buffer.from(bytes).toString('hex')}`;
}
