import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama } from '../common/testing/fake-ollama.ts';
import { detectLlm } from './llm-status.ts';

/** A loopback server that answers GET /api/tags as Ollama does, with the models given. */
function fakeOllama(models: string[]): Promise<{ server: Server; host: string }> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/api/tags') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ models: models.map((name) => ({ name, model: name, size: 1 })) }));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, host: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
    }),
  );
}

describe('detectLlm', () => {
  let withModel: { server: Server; host: string };
  let withoutModel: { server: Server; host: string };
  beforeAll(async () => {
    withModel = await fakeOllama(['qwen2.5:7b-instruct', 'llama3.1:latest']);
    withoutModel = await fakeOllama(['nomic-embed-text:latest']);
  });
  afterAll(() => {
    withModel.server.close();
    withoutModel.server.close();
  });

  it('uses Ollama when it answers and has the model', async () => {
    expect(await detectLlm({ host: withModel.host, model: 'qwen2.5:7b-instruct' })).toEqual({
      provider: 'ollama',
      model: 'qwen2.5:7b-instruct',
      reachable: true,
      host: withModel.host,
    });
    expect((await detectLlm({ host: withModel.host, model: 'llama3.1' })).provider).toBe('ollama');
  });

  it('falls back to the embedded parser, saying to pull the model, when Ollama lacks it', async () => {
    const status = await detectLlm({ host: withoutModel.host, model: 'qwen2.5:7b-instruct' });
    expect(status).toMatchObject({ provider: 'embedded', reachable: true });
    expect(status.detail).toContain('ollama pull qwen2.5:7b-instruct');
  });

  it('falls back to the embedded parser when nothing listens at OLLAMA_HOST', async () => {
    const closed = await fakeOllama([]);
    closed.server.close();
    const status = await detectLlm({ host: closed.host, model: 'qwen2.5:7b-instruct' });
    expect(status).toMatchObject({ provider: 'embedded', model: 'embedded', reachable: false });
    expect(status.detail).toContain('not reachable');
  });

  it('uses Ollama behind the fake the other tests talk to', async () => {
    const fake = await startFakeOllama({ models: ['qwen2.5:7b-instruct'] });
    try {
      expect(await detectLlm({ host: fake.host, model: 'qwen2.5:7b-instruct' })).toMatchObject({ provider: 'ollama' });
    } finally {
      await fake.close();
    }
  });
});
