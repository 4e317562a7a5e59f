import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { getAddress, isAddress } from 'viem';
import { z } from 'zod';
import { assertPortFree } from '../common/ports.ts';
import { earningsJson, providerEarnings } from './earnings.ts';
import { RouterError } from './errors.ts';
import { errorHandlers, limitBody, validateJson, validateQuery } from './http-edge.ts';
import { sendStream } from './http-stream.ts';
import { type RouteEvent, routeRequest } from './proxy.ts';
import { describeQuarantine } from './quarantine.ts';
import { listReceipts } from './receipts.ts';
import { LOCAL_ID, Router, type RouterOptions } from './router.ts';
import { DeregistrationJsonSchema, RegistrationJsonSchema, SignedJsonSchema, toJson } from './typed-data.ts';
import { type UpstreamChunk, VIA_HEADER } from './upstream.ts';
import {
  aggregateChunks,
  ChatRequestSchema,
  GenerateRequestSchema,
  OLLAMA_API_VERSION,
  type OllamaChunk,
  type OllamaEndpoint,
  type OllamaRequest,
} from './wire/ollama.ts';
import {
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
  ChatCompletionStream,
  chatCompletionFromOllama,
  chatCompletionToOllama,
  errorFrame,
} from './wire/openai.ts';

/**
 * The router over HTTP: Ollama's API (/api/chat, /api/generate, /api/tags, /api/version) and the
 * OpenAI-compatible one (/v1/chat/completions, /v1/models), so ChatOllama or any OpenAI client
 * points at the router instead of a backend; and its own routes under /router/ (provider
 * registration, providers and their health, receipts).
 */

/** Response headers that say who served a request. */
export const PROVIDER_HEADER = 'x-sextant-provider';
export const SERVED_REQUEST_HEADER = 'x-sextant-request-id';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** GET /router/earnings's query: whose. */
const EarningsQuerySchema = z.object({
  provider: z
    .string()
    .refine((value) => isAddress(value), 'must be an address')
    .transform((value) => getAddress(value)),
});

/** GET /router/receipts's query: as lenient as ever about `accepted` and `limit`, strict about `provider`. */
const ReceiptsQuerySchema = z.object({
  provider: z
    .string()
    .refine((value) => isAddress(value), 'must be an address')
    .transform((value) => getAddress(value))
    .optional(),
  accepted: z
    .string()
    .transform((value) => value === 'true')
    .optional(),
  // Anything but a number (or 0) is the default, 100; at most 1000.
  limit: z
    .string()
    .optional()
    .transform((value) => Math.min(Number(value ?? 100) || 100, 1000)),
});

export function createRouterApp(router: Router, options: { loopbackOnly?: boolean } = {}): Hono {
  const app = new Hono();
  const instanceId = randomBytes(6).toString('hex');
  if (options.loopbackOnly ?? true) app.use(loopbackGuard());
  app.use(async (c, next) => {
    // Each router adds its id to the requests it sends; finding its own means a routing loop.
    const via = c.req.header(VIA_HEADER) ?? '';
    if (via.split(',').some((id) => id.trim() === instanceId)) {
      throw new RouterError(
        'routing loop: this request has already passed through this router (an upstream points back at it)',
        { status: 508, code: 'routing-loop' },
      );
    }
    return next();
  });
  app.use(limitBody());
  const viaOf = (c: Context) => [c.req.header(VIA_HEADER), instanceId].filter(Boolean).join(', ');

  app.get('/', (c) => c.text('Sextant router is running (Ollama- and OpenAI-compatible)'));
  app.get('/api/version', (c) => c.json({ version: OLLAMA_API_VERSION }));
  app.get('/api/tags', (c) =>
    c.json({
      models: router.models().map((model) => ({
        name: model.name,
        model: model.name,
        modified_at: new Date(0).toISOString(),
        size: 0,
        digest: '',
        details: { format: '', family: '', families: null, parameter_size: '', quantization_level: '' },
      })),
    }),
  );
  app.post('/api/chat', validateJson(ChatRequestSchema), (c) =>
    serveOllama(router, c, 'chat', c.req.valid('json'), viaOf(c)),
  );
  app.post('/api/generate', validateJson(GenerateRequestSchema), (c) =>
    serveOllama(router, c, 'generate', c.req.valid('json'), viaOf(c)),
  );
  app.all('/api/*', (c) => {
    const message = `the Sextant router does not serve ${c.req.method} ${c.req.path}; call the backend directly`;
    throw new RouterError(message, { status: 501, code: 'not-routed' });
  });

  const startedAt = Math.floor(Date.now() / 1000);
  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: router
        .models()
        .map((model) => ({ id: model.name, object: 'model', created: startedAt, owned_by: 'sextant' })),
    }),
  );
  app.post('/v1/chat/completions', validateJson(ChatCompletionRequestSchema), (c) =>
    serveOpenAi(router, c, c.req.valid('json'), viaOf(c)),
  );

  app.get('/router/providers', (c) => c.json(providersView(router)));
  app.post('/router/providers', validateJson(SignedJsonSchema(RegistrationJsonSchema)), async (c) => {
    const { message, signature } = c.req.valid('json');
    const record = await router.register(message, signature);
    return c.json({ provider: providerJson(record) }, 201);
  });
  app.post('/router/providers/deregister', validateJson(SignedJsonSchema(DeregistrationJsonSchema)), async (c) => {
    const { message, signature } = c.req.valid('json');
    const record = await router.deregister(message, signature);
    return c.json({ provider: providerJson(record) });
  });
  app.get('/router/receipts', validateQuery(ReceiptsQuerySchema), (c) => {
    const receipts = listReceipts(router.db, c.req.valid('query'));
    return c.json({ receipts: receipts.map((r) => ({ ...r, pricePerMTokens: r.pricePerMTokens.toString() })) });
  });

  app.get('/router/earnings', validateQuery(EarningsQuerySchema), (c) =>
    c.json(earningsJson(providerEarnings(router.db, c.req.valid('query').provider, router.computeSettlements))),
  );

  // OpenAI's clients read its error shape; everything else (Ollama's clients, the router's own routes) the app's.
  const errors = errorHandlers('the router', (c) => (c.req.path.startsWith('/v1/') ? 'openai' : 'ollama'));
  app.notFound(errors.notFound);
  app.onError(errors.onError);
  return app;
}

