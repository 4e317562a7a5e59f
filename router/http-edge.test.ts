import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { openDatabase } from '../common/database.ts';
import { errorHandlers, limitBody, validateJson } from './http-edge.ts';
import { ollamaBackend } from './provider/backend.ts';
import { createProviderApp } from './provider/node.ts';
import { type RunningRouter, startRouter } from './server.ts';

/** Serves `app` on a free loopback port through @hono/node-server, as the router is (its body limit checks Node's request). */
async function listen(app: Hono): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

const postJson = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** A body of `bytes` bytes sent in pieces without a Content-Length (chunked), as a streaming client may. */
function chunkedBody(bytes: number): RequestInit {
  const piece = new TextEncoder().encode('x'.repeat(256));
  let left = bytes;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) return controller.close();
      const next = piece.subarray(0, Math.min(piece.length, left));
      left -= next.length;
      controller.enqueue(next);
    },
  });
  return { method: 'POST', body, duplex: 'half' } as RequestInit;
}

describe('the router’s HTTP edge (http-edge.ts), on a small server', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    vi.restoreAllMocks();
  });

  /** Ollama's error shape, OpenAI's under /v1/, a 1 KiB limit, and a route that fails as a bug would. */
  async function start(): Promise<string> {
    const app = new Hono();
    app.use(limitBody(1024));
    const echo = validateJson(z.object({ model: z.string(), messages: z.array(z.object({ content: z.string() })) }));
    app.post('/api/echo', echo, (c) => c.json(c.req.valid('json')));
    app.post('/v1/echo', echo, (c) => c.json(c.req.valid('json')));
    app.get('/api/bug', () => {
      throw new Error('secret detail: the password is hunter2');
    });
    const errors = errorHandlers('the test server', (c) => (c.req.path.startsWith('/v1/') ? 'openai' : 'ollama'));
    app.onError(errors.onError);
    app.notFound(errors.notFound);
    const server = await listen(app);
    closers.push(server.close);
    return server.url;
  }

  it('answers a bad body with a 400 naming the field, in the shape of the client’s protocol', async () => {
    const url = await start();
    const body = JSON.stringify({ model: 'm', messages: [{ content: 7 }] });
    const ollama = await postJson(`${url}/api/echo`, body);
    expect(ollama.status).toBe(400);
    expect(await ollama.json()).toEqual({
      error: expect.stringMatching(/^messages\.0\.content: /),
      code: 'invalid-request',
      field: 'messages.0.content',
    });
    const openAi = await postJson(`${url}/v1/echo`, body);
    expect(openAi.status).toBe(400);
    expect(await openAi.json()).toEqual({
      error: {
        message: expect.stringMatching(/^messages\.0\.content: /),
        type: 'invalid_request_error',
        param: 'messages.0.content',
        code: null,
      },
    });
    // Not JSON at all: the whole body is the field.
    const garbage = await postJson(`${url}/api/echo`, 'model=m');
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ code: 'invalid-request', field: 'body' });
    // A body that fits passes, read whole.
    const fits = JSON.stringify({ model: 'm', messages: [{ content: 'hi' }] });
    expect(await (await postJson(`${url}/api/echo`, fits)).json()).toEqual(JSON.parse(fits));
  });

  it('answers a body over the limit with a 413, whether its length is declared or it comes chunked', async () => {
    const url = await start();
    const declared = await postJson(`${url}/api/echo`, JSON.stringify({ model: 'x'.repeat(2048), messages: [] }));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: 'The body is over 1 KiB.', code: 'body-too-large' });
    const chunked = await fetch(`${url}/v1/echo`, chunkedBody(4096));
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    // Chunked but within the limit: counted, then read as usual (and refused only by its schema).
    const small = await fetch(`${url}/api/echo`, chunkedBody(512));
    expect(small.status).toBe(400);
    expect(await small.json()).toMatchObject({ field: 'body' });
  });

  it('answers an unknown error with a 500 that gives no details, and logs them', async () => {
    const url = await start();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await fetch(`${url}/api/bug`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toMatch(/secret|hunter2/);
    expect(JSON.parse(text)).toEqual({
      error: 'internal error in the test server',
      code: 'internal',
      hint: 'See the test server’s log.',
    });
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/hunter2/) }));
  });

  it('answers an unknown route with a 404 in the same shapes', async () => {
    const url = await start();
    const ollama = await fetch(`${url}/api/nothing`);
    expect(ollama.status).toBe(404);
    expect(await ollama.json()).toEqual({ error: 'not found: GET /api/nothing', code: 'not-found' });
    const openAi = await fetch(`${url}/v1/nothing`);
    expect(await openAi.json()).toEqual({
      error: { message: 'not found: GET /v1/nothing', type: 'not_found_error', param: null, code: null },
    });
  });
});

describe('the router’s and the provider node’s edge', () => {
  let running: RunningRouter | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
    vi.restoreAllMocks();
  });

  it('the router: a bad body or query is a 400 naming the field, a body over 32 MiB a 413', async () => {
    running = await startRouter({ db: openDatabase(':memory:'), port: 0, probeIntervalMs: 3_600_000 });
    const chat = await postJson(`${running.url}/api/chat`, JSON.stringify({ model: 'm', messages: 'hi' }));
    expect(chat.status).toBe(400);
    expect(await chat.json()).toMatchObject({ code: 'invalid-request', field: 'messages' });
    const completions = await postJson(`${running.url}/v1/chat/completions`, JSON.stringify({ messages: [] }));
    expect(completions.status).toBe(400);
    expect(((await completions.json()) as { error: unknown }).error).toMatchObject({
      message: expect.stringMatching(/^model: /),
      type: 'invalid_request_error',
      param: 'model',
    });
    const receipts = await fetch(`${running.url}/router/receipts?provider=0x1234`);
    expect(receipts.status).toBe(400);
    expect(await receipts.json()).toEqual({
      error: 'provider: must be an address',
      code: 'invalid-request',
      field: 'provider',
    });

    const huge = await postJson(`${running.url}/api/chat`, `{"model":"m","prompt":"${'x'.repeat(32 * 1024 * 1024)}"}`);
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: 'The body is over 32 MiB.', code: 'body-too-large' });
  });

  it('the router: an unknown error (its database gone) is a 500 with no details', async () => {
    const db = openDatabase(':memory:');
    running = await startRouter({ db, port: 0, probeIntervalMs: 3_600_000 });
    db.close();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await fetch(`${running.url}/router/receipts`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: 'internal error in the router',
      code: 'internal',
      hint: 'See the router’s log.',
    });
    expect(logged).toHaveBeenCalledOnce();
  });

  it('the provider node: a bad body is a 400 naming the field, before its backend is asked, and frees its slot', async () => {
    const app = createProviderApp({
      account: privateKeyToAccount(generatePrivateKey()),
      // Nothing listens there: the request must be refused before the backend is needed.
      backend: ollamaBackend('http://127.0.0.1:9'),
      models: ['m'],
      concurrency: 1,
    });
    const generate = () =>
      app.request('/api/generate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', prompt: 42 }),
      });
    const response = await generate();
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: expect.stringMatching(/^prompt: /),
      code: 'invalid-request',
      field: 'prompt',
    });
    // Its one slot was given back: the next request is refused for its body again, not as busy.
    expect((await generate()).status).toBe(400);
  });
});
