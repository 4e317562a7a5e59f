import { afterEach, describe, expect, it } from 'vitest';
import { type FakeOllama, startFakeOllama } from './fake-ollama.ts';

describe('the fake Ollama server', () => {
  let fake: FakeOllama | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  // That detectLlm picks Ollama from these answers is tested beside it (agent-core/llm-status.test.ts).
  it('lists its models and version', async () => {
    fake = await startFakeOllama({ models: ['qwen2.5:7b-instruct'] });
    const tags = await fetch(`${fake.host}/api/tags`).then((response) => response.json());
    expect(tags).toMatchObject({ models: [{ name: 'qwen2.5:7b-instruct' }] });
    const version = await fetch(`${fake.host}/api/version`).then((response) => response.json());
    expect(version).toEqual({ version: expect.any(String) });
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /api/tags',
      'GET /api/version',
    ]);
  });

  it('streams a chat reply as NDJSON chunks ending with done and eval counts', async () => {
    fake = await startFakeOllama({ replies: ['{"intents":[]} and some more text'], chunkSize: 5 });
    const response = await fetch(`${fake.host}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'qwen2.5:7b-instruct', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.map((line) => line.message.content).join('')).toBe('{"intents":[]} and some more text');
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop', eval_count: expect.any(Number) });
    expect(lines.slice(0, -1).every((line) => line.done === false)).toBe(true);
    expect(fake.modelRequests[0]).toMatchObject({ endpoint: 'chat', stream: true, messages: [{ content: 'hi' }] });
  });

  it('answers non-streaming chat and generate requests in one object', async () => {
    fake = await startFakeOllama({ replies: ['one', 'two'] });
    const post = (path: string, body: unknown) =>
      fetch(`${fake?.host}${path}`, { method: 'POST', body: JSON.stringify(body) }).then((response) => response.json());
    expect(await post('/api/chat', { model: 'qwen2.5:7b-instruct', messages: [], stream: false })).toMatchObject({
      message: { role: 'assistant', content: 'one' },
      done: true,
      prompt_eval_count: expect.any(Number),
    });
    expect(await post('/api/generate', { model: 'qwen2.5:7b-instruct', prompt: 'p', stream: false })).toMatchObject({
      response: 'two',
      done: true,
    });
    expect(fake.modelRequests.map((request) => request.endpoint)).toEqual(['chat', 'generate']);
  });

  it('answers 404 for a model it does not have, and 500 when the script runs out', async () => {
    fake = await startFakeOllama({ models: ['llama3.1'], replies: [] });
    const chat = (model: string) =>
      fetch(`${fake?.host}/api/chat`, { method: 'POST', body: JSON.stringify({ model, messages: [], stream: false }) });
    const missing = await chat('qwen2.5:7b-instruct');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: expect.stringContaining('not found') });
    expect((await chat('llama3.1:latest')).status).toBe(500);
  });

  it('replies from a function of the request, after the configured delay', async () => {
    fake = await startFakeOllama({
      delayMs: 150,
      replies: (request) => `echo: ${request.messages.at(-1)?.content}`,
    });
    const started = Date.now();
    const body = await fetch(`${fake.host}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'qwen2.5:7b-instruct',
        messages: [{ role: 'user', content: 'ping' }],
        stream: false,
      }),
    }).then((response) => response.json() as Promise<{ message: { content: string } }>);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(body.message.content).toBe('echo: ping');
  });
});
