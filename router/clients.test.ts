import { ChatOllama } from '@langchain/ollama';
import { Ollama } from 'ollama';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../common/database.ts';
import { type FakeOllama, startFakeOllama } from '../common/testing/fake-ollama.ts';
import { openAiBackend } from './provider/backend.ts';
import { type RunningProviderNode, startProviderNode } from './provider/serve.ts';
import { listReceipts } from './receipts.ts';
import { type RunningRouter, startRouter } from './server.ts';
import { type Cluster, fakeOptions, MODEL, REPLY, startCluster } from './testing/cluster.ts';
import { CUT, startTap } from './testing/tap.ts';

/** The `data:` payloads of a server-sent event stream. */
async function ssePayloads(response: Response): Promise<string[]> {
  return (await response.text())
    .split('\n\n')
    .map((event) => event.trim())
    .filter(Boolean)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice(6);
    });
}

function completions(url: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer unused' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'say something' }], ...body }),
  });
}

describe('what clients expect', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('the ollama npm client: list, chat and generate, streamed and not', async () => {
    cluster = await startCluster({ providers: [{}] });
    const ollama = new Ollama({ host: cluster.router.url });
    const { models } = await ollama.list();
    expect(models.map((m) => m.name)).toEqual([MODEL]);

    let streamed = '';
    let last: { done: boolean; eval_count: number } | undefined;
    for await (const part of await ollama.chat({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })) {
      streamed += part.message.content;
      last = part;
    }
    expect(streamed).toBe(REPLY);
    expect(last).toMatchObject({ done: true, eval_count: Math.ceil(REPLY.length / 4) });

    const whole = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(whole).toMatchObject({ message: { role: 'assistant', content: REPLY }, done: true });

    let generated = '';
    for await (const part of await ollama.generate({ model: MODEL, prompt: 'hi', stream: true }))
      generated += part.response;
    expect(generated).toBe(REPLY);
    expect(await ollama.generate({ model: MODEL, prompt: 'hi' })).toMatchObject({ response: REPLY, done: true });
    const backend = cluster.providers[0]?.fake.modelRequests ?? [];
    expect(backend.map((r) => r.endpoint)).toEqual(['chat', 'chat', 'generate', 'generate']);
    // The router always streams from upstream, to measure; the client's choice is applied on its side.
    expect(backend.every((r) => r.stream)).toBe(true);
  });

  it('the ollama npm client raises the router’s mid-stream error event', async () => {
    cluster = await startCluster({
      providers: [
        { price: '0.5', front: (url) => startTap(url, { line: (line, index) => (index === 2 ? CUT : line) }) },
        { price: '1', fake: { replies: () => 'Something else.' } },
      ],
    });
    const ollama = new Ollama({ host: cluster.router.url });
    const stream = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true });
    await expect(
      (async () => {
        for await (const _part of stream) {
          // reading until it throws
        }
      })(),
    ).rejects.toThrow(/produced different text/);
  });

  it('LangChain’s ChatOllama (the agent’s client) works against the router unchanged', async () => {
    cluster = await startCluster({ providers: [{}] });
    const chat = new ChatOllama({ baseUrl: cluster.router.url, model: MODEL, temperature: 0 });
    const reply = await chat.invoke('say something');
    expect(reply.content).toBe(REPLY);
  });

  it('OpenAI’s shape: a non-streamed chat completion with usage', async () => {
    cluster = await startCluster({ providers: [{}] });
    const response = await completions(cluster.router.url, {
      temperature: 0,
      max_tokens: 64,
      response_format: { type: 'json_object' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { usage: { prompt_tokens: number; total_tokens: number } };
    const completion = Math.ceil(REPLY.length / 4);
    expect(body).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: completion, total_tokens: expect.any(Number) },
    });
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + completion);
    expect(cluster.providers[0]?.fake.modelRequests[0]).toMatchObject({
      format: 'json',
      options: { temperature: 0, num_predict: 64 },
      messages: [{ role: 'user', content: 'say something' }],
    });
  });

  it('OpenAI’s shape: a streamed chat completion as server-sent events, usage on request, then [DONE]', async () => {
    cluster = await startCluster({ providers: [{}] });
    const response = await completions(cluster.router.url, { stream: true, stream_options: { include_usage: true } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const payloads = await ssePayloads(response);
    expect(payloads.at(-1)).toBe('[DONE]');
    const events = payloads.slice(0, -1).map((p) => JSON.parse(p));
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
    expect(events.every((e) => e.object === 'chat.completion.chunk' && e.model === MODEL)).toBe(true);
    expect(events[0].choices[0]).toEqual({
      index: 0,
      delta: { role: 'assistant', content: '' },
      logprobs: null,
      finish_reason: null,
    });
    const text = events
      .flatMap((e) => e.choices.map((c: { delta: { content?: string } }) => c.delta.content ?? ''))
      .join('');
    expect(text).toBe(REPLY);
    const finish = events.find((e) => e.choices[0]?.finish_reason);
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(events.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: Math.ceil(REPLY.length / 4) } });
  });

  it('OpenAI’s shape: /v1/models, and errors as {error: {message, type, code}}', async () => {
    cluster = await startCluster({ providers: [{}] });
    const models = await fetch(`${cluster.router.url}/v1/models`).then((r) => r.json());
    expect(models).toEqual({
      object: 'list',
      data: [{ id: MODEL, object: 'model', created: expect.any(Number), owned_by: 'sextant' }],
    });
    const unknown = await completions(cluster.router.url, { model: 'gpt-9' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: {
        message: expect.stringContaining('model "gpt-9" not found'),
        type: 'not_found_error',
        param: null,
        code: 'model_not_found',
      },
    });
    const bad = await fetch(`${cluster.router.url}/v1/chat/completions`, { method: 'POST', body: '{"model":"x"}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: unknown }).error).toMatchObject({
      message: expect.stringMatching(/^messages/),
      type: 'invalid_request_error',
    });
  });
});