/** Starts routing and waits for the first event: until then, a failure can still be an HTTP error status. */
async function firstEvent(
  router: Router,
  c: Context,
  endpoint: OllamaEndpoint,
  body: OllamaRequest,
  buffered: boolean,
  via: string,
): Promise<{ events: AsyncGenerator<RouteEvent>; first: RouteEvent }> {
  const events = routeRequest(router, { endpoint, body, buffered, signal: c.req.raw.signal, via });
  const first = await events.next();
  if (first.done) throw new RouterError('the upstream sent nothing', { status: 502, code: 'upstream-failed' });
  return { events, first: first.value };
}

async function serveOllama(
  router: Router,
  c: Context,
  endpoint: OllamaEndpoint,
  body: OllamaRequest,
  via: string,
): Promise<Response> {
  // Ollama streams unless told not to.
  const streaming = body.stream !== false;
  const { events, first } = await firstEvent(router, c, endpoint, body, !streaming, via);
  const headers = servedHeaders(first);
  if (!streaming) {
    const chunks = await collect(first, events);
    return c.json(aggregateChunks(endpoint, chunks), 200, headers);
  }
  const texts = eventTexts(first, events, {
    chunk: (item) => `${item.line ?? JSON.stringify(item.chunk)}\n`,
    error: (message) => `${JSON.stringify({ error: message })}\n`,
  });
  return sendStream(texts, { 'content-type': 'application/x-ndjson', ...headers });
}

async function serveOpenAi(router: Router, c: Context, request: ChatCompletionRequest, via: string): Promise<Response> {
  const streaming = request.stream === true;
  const { events, first } = await firstEvent(router, c, 'chat', chatCompletionToOllama(request), !streaming, via);
  const headers = servedHeaders(first);
  const id = `chatcmpl-${first.type === 'chunks' ? first.requestId.slice(2, 26) : 'error'}`;
  if (!streaming) {
    const chunks = await collect(first, events);
    return c.json(chatCompletionFromOllama(id, request.model, aggregateChunks('chat', chunks)), 200, headers);
  }
  const render = new ChatCompletionStream(id, request.model, request.stream_options?.include_usage === true);
  const texts = eventTexts(first, events, {
    chunk: (item) => render.frames(item.chunk),
    error: (message) => errorFrame(message),
  });
  return sendStream(texts, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...headers,
  });
}

function servedHeaders(event: RouteEvent): Record<string, string> {
  return event.type === 'chunks' ? { [PROVIDER_HEADER]: event.servedBy, [SERVED_REQUEST_HEADER]: event.requestId } : {};
}

/** A buffered reply's chunks (routeRequest yields them only once the reply is complete). */
async function collect(first: RouteEvent, events: AsyncGenerator<RouteEvent>): Promise<OllamaChunk[]> {
  const chunks: OllamaChunk[] = [];
  for (let event: RouteEvent | undefined = first; event; event = (await events.next()).value || undefined) {
    if (event.type === 'error') throw new RouterError(event.message, { status: 502, code: 'upstream-failed' });
    for (const item of event.items) chunks.push(item.chunk);
  }
  return chunks;
}

/**
 * The events as text in the client's format, ending after an error event. Closing it (the client
 * left) closes the routing too.
 */
async function* eventTexts(
  first: RouteEvent,
  events: AsyncGenerator<RouteEvent>,
  format: { chunk: (item: UpstreamChunk) => string; error: (message: string) => string },
): AsyncGenerator<string> {
  try {
    let event: RouteEvent = first;
    while (true) {
      if (event.type === 'error') {
        yield format.error(event.message);
        return;
      }
      let text = '';
      for (const item of event.items) text += format.chunk(item);
      yield text;
      const next = await events.next();
      if (next.done) return;
      event = next.value;
    }
  } catch (error) {
    // routeRequest turns failures into error events; anything else is a bug, still ended clearly.
    console.error(error);
    yield format.error('internal error in the router');
  } finally {
    await events.return(undefined);
  }
}

function providerJson(record: ReturnType<Router['registeredProviders']>[number]) {
  return toJson({
    address: record.address,
    endpoint: record.endpoint,
    models: record.models,
    pricePerMTokens: record.pricePerMTokens,
    stake: record.stake,
    registeredAt: record.registeredAt,
    deregisteredAt: record.deregisteredAt ?? null,
  });
}

/**
 * The providers, their health, statistics and quarantine, and the order each model's requests would
 * try them in (a quarantined provider is in no ranking).
 */
function providersView(router: Router) {
  const ranking = Object.fromEntries(
    router.models().map((model) => [
      model.name,
      router.candidates(model.name).map((c) => ({
        id: c.id,
        score: Number(c.score.toFixed(4)),
        trust: Number(c.trust.toFixed(4)),
        up: c.up,
        parts: Object.fromEntries(Object.entries(c.parts).map(([k, v]) => [k, Number(v.toFixed(4))])),
        stats: c.stats,
      })),
    ]),
  );
  return {
    local: router.local
      ? { endpoint: router.local, preferred: router.preferLocal, health: router.health.state(LOCAL_ID) }
      : null,
    providers: router.registeredProviders().map((record) => {
      const quarantine = router.quarantines.active(record.address);
      return {
        ...providerJson(record),
        health: router.health.state(record.address),
        // Not routed to while it stands; ranking leaves it out.
        quarantine: quarantine ? { ...quarantine, description: describeQuarantine(quarantine) } : null,
      };
    }),
    ranking,
  };
}

/**
 * Refuses requests that name a non-loopback host (DNS rebinding) or come from a web page of another
 * origin: a page the user visits must not spend their providers' tokens through the router.
 */
function loopbackGuard(): MiddlewareHandler {
  const loopback = (hostHeader: string) => {
    const host = hostHeader.toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    return LOOPBACK_NAMES.has(name ?? '');
  };
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    const origin = c.req.header('origin');
    let originHost = '';
    try {
      originHost = origin ? new URL(origin).host : '';
    } catch {
      originHost = 'invalid';
    }
    if ((host !== '' && !loopback(host)) || (origin !== undefined && origin !== 'null' && !loopback(originHost))) {
      throw new RouterError('forbidden: the router answers only loopback hosts and origins', {
        status: 403,
        code: 'not-loopback',
      });
    }
    return next();
  };
}

export type RunningRouter = { router: Router; url: string; close: () => Promise<void> };

/**
 * Creates the router, probes its upstreams once, and listens on host:port (127.0.0.1 by default;
 * port 0 picks a free one). `close` stops listening, probing, and waits for pending receipt checks.
 */
export async function startRouter(options: RouterOptions & { host?: string; port?: number }): Promise<RunningRouter> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 11435;
  if (port !== 0) await assertPortFree(host, port, 'the router', '--port');
  const router = new Router(options);
  await router.start();
  const app = createRouterApp(router, { loopbackOnly: LOOPBACK_NAMES.has(host) || host === '::1' });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(listening));
    listening.once('error', reject);
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    router,
    url: `http://${shownHost}:${actual}`,
    close: async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        // Streams in flight end now rather than holding shutdown.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await router.close();
    },
  };
}