describe('a provider node in front of an OpenAI-compatible backend', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    closers.length = 0;
  });

  it('translates both ways, registers over HTTP, and signs a receipt from the backend’s usage', async () => {
    // The OpenAI-compatible backend: a second router, serving /v1/chat/completions from a fake Ollama.
    const fake: FakeOllama = await startFakeOllama(fakeOptions());
    closers.push(fake.close);
    const backend: RunningRouter = await startRouter({
      db: openDatabase(':memory:'),
      port: 0,
      local: fake.host,
      probeIntervalMs: 3_600_000,
    });
    closers.push(backend.close);
    const db = openDatabase(':memory:');
    const router = await startRouter({ db, port: 0, probeIntervalMs: 3_600_000 });
    closers.push(router.close);
    const account = privateKeyToAccount(generatePrivateKey());
    const node: RunningProviderNode = await startProviderNode({
      account,
      backend: openAiBackend(`${backend.url}/v1`),
      pricePerMTokens: parseEther('1'),
      port: 0,
      router: router.url,
    });
    closers.push(node.close);
    expect(router.router.registeredProviders().map((p) => p.address)).toEqual([account.address]);

    const ollama = new Ollama({ host: router.url });
    let text = '';
    for await (const part of await ollama.chat({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      options: { temperature: 0, num_predict: 32 },
    })) {
      text += part.message.content;
    }
    expect(text).toBe(REPLY);
    expect(await ollama.generate({ model: MODEL, prompt: 'hi', system: 'be brief' })).toMatchObject({
      response: REPLY,
    });
    expect(fake.modelRequests[0]).toMatchObject({ options: { temperature: 0, num_predict: 32 } });
    expect(fake.modelRequests[1]?.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ]);
    await router.router.settled();
    expect(listReceipts(db).map((r) => [r.accepted, r.completionTokens])).toEqual([
      [true, Math.ceil(REPLY.length / 4)],
      [true, Math.ceil(REPLY.length / 4)],
    ]);

    // Closing the node deregisters it.
    await node.close();
    closers.pop();
    expect(router.router.registeredProviders()).toEqual([]);
  });
});
